"""Inside a real model: the page through AppTest (atlas, views, ablation, rollout, long and hostile
input), the core functions it adds checked by hand, and its chart specs' shapes (the schema check of
every spec builder is in test_specs.py)."""

import math

import pytest
import torch
from conftest import APP, app_test, charts, scrub_positions, scrub_start, scrub_to
from scrub_views import records_at

from core.contextual import cosine_by_layer, path_through_layers, shared_tokens, token_in_two_sentences
from core.heads import (
    ROLE_LABELS,
    ROLES,
    focus_word,
    ranked_roles,
    role_counts,
    role_scores,
    row_change_by_layer,
    row_role,
    token_row_by_layer,
    top_links,
)
from core.heads import head_roles as measured_roles
from core.model import max_abs_difference
from ui.markdown import md_escape
from ui.specs import ROLE_COLOURS, attention_lines, lines, token_shares

PAGE = "lessons/real_model.py"
HEAD_MAP = "real_head_scrub"
DEFAULT = "The animal didn't cross the road because it was tired"
BANKS = ("I went to the bank to deposit money", "We sat on the bank of the river")  # both bank sections open on them


# --- core, by hand --------------------------------------------------------------------------------
TOKENS = ["[CLS]", "it", "was", "animal", "[SEP]"]


def test_top_links_skip_specials_self_and_neighbours():
    w = torch.zeros(5, 5)
    w[1, 3] = 0.6  # it → animal: a word pair
    w[1, 2] = 0.9  # it → was: neighbours, not a pair
    w[3, 0] = 0.9  # animal → [CLS]: special
    w[3, 1] = 0.3  # animal → it
    assert top_links(w, TOKENS, k=3) == [("it", "animal", pytest.approx(0.6)), ("animal", "it", pytest.approx(0.3))]
    assert top_links(torch.eye(5), TOKENS) == []


def test_token_rows_and_their_change_by_layer():
    before = torch.softmax(torch.randn(3, 2, 4, 4, generator=torch.Generator().manual_seed(0)), -1)
    after = before.clone()
    after[2, 1, 1] = torch.tensor([0.0, 1.0, 0.0, 0.0])
    rows = token_row_by_layer(before, 1)
    torch.testing.assert_close(rows[0], (before[0, 0, 1] + before[0, 1, 1]) / 2)
    change = row_change_by_layer(before, after, 1)
    torch.testing.assert_close(change[:2], torch.zeros(2, 4))
    torch.testing.assert_close(change[2], (after[2, 1, 1] - before[2, 1, 1]) / 2)


def test_cosine_by_layer_and_path():
    a = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [2.0, 0.0]]])  # (2 depths, 2 tokens, 2)
    b = torch.tensor([[[1.0, 0.0]], [[-1.0, -1.0]]])
    torch.testing.assert_close(cosine_by_layer(a, 0, b, 0), torch.tensor([1.0, -1.0]))
    assert path_through_layers(a, 0, b, 0).shape == (4, 2)
    assert max_abs_difference(a, a + 0.25) == pytest.approx(0.25)


# --- specs ----------------------------------------------------------------------------------------


def test_token_shares_keep_the_largest_first():
    spec = token_shares(
        {"a": torch.tensor([0.1, 0.6, 0.3]), "b": torch.tensor([0.2, 0.2, 0.6])}, ["x", "y", "z"], limit=2
    )
    assert spec["encoding"]["y"]["sort"] is None  # bars in the order of the records
    assert [r["dimension"] for r in spec["data"]["values"] if r["vector"] == "a"] == ["y", "z"]
    assert {(r["vector"], r["dimension"]): r["value"] for r in spec["data"]["values"]}[("b", "z")] == pytest.approx(0.6)


def test_attention_lines_show_one_row_when_a_token_is_picked():
    weights = torch.tensor([[0.5, 0.5, 0.0], [0.02, 0.0, 0.98], [1.0, 0.0, 0.0]])
    spec = attention_lines(weights, ["a", "b", "c"], selected=1)
    assert {(r["from"], r["to"]) for r in spec["data"]["values"]} == {("b", "a"), ("b", "c")}
    assert lines({"x": [0, 1], "y": [1, 2]}, "x", "y", integer_x=True)["encoding"]["x"]["axis"] == {
        "format": "d",
        "tickMinStep": 1,
    }


