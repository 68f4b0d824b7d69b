"""Q, K, V page: its core functions against references, and the page's controls and numbers."""

import pytest
import torch
from conftest import app_test, charts, open_link, presenting_test, scrub_start, scrub_to
from scrub_views import positions_sent, records_at

from core.attention import scaled_dot_product_attention
from core.embeddings import dimension_names, embed, resize_dimensions, static_vectors, toy_vocabulary
from core.normalisation import layer_norm
from core.qkv import QKVProjection, attention_sharpness, project_qkv, qkv_attention_steps, weights_by_temperature
from core.scaling import dot_product_scaling, sample_scores, scaling_by_width, sorted_weights_by_width
from core.search import mean_pool, search_attention, search_in_batch, sentence_embeddings, toy_text_embedding

WEIGHT_MAP = "qkv_weights_scrub"  # the weights chart whose Temperature input answers in the browser


def test_dimension_names_follow_resize_dimensions():
    toy = toy_vocabulary()
    assert dimension_names(toy, 3) == list(toy.dimensions[:3])
    names = dimension_names(toy, len(toy.dimensions) + 2)
    assert names[-2:] == ["extra 1", "extra 2"] and len(names) == resize_dimensions(toy.vectors, len(names)).shape[1]


def test_qkv_steps_match_the_projection_module():
    X = torch.randn(5, 6, generator=torch.Generator().manual_seed(1))
    module = QKVProjection(6, 3, seed=2)
    steps = qkv_attention_steps(X, module.w_q, module.w_k, module.w_v, temperature=0.5)
    q, k, v = module.project(X)
    torch.testing.assert_close(steps.raw, q @ k.T)
    torch.testing.assert_close(steps.attention.weights, torch.softmax(q @ k.T / 3**0.5 / 0.5, -1))
    torch.testing.assert_close(project_qkv(X, module.w_q, module.w_k, module.w_v)[2], v)
    entropy, largest = attention_sharpness(torch.full((4, 4), 0.25))
    assert entropy == pytest.approx(torch.log(torch.tensor(4.0)).item()) and largest == pytest.approx(0.25)


def test_projection_matrices_are_its_weights():
    module = QKVProjection(6, 3, d_v=2, seed=2)
    matrices = module.matrices()
    assert list(matrices) == ["W_q", "W_k", "W_v"] and matrices["W_v"].shape == (6, 2)
    torch.testing.assert_close(project_qkv(torch.eye(6), *matrices.values())[1], module.w_k.detach())


def test_scaling_by_width_is_one_measurement_per_width():
    found = scaling_by_width([4, 64], n_queries=32, seed=3)
    assert found["d_k"] == [4, 64] and found["std_theory"] == pytest.approx([2.0, 8.0])
    assert found["std_raw"][1] == dot_product_scaling(64, n_queries=32, seed=3).std_raw


def test_weights_by_temperature_are_the_attention_at_each_temperature():
    q, k, v = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(5))
    scores = scaled_dot_product_attention(q, k, v, mask=torch.ones(4, 4).tril()).scores
    found = weights_by_temperature(scores, (0.1, 1.0, 2.5))
    for i, t in enumerate((0.1, 1.0, 2.5)):
        expected = scaled_dot_product_attention(q, k, v, mask=torch.ones(4, 4).tril(), temperature=t).weights
        torch.testing.assert_close(found[i], expected)
    assert found[:, 0, 1:].abs().max() == 0  # masked stays masked at every temperature


def test_sorted_weights_start_at_the_saturation_measured():
    found = sorted_weights_by_width([4, 256], n_queries=32, seed=1)
    for d_k in (4, 256):
        raw, scaled = found[d_k]
        stats = dot_product_scaling(d_k, n_queries=32, seed=1)
        assert raw[0] == pytest.approx(stats.max_weight_raw) and scaled[0] == pytest.approx(stats.max_weight_scaled)
        assert raw == sorted(raw, reverse=True) and sum(scaled) == pytest.approx(1.0)
    first = torch.softmax(sample_scores(4, 32, seed=1), -1).sort(-1, descending=True).values.mean(0)
    assert found[4][0] == pytest.approx(first.tolist())


