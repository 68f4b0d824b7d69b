import pytest
import torch

from core import gpt
from core.gpt import GPT, GPTConfig, compare_cache, generate, load_pretrained, per_position_loop
from core.gpt_heads import (
    MEASURE_BATCH,
    Head,
    TaskReport,
    best_head,
    deciding_scores,
    in_batches,
    induction_scores,
    learned,
    measurement_sequences,
    previous_token_scores,
    report,
    shared_heads,
)
from core.gpt_training import TrainConfig, train
from core.grammar import VOCAB, held_out_probes
from tests.hostile_inputs import HOSTILE_INPUTS

PROMPT = "the queen who met the king on the road said that"


@pytest.fixture(scope="module")
def shipped() -> GPT:
    return load_pretrained()


@pytest.fixture(scope="module")
def shipped_report(shipped):
    return report(shipped)


def models(shipped):
    return [GPT(seed=3), shipped]  # untrained (its attention is near uniform) and trained


def test_changing_a_later_word_changes_no_earlier_position(shipped):
    for model in models(shipped):
        ids = torch.tensor(model.encode(PROMPT))
        changed = ids.clone()
        changed[6:] = torch.tensor(model.encode("cat " * (len(ids) - 6)))
        with torch.no_grad():
            before, after = model(ids)[0], model(changed)[0]
        assert (before[:6] - after[:6]).abs().max() <= 1e-6
        assert (before[6:] - after[6:]).abs().max() > 1e-3  # the change did reach the later positions


def test_attention_upper_triangle_is_exactly_zero_and_rows_sum_to_one(shipped):
    for model in models(shipped):
        ids = torch.tensor(model.encode(PROMPT))
        with torch.no_grad():
            _, attentions = model(ids)
        n = len(ids)
        assert attentions.shape == (model.config.n_layer, model.config.n_head, n, n)
        upper = torch.ones(n, n, dtype=torch.bool).triu(1)
        assert (attentions[..., upper] == 0).all()
        assert torch.allclose(attentions.sum(-1), torch.ones(()), atol=1e-6)


def test_forward_equals_a_plain_per_position_loop(shipped):
    for model in models(shipped):
        ids = torch.tensor(model.encode(PROMPT))
        with torch.no_grad():
            assert (model(ids)[0] - per_position_loop(model, ids)).abs().max() <= 1e-5


def test_batched_forward_equals_one_at_a_time(shipped):
    ids = torch.tensor([shipped.encode(PROMPT), shipped.encode("the cat sat on the mat . the dog sat on")])
    with torch.no_grad():
        logits, attentions = shipped(ids)
        for row in range(2):
            one_logits, one_attentions = shipped(ids[row])
            assert torch.allclose(logits[row], one_logits, atol=1e-5)
            assert torch.allclose(attentions[row], one_attentions, atol=1e-6)


def test_measuring_in_batches_gives_what_one_batch_gives(shipped):
    ids = measurement_sequences(MEASURE_BATCH * 2 + 7)  # two whole batches and a part
    with torch.no_grad():
        logits, attentions = shipped(ids, [(1, 2)])
    batched_logits, batched_attentions = in_batches(shipped, ids, [(1, 2)])
    assert batched_logits.shape == logits.shape and batched_attentions.shape == attentions.shape
    assert torch.allclose(batched_logits, logits, atol=1e-5)
    assert torch.allclose(batched_attentions, attentions, atol=1e-6)


def test_kv_cache_writes_what_recomputing_from_scratch_writes(shipped):
    for model in models(shipped):
        comparison = compare_cache(model, model.encode("the kings who saw"), 12)
        assert comparison.same_words
        assert comparison.max_difference <= 1e-4
        assert comparison.cached.query_rows == [4] + [1] * 11  # the prompt once, then one row per word
        assert comparison.recomputed.query_rows == list(range(4, 16))
        for cached_row, full_row in zip(comparison.cached.rows, comparison.recomputed.rows):
            assert torch.allclose(cached_row, full_row, atol=1e-6)


