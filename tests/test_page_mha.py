"""Multi-head page: layer stacking in core, and the page's controls, reveal and torch check."""

import torch
from conftest import app_test, charts, presenting_test, scrub_positions, scrub_start, scrub_to
from scrub_views import positions_sent, records_at

from core.layers import max_difference_to_torch, residual_drift, seeded_layers, stack_layers
from core.multi_head import MultiHeadSelfAttention, column_owners, head_counts, split_heads
from core.qkv import init_projection


def test_stacking_equals_the_manual_loop_and_drift_of_one_layer():
    X = torch.randn(6, 8, generator=torch.Generator().manual_seed(3))
    layers = [MultiHeadSelfAttention(8, 2, seed=10 * i) for i in range(3)]
    inputs, results = stack_layers(X, layers)
    x = X
    with torch.no_grad():
        for layer, given in zip(layers, inputs):
            torch.testing.assert_close(given, x)
            x = x + layer(x).output
    torch.testing.assert_close(inputs[-1], x)
    assert len(inputs) == 4 and len(results) == 3
    one, _ = stack_layers(X, layers[:1])
    drift = residual_drift(one)
    assert len(drift) == 1 and abs(drift[0] - float(results[0].output.norm(dim=-1).mean())) < 1e-6
    assert max_difference_to_torch(layers[0], X) < 1e-5


def test_head_counts_split_evenly_and_column_owners_match_split_heads():
    assert head_counts(12) == [1, 2, 3, 4, 6, 12] and head_counts(7) == [1, 7]
    for d_model in (8, 12, 16):
        for heads in head_counts(d_model):
            owners = torch.tensor(column_owners(d_model, heads), dtype=torch.float32)
            split = split_heads(owners[None], heads)  # (heads, 1, d_head): each head's block of the owner row
            assert all(bool((split[h] == h).all()) for h in range(heads))


def test_seeded_layers_keep_lower_layers_when_one_is_added():
    two, three = seeded_layers(8, 2, 2, seed=4), seeded_layers(8, 2, 3, seed=4)
    for a, b in zip(two, three):
        torch.testing.assert_close(a.w_o, b.w_o)
    torch.testing.assert_close(three[2].w_k.detach(), init_projection(8, 8, 4 + 20 + 1))


def test_the_page_holds_back_the_split_and_matches_torch():
    at = app_test("lessons/multi_head.py")
    assert not at.exception
    assert not any("Which columns" in m.value for m in at.markdown)
    assert at.metric[0].value in ("0 (identical here)",) or "× 10⁻" in at.metric[0].value
    at.radio(key="mha_predict_16_4").set_value("4").run()
    assert any(s.value.startswith("Right") for s in at.success)
    assert any("Which columns" in m.value for m in at.markdown)


def test_no_formula_says_how_d_model_is_split_before_the_question_is_answered():
    """The question asks each head's width; a formula with d_model / h above it would answer it."""
    at = app_test("lessons/multi_head.py")
    before = [formula(f) for f in at.latex]
    assert before and not any("d_{model}/h" in f or "d_model/h" in f for f in before)
    at.select_slider(key="mha_d_model").set_value(24).run()
    at.select_slider(key="mha_heads_24").set_value(6).run()
    at.radio(key="mha_predict_24_6").set_value("4").run()
    assert "$$d_k=d_{model}/h=24/6=4$$" in [formula(f) for f in at.latex]


def formula(element) -> str:
    """A drawn formula without its spaces and line breaks."""
    return "".join(element.value.split())


HEAD_MAP = "mha_head_scrub"


def test_every_control_at_both_ends():
    at = app_test("lessons/multi_head.py")
    for d_model in (8, 64, 16):
        at.select_slider(key="mha_d_model").set_value(d_model).run()
        assert not at.exception
    for heads in (1, 16):
        at.select_slider(key="mha_heads_16").set_value(heads).run()
        assert not at.exception
    head_map = next(spec for spec in charts(at) if spec.get("title") == "head 1")  # opens on head 1
    assert scrub_start(head_map) == {"mha_head_16": 1}
    n = len({r["row"] for r in head_map["data"]["values"]})
    assert len(head_map["data"]["values"]) == n * n  # one record a cell, every head's weight in it
    assert positions_sent(head_map["data"]["values"]) == {str(h) for h in range(1, 17)}
    scrub_to(at, HEAD_MAP, mha_head_16=16)
    assert any("head 16" in c.value for c in at.caption) or scrub_positions(at, HEAD_MAP)["mha_head_16"] == 16
    at.slider(key="mha_layers").set_value(6).run()
    head_map = next(spec for spec in charts(at) if spec.get("title") == "layer 6, head 16")  # the top layer
    assert {p.split(",")[0] for p in positions_sent(head_map["data"]["values"])} == {str(k) for k in range(1, 7)}
    scrub_to(at, HEAD_MAP, mha_shown_6=1)  # another layer: the whole page follows
    at.toggle(key="mha_pe").set_value(False).run()
    assert not at.exception
    assert any(h.value.startswith("Layer 1: 16 heads") for h in at.header)
    assert any(c.value.startswith("Every head of layer 1.") for c in at.caption)
    assert any(m.value.startswith("Each layer adds") for m in at.markdown)
    at.slider(key="mha_layers").set_value(1).run()
    assert not at.exception and not any(h.value == "Stacking layers" for h in at.header)