def test_search_in_batch_splits_query_titles_contents():
    vectors = torch.randn(7, 5, generator=torch.Generator().manual_seed(0))
    ours = search_in_batch(vectors, temperature=0.3)
    theirs = search_attention(vectors[0], vectors[1:4], vectors[4:], temperature=0.3)
    torch.testing.assert_close(ours.weights, theirs.weights)
    assert ours.weights.shape == (1, 3)


def test_static_vectors_are_the_input_table_rows(encoder):
    words = ["bank", "smartphones"]
    rows = static_vectors(encoder, words)
    assert rows.device.type == "cpu" and rows.shape == (2, encoder.static_table.shape[1])
    torch.testing.assert_close(rows[1], encoder.static_vector("smartphones").cpu())


def test_sentence_embeddings_equal_sentence_transformers(encoder):
    from sentence_transformers import SentenceTransformer

    from core.model import bundled_model_path

    texts = ["funny cat video", "How banks lend your money"]
    reference = torch.tensor(SentenceTransformer(bundled_model_path(), device="cpu").encode(texts))
    torch.testing.assert_close(sentence_embeddings(encoder, texts), reference, atol=1e-5, rtol=0)


def test_search_ranks_the_cat_video_first_for_a_cat_query(encoder):
    titles = ["Funny cats knocking things off tables", "The coronation of the king and queen", "How banks lend money"]
    vectors = sentence_embeddings(encoder, ["funny cat video", *titles])
    result = search_attention(vectors[0], vectors[1:], vectors[1:], temperature=0.1)
    assert result.weights[0].argmax() == 0 and result.weights[0, 0] > 0.5
    assert torch.allclose(mean_pool(torch.ones(3, 4)).norm(), torch.tensor(1.0))
    assert toy_text_embedding(["king queen", "!!"], toy_vocabulary()).shape == (2, len(toy_vocabulary().dimensions))


def test_the_page_shows_core_numbers_and_holds_the_answer_back():
    at = app_test("lessons/qkv.py")
    table = at.table[0].value
    assert list(table.columns)[0] == "share of attention"  # first: a phone still shows it
    assert table["video title (key)"].iloc[0].startswith("Funny cats")
    at.button(key="qkv_example_1").click().run()  # money bank grows
    at.toggle(key="qkv_weights_numbers").set_value(True).run()
    assert not at.exception
    shown = torch.tensor(at.dataframe[-1].value.to_numpy(), dtype=torch.float32)
    X = layer_norm(resize_dimensions(embed(["money", "bank", "grows"], toy_vocabulary()).vectors, 11, seed=0))
    q, k, v = QKVProjection(11, 4, seed=0).project(X)
    torch.testing.assert_close(shown, scaled_dot_product_attention(q, k, v).weights.detach(), atol=1e-4, rtol=0)
    at.toggle(key="qkv_causal").set_value(True).run()
    shown = torch.tensor(at.dataframe[-1].value.to_numpy(), dtype=torch.float32)
    assert torch.all(shown.triu(1) == 0) and shown[0, 0] == pytest.approx(1.0)

    def answered() -> bool:  # the spread/saturation plots and their caption are drawn together
        return (
            any("Computed just now" in c.value for c in at.caption) and at.select_slider(key="qkv_samples") is not None
        )

    assert not any("Computed just now" in c.value for c in at.caption)
    assert not [w for w in at.select_slider if w.key == "qkv_samples"]
    at.radio(key="qkv_predict").set_value("sharper (one key takes all)").run()
    assert any(s.value.startswith("Right") for s in at.success) and answered()


def weight_records(at, temperature: float) -> torch.Tensor:
    spec = next(spec for spec in charts(at) if spec.get("title") == "weights: softmax of each row")
    values = [r["value"] for r in records_at(spec["data"]["values"], qkv_temperature=temperature)]
    n = round(len(values) ** 0.5)
    return torch.tensor(values).reshape(n, n)