def test_one_token_in_two_sentences(encoder):
    one, two = encoder.run("I went to the bank to deposit money"), encoder.run("We sat on the bank of the river")
    assert shared_tokens(one, two) == ["the", "bank"]
    found = token_in_two_sentences(one, two, "bank")
    i, j = one.tokens.index("bank"), two.tokens.index("bank")
    assert found.by_layer == cosine_by_layer(one.hidden_states, i, two.hidden_states, j).tolist()
    assert found.static == pytest.approx(1.0, abs=1e-6) and found.by_layer[-1] < found.by_layer[0]
    torch.testing.assert_close(found.path, path_through_layers(one.hidden_states, i, two.hidden_states, j))


# --- the page -------------------------------------------------------------------------------------
def chart(at, title_start: str):
    """The chart whose title starts so, with its data back in the spec (Streamlit sends it as Arrow)."""
    return next((spec for spec in charts(at) if str(spec.get("title", "")).startswith(title_start)), None)


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def open_link(params: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.run()
    return at.switch_page(PAGE).run()


@pytest.fixture(scope="module")
def page():
    return app_test(PAGE, timeout=120)


def test_opens_on_the_strongest_it_animal_head_with_its_atlas(page, encoder):
    no_exception(page)
    run = encoder.run(DEFAULT)
    link = run.attentions[:, :, run.tokens.index("it"), run.tokens.index("animal")]
    best = divmod(int(link.argmax()), encoder.n_heads)
    assert tuple(scrub_positions(page, HEAD_MAP).values())[:2] == best == (5, 11)
    head_map = chart(page, "L5 H11 as a heatmap")
    assert scrub_start(head_map) == {"real_layer": 5, "real_head": 11, "real_source": "it"}
    cells = head_map["data"]["values"]
    assert len(cells) == len(run.tokens) ** 2  # one record a cell, with every head's weight: sent once
    it, animal = run.tokens.index("it"), run.tokens.index("animal")
    cell = next(c for c in records_at(cells, real_layer=5, real_head=11) if (c["row"], c["col"]) == ("it", "animal"))
    assert cell["value"] == pytest.approx(float(run.attentions[5, 11, it, animal]), abs=1e-4)
    atlas = chart(page, "Click a head")
    assert len(atlas["data"]["values"]) == 72 and atlas["layer"][0]["params"][0]["name"] == "head"
    cell = next(c for c in atlas["data"]["values"] if (c["layer"], c["head"]) == (5, 11))
    assert "it → animal 0.65" in cell["links"]
    assert chart(page, "L5 H11: where “it” looks")
    assert float(page.metric[0].value.split(" ")[0]) >= 0  # a number for people: "2 × 10⁻⁷"
    assert "e-" not in metric(page, "max |head alone − full forward|")


def head_words(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("On average over its"))


def test_roles_in_words_a_beginner_reads_and_the_showcase_head_said_with_its_row(page, encoder):
    run = encoder.run(DEFAULT)
    roles = measured_roles(run.attentions, run.tokens)
    atlas = chart(page, "Click a head")
    colour = atlas["layer"][0]["encoding"]["color"]
    counts = dict(role_counts(roles))
    # the legend lists only the roles some head has, in the measure's order, each in its own fixed colour
    present = [role for role in ROLES if role in counts]
    assert "self" not in present  # no head looks at itself on this sentence: its colour is not in the legend
    assert colour["scale"]["domain"] == [ROLE_LABELS[role] for role in present]
    assert colour["scale"]["range"] == [ROLE_COLOURS[ROLES.index(role)] for role in present]
    assert {c["role"] for c in atlas["data"]["values"]} == set(colour["scale"]["domain"])
    assert colour["title"] == "role (averaged over every token)"  # not one token's row
    caption = atlas_words(page)
    assert caption.startswith("Layers and heads count from 0 here")
    assert f"; no head: {ROLE_LABELS['self']}." in caption  # the role left out of the legend is named
    assert f"{md_escape(ROLE_LABELS['[CLS]/[SEP] sink'])}: {counts['[CLS]/[SEP] sink']} heads" in caption
    assert "sink" not in caption
    # the page opens on L5 H11: nearly every row puts its largest weight on "animal", and the page says so
    (best, score), (second, second_score), *_ = ranked_roles(role_scores(run.attentions, run.tokens)[5, 11])
    focus = run.tokens[int(focus_word(run.attentions[5, 11], run.tokens))]
    assert (best, focus) == ("one word", "animal")
    it = row_role(run.attentions[5, 11], run.tokens, run.tokens.index("it"))
    said = head_words(page)
    assert f"**L5 H11** *{ROLE_LABELS[best]}* (role score {score:.2f}: the mean weight its rows put on “animal”" in said
    assert "spreads" not in said.split("next:")[0]
    assert f"next: {ROLE_LABELS[second]}, {second_score:.2f})" in said
    assert it.ranked[0][0] == "word pair" and it.top == "animal" and f"{it.top_weight:.2f}" == "0.65"
    # the role above is the rows' average; the one row is said to be one row, and how it differs
    assert (
        "The row of “it” alone (this one token, not the average) *links two words* instead "
        f"(row score {it.ranked[0][1]:.2f})"
    ) in said
    assert "is on “animal”" in said


def atlas_words(at) -> str:
    return next(c.value for c in at.caption if "role is the largest of its" in c.value)


def test_why_heads_rest_on_cls_waits_for_the_rollout_question(encoder):
    at = app_test(PAGE, timeout=120)
    run = encoder.run(DEFAULT)
    resting = dict(role_counts(measured_roles(run.attentions, run.tokens)))["[CLS]/[SEP] sink"]
    before = atlas_words(at)
    assert "parks its attention" not in before and "after the question in section 5" in before
    assert not any("park their attention" in m.value for m in at.markdown)
    at.selectbox(key="real_predict").set_value("[CLS]").run()
    no_exception(at)
    after = atlas_words(at)
    assert f"{resting} of 72 heads rest on [CLS]/[SEP]" in after and "resting place" in after
    assert "after the question" not in after


def test_the_head_in_words_follows_the_row_and_the_head(encoder):
    at = app_test(PAGE, timeout=120)
    run = encoder.run(DEFAULT)
    scrub_to(at, HEAD_MAP, real_source="animal")
    animal = row_role(run.attentions[5, 11], run.tokens, run.tokens.index("animal"))
    said = head_words(at)
    also = (
        "too"
        if animal.ranked[0][0] == ranked_roles(role_scores(run.attentions, run.tokens)[5, 11])[0][0]
        else "instead"
    )
    assert (
        f"The row of “animal” alone (this one token, not the average) *{ROLE_LABELS[animal.ranked[0][0]]}* {also} "
        f"(row score {animal.ranked[0][1]:.2f})"
    ) in said
    assert f"{animal.top_weight:.2f}, is on “{animal.top}”" in said
    scrub_to(at, HEAD_MAP, real_layer=0, real_head=2, real_source="every token")
    said = head_words(at)
    assert said.startswith("On average over its 14 rows (one per token), **L0 H2** *looks one token back*")
    score = ranked_roles(role_scores(run.attentions, run.tokens)[0, 2])[0][1]
    assert f"(role score {score:.2f}: the mean weight its rows put on the token just before;" in said
    assert "The row of" not in said.split(" Heads most like it")[0]  # no row picked: the head alone


def test_a_link_opens_a_head():
    # AppTest cannot click a chart; a click sets the same two keys the link restores
    at = open_link({"real_layer": "0", "real_head": "2"})
    no_exception(at)
    assert chart(at, "L0 H2")
    cell = next(c for c in chart(at, "Click a head")["data"]["values"] if (c["layer"], c["head"]) == (0, 2))
    assert cell["role"] == ROLE_LABELS["previous token"] and cell["score"] > 0.95


def test_views_toggles_and_pickers(page):
    at = page
    at.toggle(key="real_merge").set_value(True).run()
    at.toggle(key="real_hide").set_value(True).run()
    no_exception(at)
    assert all(c["row"] != "[CLS]" for c in chart(at, "L5 H11 as a heatmap")["data"]["values"])
    scrub_to(at, HEAD_MAP, real_source="every token")
    assert chart(at, "L5 H11: links of 0.05")
    at.toggle(key="real_both").set_value(True).run()
    assert chart(at, "head rebuilt alone") and chart(at, "from the full forward")
    at.toggle(key="real_both").set_value(False).run()
    at.toggle(key="real_merge").set_value(False).run()
    at.toggle(key="real_hide").set_value(False).run()
    scrub_to(at, HEAD_MAP, real_layer=0, real_head=0)
    no_exception(at)
    assert chart(at, "L0 H0: links of 0.05") and "L0 H0" in " ".join(m.label for m in at.metric)
    at.selectbox(key="real_rank").set_value("[CLS]/[SEP] sink").run()
    assert chart(at, "Top 10: rests on [CLS]/[SEP]")
    at.selectbox(key="real_finder_from").set_value("road").run()
    at.selectbox(key="real_finder_to").set_value("cross").run()
    assert any(m.value.startswith("Strongest") and "“road”" in m.value for m in at.markdown)
    at.text_input(key="real_pair_1_bank").set_value("   ").run()
    no_exception(at)
    at.text_input(key="real_pair_1_bank").set_value("money money").run()
    assert any("token in common" in i.value for i in at.info)
    at.button_group(key="real_pair").set_value("apple").run()
    no_exception(at)
    assert any("“apple”" in s.value for s in at.subheader)  # the heading follows the example
    scrub_to(at, HEAD_MAP, real_source="it")
    at.text_input(key="real_sentence").set_value("The student said he was tired").run()
    no_exception(at)
    assert scrub_positions(at, HEAD_MAP)["real_source"] == "he"  # pickers follow the sentence
    assert at.selectbox(key="real_finder_from").value == "he"
    assert at.selectbox(key="real_finder_to").value == "student"
    at.text_input(key="real_sentence").set_value("She bought smartphones").run()
    at.toggle(key="real_merge").set_value(True).run()
    no_exception(at)
    assert any(c["row"] == "smartphones" for c in chart(at, "L0 H0 as a heatmap")["data"]["values"])
    assert scrub_positions(at, HEAD_MAP)["real_source"] == "she"


def embedding_cosine(encoder, heads, mode) -> float:
    """The default sentence's embedding with `heads` silenced, against all heads on (both unit length)."""
    return float(encoder.sentence_embedding(DEFAULT, heads, mode) @ encoder.sentence_embedding(DEFAULT))


def test_ablation_matches_core(encoder):
    at = app_test(PAGE, timeout=120)
    at.multiselect(key="real_ablate").set_value(["L5 H11"]).run()
    no_exception(at)
    shown = float(metric(at, "Your sentence's embedding"))
    assert shown == pytest.approx(embedding_cosine(encoder, [(5, 11)], "zero"), abs=1e-4)
    assert shown == pytest.approx(0.930, abs=0.002)
    at.button_group(key="real_mode").set_value("mean").run()
    assert float(metric(at, "Your sentence's embedding")) == pytest.approx(
        embedding_cosine(encoder, [(5, 11)], "mean"), abs=1e-4
    )
    assert chart(at, "How the attention of “it” changed")
    at.selectbox(key="real_ablate_token").set_value("[SEP]").run()
    assert chart(at, "How the attention of “[SEP]” changed")
    at.multiselect(key="real_ablate").set_value(["L0 H0"]).run()
    assert float(metric(at, "Your sentence's embedding")) == pytest.approx(
        embedding_cosine(encoder, [(0, 0)], "mean"), abs=1e-4
    )
    at.multiselect(key="real_ablate").set_value([]).run()
    no_exception(at)
    assert any("at least one head" in i.value for i in at.info)


def test_the_change_chart_colours_cover_the_largest_change_its_caption_says():
    at = app_test(PAGE, timeout=120)
    no_exception(at)
    spec = chart(at, "How the attention of “it” changed")
    colour = spec["layer"][0]["encoding"]["color"]
    largest = max(abs(r["value"]) for r in spec["data"]["values"] if r["value"] is not None)
    low, high = colour["scale"]["domain"]
    assert low == -high and high >= largest and high == pytest.approx(math.ceil(largest * 1000) / 1000)
    assert colour["legend"]["values"] == [low, 0, high]  # the scale's ends are labelled
    caption = next(c.value for c in at.caption if "largest change here" in c.value)
    assert f"largest change here: {largest:.3f}; the colours run from −{high:.3f} to +{high:.3f})" in caption


def test_rollout_held_back_until_answered(page, encoder):
    at = app_test(PAGE, timeout=120)
    assert chart(at, "Share of the sentence embedding") is None
    at.selectbox(key="real_predict").set_value("[CLS]").run()
    no_exception(at)
    spec = chart(at, "Share of the sentence embedding")
    assert spec is not None and at.latex
    from core.heads import attention_rollout, rollout_to_sentence

    share = rollout_to_sentence(attention_rollout(encoder.run(DEFAULT).attentions))
    first = next(r for r in spec["data"]["values"] if r["vector"] == "rollout (all layers)")
    assert first["dimension"] == "[CLS]" and first["value"] == pytest.approx(float(share.max()), abs=1e-5)


@pytest.mark.parametrize("text", ["<script>alert(1)</script> $x$ **b** `c`", "🙂 🙂", "   ", "\x00\x01 ?"])
def test_hostile_input(text):
    at = app_test(PAGE, timeout=120)
    at.text_input(key="real_sentence").set_value(text).run()
    no_exception(at)


def test_256_pieces_run_and_warn():
    at = app_test(PAGE, timeout=120)
    at.text_input(key="real_sentence").set_value(" ".join(["extraordinarily"] * 60 + ["it", "animal"] * 100)).run()
    no_exception(at)
    assert [w.value for w in at.warning] == [
        "The model reads at most 256 word pieces; the rest of the text was left out."
    ]
    assert chart(at, "Click a head")


def test_presenter_mode_holds_later_sections():
    at = open_link({"presenter": "1"})
    no_exception(at)
    headers = [h.value for h in at.header]
    assert any(h.startswith("1 ·") for h in headers) and not any(h.startswith("2 ·") for h in headers)


def test_the_texts_examples_name_the_head_that_links_their_words(encoder):
    """ "She locked the door with a key": the finder opens on locked → door, and the caption names the
    strongest head for locked → door and locked → key, as measured on the model's own weights."""
    from core.heads import link_heads
    from core.text import unique_labels

    at = app_test(PAGE, timeout=120)
    text = "She locked the door with a key"
    next(b for b in at.button if b.label == text).click().run()  # its example button
    assert not at.exception, [e.value for e in at.exception]
    assert (at.selectbox(key="real_finder_from").value, at.selectbox(key="real_finder_to").value) == ("locked", "door")
    run = encoder.run(text)
    labels = unique_labels(run.tokens)
    caption = next(c.value for c in at.caption if c.value.startswith("The texts' example"))
    for target in ("door", "key"):
        layer, head, weight = link_heads(run.attentions, labels.index("locked"), labels.index(target), k=1)[0]
        assert f"“locked” → “{target}”: layer {layer}, head {head} puts {weight:.2f}" in caption


def test_the_bank_sentence_says_what_its_cosine_chart_shows():
    """The caption under "cosine of “bank” in 1 vs 2" is read off that chart: its ends, and every layer where
    the cosine rises again (it does not simply fall on the default pair)."""
    at = app_test(PAGE, timeout=120)
    cosines = [r["cosine"] for r in chart(at, "cosine of “bank”")["data"]["values"]]
    said = next(c.value for c in at.caption if "attention layers then mixes in" in c.value)
    assert f"the cosine goes from {cosines[0]:.2f} to {cosines[-1]:.2f}" in said
    rises = [str(i) for i in range(1, len(cosines)) if cosines[i] > cosines[i - 1]]
    assert ("rises again at layer" in said) == bool(rises)
    assert all(f" {i}" in said.split("rises again")[-1] for i in rises)
    assert ("further apart" in said) == (cosines[-1] < cosines[0])


def test_the_two_bank_cosines_say_what_each_compares(encoder):
    """Section 3's cosine is one token's vectors ("bank" in 1 vs 2), section 4's the two sentences' embeddings
    (mean pooling): each metric is labelled so, and holds the number of what it says it compares."""
    at = app_test(PAGE, timeout=120)
    one, two = encoder.run(BANKS[0]), encoder.run(BANKS[1])
    word = token_in_two_sentences(one, two, "bank")
    assert float(metric(at, "“bank” vector, input table: cosine")) == pytest.approx(word.static, abs=1e-4)
    assert float(metric(at, "“bank” vector, last layer: cosine")) == pytest.approx(word.by_layer[-1], abs=1e-4)
    said = next(c.value for c in at.caption if c.value.startswith("Both compare one token's vectors"))
    assert "“bank” in sentence 1 with “bank” in sentence 2" in said and "after the last of the 6 layers" in said
    sentences = float(encoder.sentence_embedding(BANKS[0]) @ encoder.sentence_embedding(BANKS[1]))
    shown = next(m for m in at.metric if m.label == "“bank” sentences' embeddings: cosine")
    assert f"from {sentences:.4f} with every head on" in shown.delta
    assert abs(sentences - word.by_layer[-1]) > 0.1  # two different numbers: hence the labels
    said = next(c.value for c in at.caption if c.value.startswith("Right: the cosine of two sentence embeddings"))
    assert all(f"“{text}”" in said for text in BANKS) and "(mean pooling)" in said
