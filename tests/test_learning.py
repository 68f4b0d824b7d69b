"""The √d_k statistics against theory, the toy training task, layer norm, torch MHA conversion."""

import math

import pytest
import torch

from core.multi_head import MultiHeadSelfAttention, to_torch_multihead
from core.normalisation import layer_norm
from core.scaling import dot_product_scaling
from core.training import (
    PROBE,
    PRONOUN_POSITION,
    VOCABULARY,
    TrainConfig,
    encode_words,
    evaluate,
    make_batch,
    train,
)


@pytest.mark.parametrize("d_k", [4, 64, 1024])
def test_dot_product_spread_matches_theory(d_k):
    stats = dot_product_scaling(d_k, n_queries=1024, n_keys=32, seed=1)
    # 32k samples: the std of the sample std is ~0.4 %; allow 8 %
    assert stats.std_raw == pytest.approx(math.sqrt(d_k), rel=0.08)
    assert stats.std_scaled == pytest.approx(1.0, rel=0.08)


def test_softmax_saturates_without_scaling():
    small, large = dot_product_scaling(4, seed=0), dot_product_scaling(1024, seed=0)
    assert large.max_weight_raw > 0.9 > small.max_weight_raw
    assert large.entropy_raw < 0.3 < large.entropy_scaled
    assert abs(large.max_weight_scaled - small.max_weight_scaled) < 0.15  # scaling keeps it stable


def test_batches_follow_the_rule():
    batch = make_batch(64, torch.Generator().manual_seed(0))
    for tokens, target in zip(batch.tokens.tolist(), batch.target_position.tolist()):
        words = [VOCABULARY[t] for t in tokens]
        pronoun = words[PRONOUN_POSITION]
        assert (
            words[target]
            in {
                "he": ("king", "man", "boy", "father", "brother", "prince", "uncle", "son"),
                "she": ("queen", "woman", "girl", "mother", "sister", "princess", "aunt", "daughter"),
            }[pronoun]
        )
    held = make_batch(64, torch.Generator().manual_seed(0), held_out=True)
    train_words = {VOCABULARY[t] for t in batch.tokens.flatten().tolist()}
    assert "called" in {VOCABULARY[t] for t in held.tokens.flatten().tolist()} and "called" not in train_words


def test_training_lowers_the_loss_and_points_at_the_right_noun():
    run = train(TrainConfig(steps=120, seed=0))
    assert run.losses[0] > 1.0 and sum(run.losses[-10:]) / 10 < 0.1  # from ~log(9) to under 0.1
    held_out = evaluate(run.model)
    assert held_out.accuracy >= 0.9
    assert held_out.weight_on_target >= 0.8
    assert len(run.snapshot_weights) == len(run.snapshot_steps) and run.snapshot_steps[0] == 0
    first, last = run.snapshot_weights[0][PRONOUN_POSITION], run.snapshot_weights[-1][PRONOUN_POSITION]
    woman = PROBE.index("woman")
    assert last[woman] > 0.9 > first[woman]


def test_training_is_reproducible():
    a, b = train(TrainConfig(steps=20, seed=5)), train(TrainConfig(steps=20, seed=5))
    assert a.losses == b.losses


def test_unknown_words_map_to_unk():
    assert encode_words(["she", "zebra"]).tolist() == [VOCABULARY.index("she"), VOCABULARY.index("<unk>")]


def test_layer_norm():
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [10.0, 10.0, 10.0, 10.0]])
    y = layer_norm(x)
    torch.testing.assert_close(y, torch.nn.functional.layer_norm(x, (4,)))
    assert torch.isfinite(y).all()


def test_to_torch_multihead_matches():
    module = MultiHeadSelfAttention(12, 3, seed=4)
    x = torch.randn(2, 5, 12)
    before = torch.random.get_rng_state()
    reference = to_torch_multihead(module)
    assert torch.equal(torch.random.get_rng_state(), before)  # no throwaway init from the global generator
    theirs, weights = reference(x, x, x, average_attn_weights=False)
    ours = module(x)
    torch.testing.assert_close(ours.output, theirs, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.weights, weights, atol=1e-5, rtol=1e-5)