def test_the_weights_chart_carries_every_temperature_of_core():
    at = app_test("lessons/qkv.py")
    at.button(key="qkv_example_1").click().run()  # money bank grows
    X = layer_norm(resize_dimensions(embed(["money", "bank", "grows"], toy_vocabulary()).vectors, 11, seed=0))
    q, k, v = QKVProjection(11, 4, seed=0).project(X)
    for t in (0.1, 0.3, 1.0, 5.0):  # every position is in the chart, whatever the server heard
        expected = scaled_dot_product_attention(q, k, v, temperature=t).weights.detach()
        torch.testing.assert_close(weight_records(at, t), expected, atol=1e-4, rtol=0)
    scrub_to(at, WEIGHT_MAP, qkv_temperature=0.3)
    assert at.query_params["qkv_temperature"] == "0.3"
    at.toggle(key="qkv_weights_numbers").set_value(True).run()
    shown = torch.tensor(at.dataframe[-1].value.to_numpy(), dtype=torch.float32)
    expected = scaled_dot_product_attention(q, k, v, temperature=0.3).weights.detach()
    torch.testing.assert_close(shown, expected, atol=1e-5, rtol=0)
    entropy, largest = attention_sharpness(expected)
    said = next(c.value for c in at.caption if c.value.startswith("At temperature 0.3:"))
    assert f"largest weight is {largest:.2f} on average" in said and f"{entropy:.2f} on average" in said
    assert at.session_state["qkv_export"][0]["temperature"] == 0.3
    at.select_slider(key="qkv_step").set_value("weights").run()
    assert r"\operatorname{softmax}(S' / 0.3)" in at.latex[-1].value  # the formula follows the server's value


def test_links_open_a_temperature_and_a_width_on_the_sweep():
    at = open_link("lessons/qkv.py", {"qkv_temperature": "2", "qkv_sweep_d_k": "1024"})  # "2": as the slider wrote 2.0
    assert not at.exception and not at.toast
    spec = next(spec for spec in charts(at) if spec.get("title") == "weights: softmax of each row")
    assert scrub_start(spec) == {"qkv_temperature": 2.0}
    assert any(c.value.startswith("At temperature 2:") for c in at.caption)
    at.radio(key="qkv_predict").set_value("sharper (one key takes all)").run()
    spec = next(spec for spec in charts(at) if str(spec.get("title", "")).startswith("A query's weights"))
    assert scrub_start(spec) == {"qkv_sweep_d_k": 1024}
    raw, scaled = sorted_weights_by_width([1024], n_queries=256)[1024]
    assert any(f"At d_k = 1,024 a query's largest weight is {raw[0]:.2f}" in c.value for c in at.caption)
    records = spec["data"]["values"]
    shown = {(r["scores"], r["key"]): r["weight"] for r in records_at(records, qkv_sweep_d_k=1024)}
    assert shown[("with √d_k", 1)] == pytest.approx(scaled[0]) and len(shown) == 2 * 16
    assert len(positions_sent(records)) == 10  # every width travels