def test_sampled_writing_is_the_same_with_and_without_cache_and_leaves_global_rng_alone(shipped):
    before = torch.random.get_rng_state()
    ids = shipped.encode("the")
    settings = {"temperature": 1.5, "top_k": 20, "top_p": 0.95}
    cached = generate(shipped, ids, 20, torch.Generator().manual_seed(4), **settings)
    recomputed = generate(shipped, ids, 20, torch.Generator().manual_seed(4), use_cache=False, **settings)
    again = generate(shipped, ids, 20, torch.Generator().manual_seed(4), **settings)
    assert cached.ids == recomputed.ids == again.ids
    assert torch.allclose(cached.probs.sum(-1), torch.ones(()), atol=1e-6)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_top_k_one_writes_the_greedy_text(shipped):
    ids = shipped.encode(PROMPT)
    greedy = generate(shipped, ids, 8)
    top_one = generate(shipped, ids, 8, torch.Generator().manual_seed(0), temperature=3.0, top_k=1)
    assert greedy.ids == top_one.ids


def test_writing_stops_at_the_models_block_size(shipped):
    block = shipped.config.block_size
    written = generate(shipped, shipped.encode("the cat sat on the mat"), 100)
    assert len(written.ids) == block
    with pytest.raises(ValueError, match="words"):
        generate(shipped, [0] * block, 1)
    with pytest.raises(ValueError, match="at most"):
        shipped(torch.zeros(block + 1, dtype=torch.long))


def test_building_and_training_touch_no_global_rng():
    before = torch.random.get_rng_state()
    GPT(seed=1)
    train(TrainConfig(steps=3, batch_size=4, snapshot_every=3))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_a_few_steps_from_scratch_make_the_loss_fall():
    training = train(TrainConfig(steps=60, batch_size=32, warmup=10, snapshot_every=20))
    losses = [s.loss for s in training.snapshots]
    assert [s.step for s in training.snapshots] == [0, 20, 40, 60]
    assert losses[-1] < 0.8 * losses[0]
    shape = (GPTConfig().n_layer, GPTConfig().n_head)
    assert all(s.induction.shape == s.pronoun.shape == s.agreement.shape == shape for s in training.snapshots)


def test_training_is_deterministic_for_a_seed():
    def weights(seed):
        return train(TrainConfig(steps=5, batch_size=8, seed=seed, snapshot_every=5)).model.state_dict()

    first, again, other = weights(0), weights(0), weights(1)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_training_reports_progress_up_to_one():
    seen = []
    train(TrainConfig(steps=4, batch_size=4, snapshot_every=2), progress=seen.append)
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_save_and_load_give_the_same_model(tmp_path, shipped):
    path = tmp_path / "gpt.safetensors"
    gpt.save(shipped, path)
    loaded = gpt.load(path)
    ids = torch.tensor(shipped.encode(PROMPT))
    with torch.no_grad():
        assert torch.equal(loaded(ids)[0], shipped(ids)[0])
    assert loaded.vocab == shipped.vocab == list(VOCAB)
    assert not loaded(ids)[0].requires_grad  # a page's forward builds no autograd graph


def test_shipped_weights_are_small():
    assert gpt.WEIGHTS.stat().st_size < 3_000_000


def test_encode_and_decode_round_trip(shipped):
    ids = shipped.encode("The Queen who met the KING said that she was tired.")
    assert shipped.decode(ids) == "the queen who met the king said that she was tired."
    assert shipped.encode("didn’t") == shipped.encode("didn't")


@pytest.mark.parametrize("text", HOSTILE_INPUTS)
def test_hostile_prompts_get_ids_or_a_plain_notice(shipped, text):
    prompt = shipped.known_words(text)
    assert all(shipped.vocab[i] == w for i, w in zip(prompt.ids, prompt.words, strict=True))
    assert len(prompt.ids) <= shipped.config.block_size
    try:
        ids = shipped.encode(text)
    except ValueError as error:
        message = str(error)
        assert 10 < len(message) < 300 and "\n" not in message and "Traceback" not in message
        assert prompt.unknown or not prompt.words or prompt.truncated
    else:
        assert ids == prompt.ids and not prompt.unknown and not prompt.truncated


