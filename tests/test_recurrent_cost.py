"""RNN influence, timing helpers and fitted exponents."""

import pytest
import torch

from core.complexity import (
    loglog_slope,
    operations_per_layer,
    time_attention,
    time_recurrent,
)
from core.recurrent import (
    attention_first_token_influence,
    first_token_influence,
    hidden_states,
    influence_by_distance,
    make_recurrent,
)


@pytest.mark.parametrize("exponent", [1.0, 2.0, 0.5, 3.0])
def test_loglog_slope_recovers_known_exponents(exponent):
    ns = [16, 32, 64, 128, 256, 512]
    assert loglog_slope(ns, [3.7 * n**exponent for n in ns]) == pytest.approx(exponent, abs=1e-9)


def test_loglog_slope_with_noise():
    ns = [2**k for k in range(4, 12)]
    noisy = [n**2 * (1.1 if i % 2 else 0.9) for i, n in enumerate(ns)]
    assert loglog_slope(ns, noisy) == pytest.approx(2.0, abs=0.1)


def test_gradient_decays_monotonically_on_a_contractive_rnn():
    rnn = make_recurrent("rnn", 8, 8, seed=0)
    with torch.no_grad():  # spectral norm 0.5: every step at least halves the signal
        rnn.weight_hh_l0.copy_(rnn.weight_hh_l0 / torch.linalg.matrix_norm(rnn.weight_hh_l0, 2) * 0.5)
    values = influence_by_distance("rnn", [2, 4, 8, 16, 32], d_in=8, d_hidden=8, rnn=rnn)
    assert all(a > b for a, b in zip(values, values[1:]))
    assert values[-1] < values[0] * 0.5**20


def test_attention_influence_is_one_hop():
    X = torch.randn(64, 16, generator=torch.Generator().manual_seed(0))
    far = attention_first_token_influence(X, d_k=16)
    rnn = make_recurrent("rnn", 16, 16, seed=0)
    assert far > 1e3 * first_token_influence(rnn, X)


def test_hidden_states_shape_and_first_step():
    rnn = make_recurrent("lstm", 4, 6, seed=1)
    X = torch.randn(5, 4)
    states = hidden_states(rnn, X)
    assert states.shape == (5, 6)
    torch.testing.assert_close(states[0], hidden_states(rnn, X[:1])[0])  # step 1 cannot see later words


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_recurrent_leaves_the_global_rng_alone(kind):
    before = torch.random.get_rng_state()
    rnn = make_recurrent(kind, 4, 6, seed=3)
    X = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    hidden_states(rnn, X)
    first_token_influence(rnn, X)
    attention_first_token_influence(X, d_k=4, seed=3)
    influence_by_distance(kind, [2, 4], d_in=4, d_hidden=6, seed=3)
    influence_by_distance("attention", [2, 4], d_in=4, d_hidden=6, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_make_recurrent_is_seeded():
    a, b, c = make_recurrent("lstm", 4, 6, seed=2), make_recurrent("lstm", 4, 6, seed=2), make_recurrent("lstm", 4, 6)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.weight_ih_l0, c.weight_ih_l0)
    bound = 1 / 6**0.5
    assert all(p.abs().max() <= bound for p in a.parameters())


def test_timings_and_operation_counts():
    cpu = torch.device("cpu")
    attention, recurrent = time_attention(64, 16, cpu, repeats=1), time_recurrent(64, 16, cpu, repeats=1)
    assert attention.seconds > 0 and recurrent.seconds > 0
    assert attention.matrix_bytes == 64 * 64 * 4 and recurrent.matrix_bytes == 0
    assert operations_per_layer(512, 512)["self-attention"] == operations_per_layer(512, 512)["recurrent"]
    assert operations_per_layer(100, 512)["self-attention"] < operations_per_layer(100, 512)["recurrent"]
