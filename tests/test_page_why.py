"""Why attention: the batched influence measurements in core, and the page through AppTest."""

import pytest
import torch
from conftest import app_test, charts, presenting_test

from core.recurrent import (
    attention_first_token_influence,
    attention_first_token_influences,
    first_token_influence,
    first_token_influences,
    influence_curves,
    influence_lengths,
    make_recurrent,
)

PAGE = "lessons/why_attention.py"
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


def test_stepping_with_a_long_sentence():
    at = app_test(PAGE)
    at.text_input(key="why_sentence").set_value(LONG).run()
    assert not at.exception and not at.warning  # 50 words: nothing cut
    assert any("Read 50 of 50 words" in m.value for m in at.markdown)
    for step in (1, 50):
        at.slider(key="why_step").set_value(step).run()
        assert any(f"Read {step} of 50 words" in m.value for m in at.markdown)
    at.radio(key="why_kind").set_value("LSTM").run()
    at.button(key="why_play").click().run()  # from step 50; then from step 1: the slider ends where the steps do
    assert not at.exception and any("Read 50 of 50 words" in m.value for m in at.markdown)
    at.slider(key="why_step").set_value(1).run()
    at.button(key="why_play").click().run()
    assert at.slider(key="why_step").value == 50 and any("Read 50 of 50 words" in m.value for m in at.markdown)
    assert at.session_state["why_export"][0]["model"] == "LSTM"
    attention_map = next(spec for spec in charts(at) if "every pair" in spec.get("title", ""))
    assert attention_map["layer"][0]["encoding"]["color"]["field"] == "value"  # this map's own range
    at.button_group(key="attention_colours").set_value("each row stretched").run()
    attention_map = next(spec for spec in charts(at) if "every pair" in spec.get("title", ""))
    assert attention_map["layer"][0]["encoding"]["color"]["field"] == "shade"  # the sidebar's choice applies
    at.text_input(key="why_sentence").set_value("one").run()
    assert not at.exception


def test_presenter_mode_shows_one_section_at_a_time():
    at = presenting_test(PAGE)
    assert [h.value for h in at.header] == ["1 · One word per step vs all pairs at once"]
    at.slider(key="why_step").set_value(2).run()
    assert len(at.header) == 1 and not at.exception
    at.button(key="present_next").click().run()
    assert len(at.header) == 2 and not at.exception