def test_notices_say_what_is_wrong(shipped):
    with pytest.raises(ValueError, match="no words"):
        shipped.encode("")
    with pytest.raises(ValueError, match="qwzx, vbnm"):
        shipped.encode("the qwzx king vbnm")
    with pytest.raises(ValueError, match=r"not: script, alert, x\."):
        shipped.encode("<script>alert('x')</script>")
    with pytest.raises(ValueError, match="at most 32 words"):
        shipped.encode("the " * 2500)
    with pytest.raises(ValueError, match="and 1 more"):
        shipped.encode("q1 q2 q3 q4 q5 q6")
    prompt = shipped.known_words("the qwzx king " + "é" * 10_000)
    assert prompt.words == ["the", "king"] and prompt.unknown[0] == "qwzx"
    assert len(gpt.unknown_notice(prompt.unknown, 60)) < 100  # the 10,000-letter word is cut


def test_head_scores_on_hand_made_maps():
    n = 3
    previous = torch.zeros(1, 1, 2, 2 * n, 2 * n)
    previous[0, 0, 0] = torch.eye(2 * n).roll(-1, dims=1).tril()  # head 0: each position to t − 1
    previous[0, 0, 0, 0, 0] = 1.0
    previous[0, 0, 1] = torch.eye(2 * n)  # head 1: each position to itself
    scores = previous_token_scores(previous)
    assert scores[0].tolist() == [1.0, 0.0]
    assert best_head(scores)[:2] == (0, 0)
    induction = torch.zeros(1, 1, 1, 2 * n, 2 * n)
    for t in range(n, 2 * n):
        induction[0, 0, 0, t, t - n + 1] = 1.0
    assert induction_scores(induction, n).tolist() == [[1.0]]
    assert induction_scores(previous, n)[0, 1] == 0.0


def test_deciding_scores_count_where_the_last_row_peaks(shipped):
    probes = held_out_probes("pronoun", 40)
    scores = deciding_scores(shipped, probes)
    assert scores.shape == (shipped.config.n_layer, shipped.config.n_head)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (scores * len(probes)).round().equal(scores * len(probes))  # a share of the 40 prompts


def test_shipped_weights_reach_the_targets_on_held_out_prompts(shipped_report):
    for task in ("pronoun", "agreement"):
        assert shipped_report[task].accuracy >= 0.95, task
        assert shipped_report[task].head_lands >= 0.90, task


def test_switching_off_a_found_head_hurts_its_task(shipped_report):
    for task, result in shipped_report.items():
        assert result.accuracy_without_head < result.accuracy, task


def test_a_head_is_said_to_share_only_the_tasks_it_has_learned():
    def task(layer: int, head: int, score: float) -> TaskReport:
        return TaskReport(0.9, 0.8, Head(layer, head, score), 0.9, 0.5, 100)

    reports = {"pronoun": task(1, 2, 0.95), "agreement": task(1, 2, 0.9), "induction": task(1, 2, 0.5)}
    assert not learned("induction", reports["induction"], 0.9)  # prefix matching 0.5: not a copying head
    assert shared_heads(reports, 0.9) == [["pronoun", "agreement"]]
    reports["induction"] = task(1, 2, 0.95)  # now it copies cleanly: it is named with the others
    assert shared_heads(reports, 0.9) == [["pronoun", "agreement", "induction"]]
    reports["induction"] = task(0, 2, 0.95)  # in the first layer no head can be an induction head
    assert not learned("induction", reports["induction"], 0.9)
    reports["agreement"] = task(1, 3, 0.9)  # each task its own head: no head shares
    assert shared_heads(reports, 0.9) == []