def test_every_control_at_both_ends():
    at = app_test("lessons/qkv.py")
    at.slider(key="qkv_search_temperature").set_value(0.02).run()
    at.text_input(key="qkv_search").set_value("").run()
    assert not at.exception and any("Type a search" in i.value for i in at.info)
    at.text_input(key="qkv_search").set_value("?").run()
    for key, value in (("qkv_d_k", 1), ("qkv_d_k", 64), ("qkv_d_model", 2), ("qkv_d_model", 32)):
        at.slider(key=key).set_value(value).run()
        assert not at.exception, (key, value)
        if (key, value) == ("qkv_d_k", 64):
            at.button_group(key="qkv_matrix").set_value("V").run()
            shown = [t.key for t in at.toggle]
            assert not at.exception and "qkv_V_numbers" in shown and "qkv_Q_numbers" not in shown
    for value in (0.1, 5.0):
        scrub_to(at, WEIGHT_MAP, qkv_temperature=value)
        assert any(c.value.startswith(f"At temperature {value:g}") for c in at.caption)
    at.toggle(key="qkv_scale").set_value(False).run()
    at.select_slider(key="qkv_step").set_value("Q, K, V").run()
    assert not at.exception and r"Q = XW_q,\; K = XW_k,\; V = XW_v" in at.latex[-1].value
    assert any(m.value == "**Step 1:**" for m in at.markdown)
    at.slider(key="qkv_d_k").set_value(4).run()
    at.toggle(key="qkv_edit").set_value(True).run()
    assert not at.exception
    at.radio(key="qkv_source").set_value("MiniLM input table (384-d)").run()
    assert not at.exception and any(m.label == "d_model" and m.value == "384" for m in at.metric)
    at.button(key="qkv_predict_reveal").click().run()
    for value in (64, 1024):
        at.select_slider(key="qkv_samples").set_value(value).run()
    assert not at.exception


def test_presenter_mode_waits_behind_next():

    at = presenting_test("lessons/qkv.py")
    assert not at.exception
    assert [h.value for h in at.header] == ["Step by step on your sentence"]
    assert any("Next: Why divide" in b.label for b in at.button) and not [w for w in at.radio if w.key == "qkv_predict"]


def test_a_trained_head_is_its_minilm_rows_and_rebuilds_the_models_attention(encoder):
    """Reference: the Hugging Face checkpoint's own query/key/value weights (read by transformers, not by core.bert),
    rows head·32 … head·32 + d_k − 1, transposed; with the whole head on the layer's input the page's one-head
    computation gives exactly the weights the model reports."""
    from sentence_transformers import SentenceTransformer

    from core.model import bundled_model_path
    from core.trained import model_inputs, trained_head

    bert = SentenceTransformer(bundled_model_path(), device="cpu")[0].auto_model
    for layer, head, d_k in ((0, 8, 4), (3, 11, 32)):
        found = trained_head(encoder.weights, layer, head, d_k)
        reference = bert.encoder.layer[layer].attention.self
        for x in "qkv":
            linear = getattr(reference, {"q": "query", "k": "key", "v": "value"}[x])
            rows = slice(head * 32, head * 32 + d_k)
            torch.testing.assert_close(found.weights[f"W_{x}"], linear.weight[rows].T.detach())
            torch.testing.assert_close(found.biases[f"b_{x}"], linear.bias[rows].detach())
    run = encoder.run("The animal didn't cross the road because it was tired")
    whole = trained_head(encoder.weights, 2, 5, 32)
    steps = qkv_attention_steps(run.hidden_states[2], *whole.weights.values(), biases=whole.biases)
    torch.testing.assert_close(steps.attention.weights, run.attentions[2, 5], atol=1e-5, rtol=0)
    ids = torch.tensor(encoder.tokenizer.encode("bank river", add_special_tokens=False).ids)
    embeddings = bert.embeddings
    expected = embeddings.LayerNorm(embeddings.word_embeddings(ids) + embeddings.token_type_embeddings.weight[0])
    torch.testing.assert_close(model_inputs(encoder.weights, encoder.static_table[ids]), expected.detach())
    with pytest.raises(ValueError):
        trained_head(encoder.weights, 0, 0, 33)


def test_identical_rows_group_equal_and_rescaled_rows():
    from core.qkv import identical_rows

    X = torch.tensor([[0.0, 0.0, 1.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.7], [1.0, 2.0, 0.0], [0.0, 1.0, 0.0]])
    assert identical_rows(layer_norm(X)) == [[0, 2], [1, 3]]  # 0 and 2 differ only in size
    assert identical_rows(X) == [[1, 3]] and identical_rows(torch.eye(3)) == []


