"""Why attention: the batched influence measurements in core, and the page through AppTest."""

import pytest
import torch
from conftest import app_test, charts, open_link, presenting_test, scrub_positions, scrub_start, scrub_to
from scrub_views import positions_sent, records_at

from core.attention import first_principles_attention
from core.embeddings import embed, lean, toy_vocabulary
from core.recurrent import (
    attention_first_token_influence,
    attention_first_token_influences,
    first_token_influence,
    first_token_influences,
    hidden_states,
    influence_curves,
    influence_lengths,
    make_recurrent,
)

PAGE = "lessons/why_attention.py"
STEP_MAP = "why_step_scrub"  # the memory chart whose Step input answers in the browser
LONG = " ".join(f"word{i}" for i in range(50))


# --- core ---------------------------------------------------------------------------------------------
def test_influence_lengths_are_powers_of_two_up_to_the_longest_and_it():
    assert influence_lengths(64) == [2, 4, 8, 16, 32, 64]
    assert influence_lengths(72) == [2, 4, 8, 16, 32, 64, 72]
    assert influence_lengths(128)[-1] == 128 and influence_lengths(8) == [2, 4, 8]


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_batched_influences_match_one_length_at_a_time(kind):
    X = torch.randn(40, 6, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    rnn = make_recurrent(kind, 6, 5, seed=1).double()
    lengths = [1, 2, 7, 40]
    expected = [first_token_influence(rnn, X[:n]) for n in lengths]
    torch.testing.assert_close(torch.tensor(first_token_influences(rnn, X, lengths)), torch.tensor(expected))


def test_batched_attention_influence_matches():
    X = torch.randn(12, 6, generator=torch.Generator().manual_seed(4))
    expected = [attention_first_token_influence(X[:n], 4, seed=2) for n in (2, 5, 12)]
    torch.testing.assert_close(
        torch.tensor(attention_first_token_influences(X, [2, 5, 12], 4, seed=2)), torch.tensor(expected)
    )


def test_influence_curves_are_real_numbers_not_a_floor():
    curves = influence_curves([2, 8, 64, 128], seed=0)
    assert set(curves) == {"RNN", "LSTM", "attention"}
    rnn, lstm, attention = curves["RNN"], curves["LSTM"], curves["attention"]
    assert 0 < rnn[-1] < 1e-30 and 0 < lstm[-1] < 1e-12 and rnn[2] != lstm[2]  # measured, not clamped at 1e-12
    assert rnn[-1] < rnn[1] < rnn[0] and lstm[-1] < lstm[1] < lstm[0]
    assert min(attention) > 1e-3  # one hop, whatever the distance


# --- the page -----------------------------------------------------------------------------------------
def titles(at) -> list[str]:
    return [spec.get("title", "") for spec in charts(at)]


def test_the_influence_chart_waits_for_a_prediction_and_shows_core_numbers():
    at = app_test(PAGE)
    assert not at.exception and not any(t.startswith("‖∂") for t in titles(at))
    for max_n in (8, 128):
        at.slider(key="why_max_n").set_value(max_n).run()
        assert not any(t.startswith("‖∂") for t in titles(at))
    at.radio(key="why_predict").set_value("attention").run()
    assert at.success[0].value.startswith("Right")
    spec = next(spec for spec in charts(at) if "‖∂" in spec.get("title", ""))
    assert spec["encoding"]["x"]["axis"]["format"] == "d" and "labelExpr" in spec["encoding"]["y"]["axis"]
    rnn = influence_curves([2, 4, 8, 16, 32, 64, 128])["RNN"][-1]
    mantissa, exponent = f"{rnn:.1e}".split("e")
    caption = next(c.value for c in at.caption if c.value.startswith("At n = 128"))
    assert f"RNN {mantissa} × 10⁻{str(-int(exponent)).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}" in caption
    assert "e-" not in caption and "1.0e-12" not in caption
    at.slider(key="why_max_n").set_value(8).run()
    assert any(c.value.startswith("At n = 8") for c in at.caption)


def read(at) -> str:
    return next(m.value for m in at.markdown if "dependent step" in m.value)


def memory_chart(at) -> dict:
    return next(spec for spec in charts(at) if str(spec.get("title", "")).startswith("memory after"))


def test_stepping_with_a_long_sentence():
    at = app_test(PAGE)
    at.text_input(key="why_sentence").set_value(LONG).run()
    assert not at.exception and not at.warning  # 50 words: nothing cut
    assert "Read 50 of 50 words" in read(at) and scrub_positions(at, STEP_MAP) == {"why_step": 50}
    for step in (1, 50):
        scrub_to(at, STEP_MAP, why_step=step)
        assert f"Read {step} of 50 words" in read(at)
    records = memory_chart(at)["data"]["values"]
    assert len(records) == 8 and len(positions_sent(records)) == 50  # every step's state, sent once
    at.radio(key="why_kind").set_value("LSTM").run()
    at.button(key="why_play").click().run()  # from step 50; then from step 1: the input ends where the steps do
    assert not at.exception and "Read 50 of 50 words" in read(at)
    scrub_to(at, STEP_MAP, why_step=1)
    assert "Read 1 of 50 words" in read(at)
    at.button(key="why_play").click().run()
    assert scrub_positions(at, STEP_MAP) == {"why_step": 50} and "Read 50 of 50 words" in read(at)
    assert scrub_start(memory_chart(at)) == {"why_step": 50}  # the chart itself starts on the last word again
    assert at.session_state["why_export"][0]["model"] == "LSTM"
    attention_map = next(spec for spec in charts(at) if "every pair" in spec.get("title", ""))
    assert attention_map["layer"][0]["encoding"]["color"]["field"] == "value"  # this map's own range
    at.button_group(key="attention_colours").set_value("each row stretched").run()
    attention_map = next(spec for spec in charts(at) if "every pair" in spec.get("title", ""))
    assert attention_map["layer"][0]["encoding"]["color"]["field"] == "shade"  # the sidebar's choice applies
    at.text_input(key="why_sentence").set_value("one").run()
    assert not at.exception and "Read 1 of 1 words" in read(at)


def test_the_memory_chart_carries_every_step_of_core_states():
    at = app_test(PAGE)
    at.text_input(key="why_sentence").set_value("money bank grows").run()
    assert "Read 3 of 3 words" in read(at)  # a new sentence opens with every word read
    scrub_to(at, STEP_MAP, why_step=2)
    assert "Read 2 of 3 words" in read(at) and at.query_params["why_step"] == "2"
    words = ["money", "bank", "grows"]
    E = embed(words, toy_vocabulary()).vectors
    states = hidden_states(make_recurrent("RNN", E.shape[-1], 8, seed=0), E)
    spec = memory_chart(at)
    for step in (1, 2, 3):
        shown = [r["value"] for r in records_at(spec["data"]["values"], why_step=step)]
        torch.testing.assert_close(torch.tensor(shown), states[step - 1], atol=1e-5, rtol=0)
    assert spec["params"][0]["bind"] == {"input": "range", "min": 1, "max": 3, "step": 1, "name": "Step (words read)"}
    at.toggle(key="why_memory_numbers").set_value(True).run()
    table = at.dataframe[-1].value  # the state at the step the server heard, not the chart's start
    assert list(table.index) == ["h after “bank”"]
    torch.testing.assert_close(torch.tensor(table.to_numpy()[0], dtype=torch.float32), states[1], atol=1e-6, rtol=0)


def test_a_link_opens_a_step():
    at = open_link(PAGE, {"why_sentence": "money bank grows", "why_step": "2"})
    assert not at.exception and "Read 2 of 3 words" in read(at)
    assert scrub_start(memory_chart(at)) == {"why_step": 2}
    assert memory_chart(at)["title"] == "memory after “bank”, word 2 of 3: 8 numbers"
    at = open_link(PAGE, {"why_sentence": "money bank grows", "why_step": "9"})  # no such step: a notice
    assert "Read 3 of 3 words" in read(at) and any("Step" in t.value for t in at.toast)


def test_presenter_mode_shows_one_section_at_a_time():
    at = presenting_test(PAGE)
    assert [h.value for h in at.header] == ["1 · One word per step vs all pairs at once"]
    scrub_to(at, STEP_MAP, why_step=2)
    assert len(at.header) == 1 and not at.exception
    at.button(key="present_next").click().run()
    assert len(at.header) == 2 and not at.exception


def test_lean_compares_the_two_features_before_and_after():
    dims = ("technology", "food", "other")
    shift = lean(torch.tensor([0.6, 0.7, 0.0]), torch.tensor([0.55, 0.22, 0.1]), dims, "technology", "food")
    assert shift.toward == "technology" and shift.before == pytest.approx((0.6, 0.7))
    assert shift.changes == pytest.approx((-0.05, -0.48))
    assert (
        lean(torch.tensor([0.6, 0.7, 0.0]), torch.tensor([0.2, 0.55, 0.0]), dims, "technology", "food").toward == "food"
    )
    assert lean(torch.ones(3), torch.full((3,), 0.5), dims, "technology", "food").toward is None  # both fall alike


def apple_text(at) -> str:
    return next(m.value for m in at.markdown if "fruit" in m.value and "After attention" in m.value)


def bar_values(at, title_start: str) -> dict:
    spec = next(spec for spec in charts(at) if str(spec.get("title", "")).startswith(title_start))
    return {(r["vector"], r["dimension"]): r["value"] for r in spec["data"]["values"]}


@pytest.mark.parametrize(
    "sentence, toward, how",
    [
        (None, "technology", "moves away from food faster than from technology"),  # the page's own sentence
        ("I ate a fresh apple", "food", "moves away from technology faster than from food"),
        ("apple fruit", "food", "Food rises and technology falls: *apple* moves toward food"),
    ],
)
def test_the_apple_sentence_is_built_from_its_bars(sentence, toward, how):
    at = app_test(PAGE)
    if sentence:
        at.text_input(key="why_apple_sentence").set_value(sentence).run()
    assert not at.exception
    words = (sentence or "apple launched a new phone").lower().split()
    out = first_principles_attention(embed(words, toy_vocabulary()).vectors).output[words.index("apple")]
    shown = bar_values(at, "apple, before and after")
    tech, food = float(out[8]), float(out[9])
    assert shown[("apple (after attention)", "technology")] == pytest.approx(tech, abs=1e-6)
    text = apple_text(at)
    assert f"technology 0.60 → {tech:.2f}, food 0.70 → {food:.2f}" in text and how in text
    assert ("leads now" in text) == ((tech > food) != (0.6 > 0.7))  # who leads, as the bars say
    assert "toward technology" not in text or toward == "technology"


def test_the_apple_section_without_apple_and_alone():
    at = app_test(PAGE)
    at.text_input(key="why_apple_sentence").set_value("a new phone").run()
    assert any("apple" in i.value for i in at.info) and not at.exception
    at.text_input(key="why_apple_sentence").set_value("apple").run()
    assert "stays where it was" in apple_text(at) and "no other word" in apple_text(at)


def test_the_forgetting_sentence_compares_the_measured_falls():
    at = app_test(PAGE)
    at.radio(key="why_predict").set_value("attention").run()
    for max_n in (64, 8):
        at.slider(key="why_max_n").set_value(max_n).run()
        curves = influence_curves(influence_lengths(max_n), d_in=16, d_hidden=16)
        caption = next(c.value for c in at.caption if c.value.startswith(f"At n = {max_n}"))
        attention = curves["attention"][0] / curves["attention"][-1]
        assert f"shrinks {attention:,.0f} times for attention: attention loses the least" in caption
    rnn = curves["RNN"][0] / curves["RNN"][-1]  # n = 8: under ten thousand, written out
    assert f"shrinks {rnn:,.0f} times for RNN" in caption


def test_a_tied_row_is_said_as_a_tie():
    at = app_test(PAGE)
    at.text_input(key="why_sentence").set_value("money money grows").run()  # the two "money" rows tie
    links = next(c.value for c in at.caption if c.value.startswith("Strongest link"))
    assert links.count("a tie of 2 (money, money \\(2\\), ") == 3  # grows looks at both alike too


def test_the_colour_caption_says_thin_only_when_it_is():
    at = app_test(PAGE)
    at.text_input(key="why_sentence").set_value("money bank grows").run()  # largest weight 0.43
    assert any("no weight reaches 0.50" in c.value for c in at.caption)
    at.text_input(key="why_sentence").set_value("king queen").run()
    weights = first_principles_attention(embed(["king", "queen"], toy_vocabulary()).vectors).weights
    caption = next(c.value for c in at.caption if "its own range" in c.value)
    assert f"to {weights.max():.2f}, the two ends of its legend." in caption and "thinly" not in caption


def test_the_colour_caption_states_the_maps_own_colour_range_not_the_sidebars():
    at = app_test(PAGE)
    at.text_input(key="why_sentence").set_value("the king and the queen").run()
    words = ["the", "king", "and", "the", "queen"]
    weights = first_principles_attention(embed(words, toy_vocabulary()).vectors).weights
    low, high = float(weights.min()), float(weights.max())
    colour = next(s for s in charts(at) if "every pair" in s.get("title", ""))["layer"][0]["encoding"]["color"]
    assert (
        colour["scale"]["domain"] == pytest.approx([low, high])
        and colour["legend"]["values"] == colour["scale"]["domain"]
    )
    caption = next(c.value for c in at.caption if "its own range" in c.value)
    assert caption.startswith("Not the sidebar's *0 to 1*") and f"{low:.2f} to {high:.2f}" in caption
    at.button_group(key="attention_colours").set_value("each row stretched").run()
    colour = next(s for s in charts(at) if "every pair" in s.get("title", ""))["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == [0, 1] and not any("its own range" in c.value for c in at.caption)


def test_nothing_says_who_forgets_before_the_forgetting_question_is_answered():
    def shown(at) -> str:
        return " ".join(m.value for m in at.markdown)

    at = app_test(PAGE)
    assert "one hop, whatever the distance" not in shown(at) and "forgetful (early words fade)" not in shown(at)
    assert "shrinks at every step" not in shown(at) and "Forgetful?" in shown(at)
    at.radio(key="why_predict").set_value("RNN").run()
    assert "shrinks at every step" in shown(at) and "Forgetful?" not in shown(at)