def test_presenter_mode_waits_behind_next():

    at = presenting_test("lessons/multi_head.py")
    assert not at.exception and [h.value for h in at.header] == ["Layer 1: 4 heads"]
    assert any("Next: One attention map" in b.label for b in at.button)


def test_minilm_layers_through_the_pages_function_match_transformers(encoder):
    """Reference: Hugging Face transformers' own attentions (output_attentions) for the same text."""
    from sentence_transformers import SentenceTransformer

    from core.model import bundled_model_path
    from core.trained import model_layer

    text = "The animal didn't cross the road because it was tired"
    bert = SentenceTransformer(bundled_model_path(), device="cpu")[0].auto_model
    bert.config._attn_implementation = "eager"  # the attention weights themselves, not a fused kernel
    ids = torch.tensor([encoder.tokenizer.encode(text).ids])
    with torch.no_grad():
        reference = bert(input_ids=ids, output_attentions=True).attentions
    run = encoder.run(text)
    for layer in (0, 5):
        ours = model_layer(encoder.weights, layer, run.hidden_states[layer]).weights
        torch.testing.assert_close(ours, reference[layer][0], atol=1e-5, rtol=0)


def test_heads_disagree_most_on_the_contested_row():
    from core.multi_head import most_contested_row, strongest_keys

    weights = torch.zeros(3, 2, 2)
    weights[:, 0, 0] = 1  # row 0: every head looks at word 0
    weights[0, 1, 0] = weights[1, 1, 1] = weights[2, 1, 1] = 1  # row 1: two different words
    assert strongest_keys(weights)[:, 1].tolist() == [0, 1, 1] and most_contested_row(weights) == 1
    assert most_contested_row(torch.eye(2).expand(3, 2, 2)) == 0  # a tie: the first row


def test_the_head_grid_is_two_big_labelled_maps_a_row():
    from ui.specs import head_grid

    words = "the animal didn't cross the road because it was tired".split()
    spec = head_grid(torch.full((4, 10, 10), 0.1), words, palette="viridis", width=640)
    assert spec["columns"] == 2 and spec["spec"]["width"] >= 250
    assert spec["spec"]["encoding"]["color"]["scale"]["type"] == "sqrt"  # small weights differ from 0
    assert "labels" not in spec["spec"]["encoding"]["y"]["axis"]  # every word on the axes
    assert head_grid(torch.full((16, 3, 3), 1 / 3), words[:3], palette="viridis", width=640)["columns"] == 4


def test_random_heads_are_not_said_to_have_learned_links():
    at = app_test("lessons/multi_head.py")
    summary = next(c.value for c in at.caption if "of each row" in c.value)
    assert summary.startswith("Largest weight of each row (untrained weights: chance, not a learned link): ")
    assert not any(c.value.startswith("Strongest link") for c in at.caption)


def head_sentence(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("From **"))


def test_the_heads_sentence_follows_the_random_and_the_trained_numbers(encoder):
    from core.multi_head import strongest_keys
    from core.text import unique_labels
    from core.trained import model_layer
    from ui.markdown import md_escape

    at = app_test("lessons/multi_head.py")
    assert any(m.value.startswith("**Random (untrained) weights, seed 0:**") for m in at.markdown)
    words = "the animal didn't cross the road because it was tired".split()
    labels = unique_labels(words)
    for word in ("it", "animal"):
        at.selectbox(key="mha_grid_word").set_value(word).run()
        spec = next(s for s in charts(at) if s.get("title") == "head 1")
        values = {
            (head, r["row"], r["col"]): r["value"]
            for head in range(1, 5)
            for r in records_at(spec["data"]["values"], mha_head_4=head)
        }
        sentence = head_sentence(at)
        for head in range(1, 5):
            top = max(labels, key=lambda col: values[(head, word, col)])
            assert f"head {head} → {md_escape(top)} ({values[(head, word, top)]:.2f})" in sentence
    at.radio(key="mha_kind").set_value("trained (MiniLM)").run()
    assert not at.exception
    run = encoder.run("The animal didn't cross the road because it was tired")
    pieces = unique_labels(run.tokens)
    for layer in (1, 4):
        at.select_slider(key="mha_minilm_layer").set_value(layer).run()
        weights = model_layer(encoder.weights, layer - 1, run.hidden_states[layer - 1]).weights
        word = at.selectbox(key="mha_minilm_grid_word").value
        row = pieces.index(word)
        keys = strongest_keys(weights)[:, row].tolist()
        sentence = head_sentence(at)
        for head, key in enumerate(keys, start=1):
            assert f"head {head} → {md_escape(pieces[key])} ({float(weights[head - 1, row, key]):.2f})" in sentence
        assert f"{len(set(keys))} different words across 12 heads" in sentence or len(set(keys)) == 1
        assert any("the weights the model itself reports: 0 (identical)" in c.value for c in at.caption)


def test_no_help_or_text_says_the_columns_per_head_before_the_question_is_answered():
    def shown(at) -> str:
        return " ".join(m.value for m in at.markdown)

    at = app_test("lessons/multi_head.py")
    heads = at.select_slider(key="mha_heads_16")
    assert "d_model / heads" not in heads.help and "d_model / heads" not in shown(at)
    at.radio(key="mha_predict_16_4").set_value("4").run()
    assert "d_model / heads columns each" in shown(at)