def test_the_identical_rows_note_follows_the_embeddings():
    at = app_test("lessons/qkv.py")
    note = next(c.value for c in at.caption if c.value.startswith("Identical rows"))
    # the, because and was have only the *function* feature, at 1.0, 0.7 and 0.7: layer norm makes them equal
    assert all(f"*{w}*" in note for w in ("the", "the \\(2\\)", "because", "was")) and "*function*" in note
    assert "*it*" not in note
    at.slider(key="qkv_d_model").set_value(13).run()  # two seeded extra features: every row differs
    assert not any(c.value.startswith("Identical rows") for c in at.caption)
    at.radio(key="qkv_kind").set_value("trained (MiniLM)").run()  # MiniLM's inputs: only "the" repeats
    note = next(c.value for c in at.caption if c.value.startswith("Identical rows"))
    assert note.startswith("Identical rows: *the*, *the \\(2\\)* (the same word, and this page adds no positions)")


def test_the_weights_summary_calls_links_learned_only_for_the_trained_head():
    at = app_test("lessons/qkv.py")
    summary = next(c.value for c in at.caption if "of each row" in c.value)
    assert summary.startswith("Largest weight of each row (untrained weights: chance, not a learned link): ")
    at.radio(key="qkv_kind").set_value("trained (MiniLM)").run()
    assert next(c.value for c in at.caption if "of each row" in c.value).startswith("Strongest link of each row: ")


def test_trained_weights_run_the_same_steps_and_the_sentence_follows_them(encoder):
    from core.qkv import top_targets
    from core.text import unique_labels
    from core.trained import model_inputs, trained_head
    from ui.markdown import md_escape

    at = app_test("lessons/qkv.py")
    assert any(m.value.startswith("**Random (untrained) weights, seed 0") for m in at.markdown)
    at.radio(key="qkv_kind").set_value("trained (MiniLM)").run()
    at.toggle(key="qkv_weights_numbers").set_value(True).run()
    assert not at.exception and any(m.value == "**Trained weights: MiniLM layer 1, head 9.**" for m in at.markdown)
    words = "the animal didn't cross the road because it was tired".split()
    labels = unique_labels(words)
    X = model_inputs(encoder.weights, static_vectors(encoder, words))
    for head, d_k in ((9, 4), (3, 32)):
        at.select_slider(key="qkv_head").set_value(head).run()
        at.slider(key="qkv_d_k").set_value(d_k).run()
        found = trained_head(encoder.weights, 0, head - 1, d_k)
        weights = qkv_attention_steps(X, *found.weights.values(), biases=found.biases).attention.weights
        shown = torch.tensor(at.dataframe[-1].value.to_numpy(), dtype=torch.float32)
        torch.testing.assert_close(shown, weights, atol=1e-4, rtol=0)
        random = QKVProjection(384, d_k, seed=0).matrices()
        chance = qkv_attention_steps(X, *random.values()).attention.weights
        sentence = next(m.value for m in at.markdown if m.value.startswith("**Trained beside random.**"))
        learned, guessed = top_targets(weights), top_targets(chance)
        for i, (j, g) in enumerate(zip(learned, guessed)):
            assert f"{md_escape(labels[i])} → {md_escape(labels[j])} ({float(weights[i, j]):.2f})" in sentence
            assert f"{md_escape(labels[i])} → {md_escape(labels[g])} ({float(chance[i, g]):.2f})" in sentence
        differ = sum(a != b for a, b in zip(learned, guessed))
        assert f"The strongest key differs for {differ} of {len(words)} words" in sentence


def test_presenter_next_reveals_one_matrix_at_a_time():
    at = presenting_test("lessons/qkv.py")
    at.button(key="qkv_example_1").click().run()  # money bank grows: small matrices, numbers in their cells

    def drawn() -> list[str]:
        return [spec.get("title", "") for spec in charts(at) if spec.get("title")]

    assert at.select_slider(key="qkv_step").value == "Q" and drawn() == ["Q (3 × 4)"]
    seen = drawn()
    steps = ["Q, K", "Q, K, V", "scores QKᵀ", "scaled", "weights", "output"]
    for step, adds in zip(steps, ["K", "V", *steps[2:]], strict=True):
        assert [b.label for b in at.button if b.key == "qkv_step_next"] == [f"Next step: {adds}"]
        at.button(key="qkv_step_next").click().run()
        assert not at.exception and at.select_slider(key="qkv_step").value == step
        now = drawn()
        assert now[: len(seen)] == seen and len(now) == len(seen) + 1, (step, now)
        seen = now
    assert seen[-1] == "output Y (3 × 4)" and not [b for b in at.button if b.key == "qkv_step_next"]


