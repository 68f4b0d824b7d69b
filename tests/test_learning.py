"""The √d_k statistics against theory, the two-layer "it" task, layer norm, torch MHA conversion."""

import math

import pytest
import torch

from core.multi_head import MultiHeadSelfAttention, to_torch_multihead
from core.normalisation import layer_norm
from core.scaling import dot_product_scaling
from core.text import tokenize
from core.training import (
    ANIMAL_POSITION,
    ANIMALS,
    ANIMATE,
    HELD_OUT,
    INANIMATE,
    PLACE_POSITION,
    PLACES,
    PROBES,
    PRONOUN_POSITION,
    VOCABULARY,
    TrainConfig,
    answer,
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
    batch = make_batch(256, torch.Generator().manual_seed(0))
    assert batch.tokens.shape == (256, 10) and batch.target_position.shape == batch.pronoun.shape == (256,)
    assert (batch.pronoun == PRONOUN_POSITION).all()
    for tokens, target in zip(batch.tokens.tolist(), batch.target_position.tolist()):
        words = [VOCABULARY[t] for t in tokens]
        assert words[PRONOUN_POSITION] == "it" and words[ANIMAL_POSITION] in ANIMALS and words[PLACE_POSITION] in PLACES
        assert target == (ANIMAL_POSITION if words[-1] in ANIMATE else PLACE_POSITION)
        assert words[-1] in ANIMATE + INANIMATE
    assert 0.35 < (batch.target_position == ANIMAL_POSITION).float().mean() < 0.65  # both kinds, about half each
    held = make_batch(256, torch.Generator().manual_seed(0), held_out=True)
    nouns = lambda b: {VOCABULARY[t] for t in b.tokens[:, [ANIMAL_POSITION, PLACE_POSITION]].flatten().tolist()}
    assert nouns(held) == set(ANIMALS[-HELD_OUT:] + PLACES[-HELD_OUT:])
    assert not nouns(held) & nouns(batch)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Train as app.py runs it: one torch thread (two threads on a busy 2-core machine wait on each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained():
    return train(TrainConfig(seed=0))


def first_step_at(accuracies: list[float], bar: float = 0.9) -> int:
    return next(step for step, accuracy in enumerate(accuracies, 1) if accuracy >= bar)


def test_training_learns_gradually_and_generalises(trained):
    run, steps = trained, TrainConfig().steps
    assert run.losses[0] > 1.0 and sum(run.losses[-10:]) / 10 < 0.05
    assert run.accuracies[0] < 0.7 and sum(run.accuracies[-10:]) / 10 > 0.97
    assert first_step_at(run.accuracies) > 0.1 * steps  # the replay has learning to show
    held_out = evaluate(run.model)
    assert held_out.accuracy >= 0.9 and held_out.weight_on_target >= 0.8
    # [snapshot][probe][layer] -> (10, 10); the pronoun's layer-2 row moves onto the right noun
    assert len(run.snapshot_weights) == len(run.snapshot_steps) == TrainConfig().snapshots + 1
    assert run.snapshot_steps[0] == 0 and run.snapshot_steps[-1] == steps
    assert all(len(s) == len(PROBES) and all(w.shape == (10, 10) for w in sum(s, [])) for s in run.snapshot_weights)
    for probe, target in enumerate((ANIMAL_POSITION, PLACE_POSITION)):
        first, last = (run.snapshot_weights[i][probe][1][PRONOUN_POSITION, target] for i in (0, -1))
        assert last > 0.9 > 0.5 > first


@pytest.mark.parametrize("seed", [1, 2])
def test_other_seeds_reach_the_bar_gradually(seed):
    run = train(TrainConfig(seed=seed))
    assert 0.1 * len(run.accuracies) < first_step_at(run.accuracies) < 0.8 * len(run.accuracies)
    assert evaluate(run.model).accuracy >= 0.9


def test_answer_resolves_it_by_the_adjective(trained):
    for text, referent in [
        ("The animal didn't cross the road because it was tired.", "animal"),
        ("The animal didn't cross the road because it was wide.", "road"),
        ("The zebra didn't cross the motorway because it was icy", "motorway"),  # unknown nouns read as <unk>
        ("The dog didn't cross the street because he was scared", "dog"),
    ]:
        words = tokenize(text).words
        result = answer(trained.model, words)
        assert words[result.pronoun] in {"it", "he"} and words[result.answer] == referent, text
        assert len(result.weights) == 2 and result.weights[1].shape == (len(words), len(words))
    with pytest.raises(ValueError, match="pronoun"):
        answer(trained.model, tokenize("the animal crossed the road").words)


def test_training_is_reproducible_and_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b = train(TrainConfig(steps=20, seed=5)), train(TrainConfig(steps=20, seed=5))
    assert a.losses == b.losses
    assert torch.equal(torch.random.get_rng_state(), state)


def test_unknown_words_map_to_unk_and_pronouns_to_it():
    assert encode_words(["it", "she", "zebra"]).tolist() == [VOCABULARY.index(w) for w in ("it", "it", "<unk>")]


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
