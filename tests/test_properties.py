"""Properties that must hold for every input (hypothesis)."""

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.attention import (
    first_principles_attention,
    scaled_dot_product_attention,
    softmax,
)
from core.positional import add_positions

settings.register_profile("lab", max_examples=60, deadline=None)
settings.load_profile("lab")


@st.composite
def matrices(draw, max_n=8, max_d=8):
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 5.0]))
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed)) * scale


@given(matrices(), st.floats(0.05, 20.0))
def test_weight_rows_are_distributions(E, temperature):
    w = first_principles_attention(E, temperature=temperature).weights
    assert torch.all(w >= 0)
    torch.testing.assert_close(w.sum(-1), torch.ones(E.shape[0]), atol=1e-5, rtol=0)


@given(matrices(), st.randoms(use_true_random=False))
def test_permuting_tokens_permutes_outputs(E, rng):
    order = list(range(E.shape[0]))
    rng.shuffle(order)
    perm = torch.tensor(order)
    for attend in (first_principles_attention, lambda X: scaled_dot_product_attention(X, X, X)):
        torch.testing.assert_close(attend(E[perm]).output, attend(E).output[perm], atol=1e-5, rtol=1e-4)


@given(st.integers(3, 8), st.integers(2, 8), st.integers(0, 1000))
def test_positional_encoding_breaks_equivariance(n, d, seed):
    E = torch.randn(n, d, generator=torch.Generator().manual_seed(seed))
    perm = torch.roll(torch.arange(n), 1)  # every token moves
    without = first_principles_attention(E[perm]).output - first_principles_attention(E).output[perm]
    with_pe = (
        first_principles_attention(add_positions(E[perm])).output
        - first_principles_attention(add_positions(E)).output[perm]
    )
    assert without.abs().max() < 1e-5
    assert with_pe.abs().max() > 1e-3


@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=10))
def test_softmax_of_huge_logits_is_finite(logits):
    w = softmax(torch.tensor(logits, dtype=torch.float32))
    assert torch.isfinite(w).all()
    assert math.isclose(float(w.sum()), 1.0, abs_tol=1e-5)


@given(matrices(max_n=6))
def test_high_temperature_is_near_uniform(E):
    w = first_principles_attention(E, temperature=1e6).weights
    torch.testing.assert_close(w, torch.full_like(w, 1.0 / E.shape[0]), atol=1e-3, rtol=0)