def written_in_cells(spec: dict) -> bool:
    return any(layer.get("mark", {}).get("type") == "text" for layer in spec.get("layer", []))


def test_show_numbers_also_writes_the_numbers_in_the_cells():
    at = app_test("lessons/qkv.py")
    at.button(key="qkv_example_1").click().run()  # money bank grows: 3 × 4, cells big enough for numbers
    q = next(spec for spec in charts(at) if str(spec.get("title", "")).startswith("Q (3"))
    assert not written_in_cells(q)  # "Show numbers" off: colours only
    at.toggle(key="qkv_Q_numbers").set_value(True).run()
    q = next(spec for spec in charts(at) if str(spec.get("title", "")).startswith("Q (3"))
    assert written_in_cells(q)


@pytest.mark.parametrize("d_k", [4, 16])
def test_the_scaled_scores_sentence_follows_the_numbers(d_k):
    from core.qkv import scaling_effect

    at = app_test("lessons/qkv.py")
    at.button(key="qkv_example_1").click().run()
    at.slider(key="qkv_d_k").set_value(d_k).run()
    X = layer_norm(resize_dimensions(embed(["money", "bank", "grows"], toy_vocabulary()).vectors, 11, seed=0))
    raw = qkv_attention_steps(X, *QKVProjection(11, d_k, seed=0).matrices().values()).raw
    effect = scaling_effect(raw, d_k)
    said = next(c.value for c in at.caption if c.value.startswith("The two maps show the same pattern"))
    assert "peaked" not in said  # that answers the √d_k question further down
    at.button(key="qkv_predict_reveal").click().run()
    said = next(c.value for c in at.caption if c.value.startswith("The two maps show the same pattern"))
    assert f"√d_k = {d_k**0.5:.2f}" in said
    assert f"the largest, {effect.largest_raw:.2f}, becomes {effect.largest_scaled:.2f}" in said
    assert f"{effect.peak_raw:.2f} without the division and {effect.peak_scaled:.2f} with it" in said
    assert effect.peak_scaled < effect.peak_raw and "gets less peaked" in said
    at.toggle(key="qkv_scale").set_value(False).run()
    assert any(c.value.startswith("*Divide by √d_k* is off") for c in at.caption)


def test_the_spread_plot_shows_the_measured_line_over_the_theory_and_labels_1():
    """The raw q·k line follows √d_k so closely that a theory line drawn over it hid it: the theory is dashed
    and drawn first; the log axis is labelled at powers of two covering every value, 1 among them (where the
    scaled line lies)."""
    at = app_test("lessons/qkv.py")
    at.radio(key="qkv_predict").set_value("sharper (one key takes all)").run()
    assert not at.exception
    spec = next(spec for spec in charts(at) if spec.get("title") == "Spread of the scores")
    under, over = spec["layer"]
    records = spec["data"]["values"]
    assert {r["series"] for r in records if r["dashed"]} == {"theory: √d_k"}
    assert "strokeDash" in under["mark"] and under["transform"] == [{"filter": "datum.dashed"}]
    assert over["mark"]["point"] and over["transform"] == [{"filter": "!datum.dashed"}]
    ticks = spec["encoding"]["y"]["axis"]["values"]
    assert 1 in ticks and all(b == 2 * a for a, b in zip(ticks, ticks[1:]))
    values = [r["std of scores"] for r in records]
    assert spec["encoding"]["y"]["scale"]["domain"] == [ticks[0], ticks[-1]]
    assert ticks[0] <= min(values) and max(values) <= ticks[-1] and ticks[1] > min(values)  # no idle tick
