"""Positional encoding: the permutation test and PE similarity in core, and the page through AppTest."""

import math

import pytest
import torch
from conftest import app_test, open_link, presenting_test, scrub_positions, scrub_start, scrub_to
from conftest import charts as all_charts
from scrub_views import positions_sent, records_at

from core.embeddings import embed, toy_vocabulary
from core.positional import (
    SAME_OUTPUT_TOLERANCE,
    compare_orders,
    distance_profile,
    occurrence_order,
    permutation_test,
    position_similarity,
    reordering,
    similarity_by_distance,
    sinusoidal_at,
    sinusoidal_encoding,
    sinusoidal_row,
    wavelengths,
    waves,
)

PAGE = "lessons/positional_encoding.py"
A, B = "the cat sat on the mat".split(), "the mat sat on the cat".split()


# --- core ---------------------------------------------------------------------------------------------
def test_occurrence_order_matches_the_kth_occurrence():
    order = occurrence_order(A, B)
    assert order == [0, 5, 2, 3, 4, 1]
    assert [B[j] for j in order] == A
    assert occurrence_order(["a", "a", "b"], ["a", "b", "a"]) == [0, 2, 1]
    with pytest.raises(ValueError):
        occurrence_order(A, ["the", "cat"])


def test_permutation_test_without_and_with_positions():
    E = embed(A, toy_vocabulary()).vectors
    order = occurrence_order(A, B)
    assert permutation_test(E, order, 0.0).shape == (6,)
    assert permutation_test(E, order, 0.0).max() < SAME_OUTPUT_TOLERANCE  # attention alone: a bag of words
    assert permutation_test(E, order, 1.0).max() > 1e-2
    assert permutation_test(E, list(range(6)), 1.0).max() == 0  # the same order: nothing changes


def test_permutation_test_against_a_by_hand_reference():
    torch.manual_seed(0)
    E, order = torch.randn(5, 4), [3, 0, 4, 1, 2]
    E_b = torch.empty_like(E)
    E_b[order] = E

    def attend(X):
        X = X + sinusoidal_encoding(5, 4)
        return torch.softmax(X @ X.T, -1) @ X

    expected = (attend(E) - attend(E_b)[order]).abs().amax(-1)
    torch.testing.assert_close(permutation_test(E, order, 1.0), expected)


@pytest.mark.parametrize("n, d", [(1, 2), (12, 8), (50, 64), (9, 7)])
def test_similarity_by_distance(n, d):
    pe = sinusoidal_encoding(n, d)
    similarity = position_similarity(pe)
    torch.testing.assert_close(similarity, pe @ pe.T)
    by_distance = similarity_by_distance(pe)
    assert by_distance.shape == (n,)
    expected = [torch.tensor([similarity[i, i + k] for i in range(n - k)]).mean() for k in range(n)]
    torch.testing.assert_close(by_distance, torch.stack(expected))
    if d % 2 == 0:  # sin² + cos² = 1 per pair of dimensions, and a dot that depends on |i − j| only
        torch.testing.assert_close(by_distance[0], torch.tensor(d / 2))
        for k in range(n):
            torch.testing.assert_close(similarity.diagonal(k), by_distance[k].expand(n - k), atol=1e-4, rtol=1e-4)


# --- the page -----------------------------------------------------------------------------------------
def charts(at) -> dict:
    return {spec["title"]: spec for spec in all_charts(at)}


def test_the_permutation_answer_waits_for_a_prediction():
    at = app_test(PAGE)
    assert not at.exception and not at.metric and not at.dataframe
    at.radio(key="pe_predict_plain").set_value("yes, exactly the same").run()
    assert at.success[0].value.startswith("Right")
    assert at.metric[0].value == "0 (rounding only)"
    at.toggle(key="pe_use_pe").set_value(True).run()
    assert not at.metric  # a new question with the encoding on, held back again
    at.radio(key="pe_predict_pe").set_value("yes, exactly the same").run()
    assert "Not quite" in at.error[0].value
    E = embed(A, toy_vocabulary()).vectors
    assert at.metric[0].value == f"{float(permutation_test(E, occurrence_order(A, B), 1.0).max()):.3f}"
    for strength, shown in ((3.0, None), (0.0, "0 (rounding only)")):
        at.slider(key="pe_strength").set_value(strength).run()
        assert not at.exception and (shown is None or at.metric[0].value == shown)
    at.text_input(key="pe_second").set_value("completely different words").run()
    assert any("same words" in i.value for i in at.info)


def test_encoding_sliders_at_both_ends_fit_a_screen():
    at = app_test(PAGE)
    for key, value in (("pe_positions", 128), ("pe_d_model", 128), ("pe_positions", 2), ("pe_d_model", 2)):
        at.slider(key=key).set_value(value).run()
        assert not at.exception
        specs = charts(at)
        for title in ("PE: one row per position", "PE_i · PE_j"):
            height = specs[title]["height"]  # px: a step per row, or a picture's height (ui.specs)
            assert (height["step"] * at.slider(key="pe_positions").value if isinstance(height, dict) else height) <= 400
    at.slider(key="pe_d_model").set_value(16).run()
    at.multiselect(key="pe_dims").set_value([10, 4, 1]).run()
    waves = charts(at)["Each dimension is a wave"]
    assert waves["encoding"]["color"]["sort"] == ["dim 1", "dim 4", "dim 10"]
    assert waves["encoding"]["x"]["axis"]["format"] == "d"
    for base in (10.0, 100000.0):
        at.select_slider(key="pe_base").set_value(base).run()
        assert not at.exception
    payload = at.session_state["pe_export"][0]
    torch.testing.assert_close(torch.tensor(payload["pe"]), sinusoidal_encoding(2, 16, 100000.0))


def test_wavelengths_are_the_period_of_each_column():
    turns = wavelengths(6, base=100.0)
    assert turns.tolist() == pytest.approx([2 * torch.pi * 100 ** (k / 6) for k in (0, 0, 2, 2, 4, 4)], rel=1e-6)
    pe = sinusoidal_encoding(200, 6, base=100.0)
    period = round(float(turns[2]))  # 2π · 100^(1/3) ≈ 29.2 positions: a column nearly repeats after it
    torch.testing.assert_close(pe[period, 2:4], pe[0, 2:4], atol=0.05, rtol=0)


def scrub_spec(at, title_start: str) -> dict:
    return next(spec for title, spec in charts(at).items() if str(title).startswith(title_start))


def test_a_row_and_a_column_of_the_map_answer_in_the_browser():
    at = app_test(PAGE)
    assert scrub_positions(at, "pe_row_scrub") == {"pe_position": 10}
    assert scrub_positions(at, "pe_column_scrub") == {"pe_dimension": 4}
    pe = sinusoidal_encoding(50, 64)
    row = scrub_spec(at, "position 10: its 64 numbers")
    assert len(row["data"]["values"]) == 64 and len(positions_sent(row["data"]["values"])) == 50  # sent once
    shown = [r["PE"] for r in records_at(row["data"]["values"], pe_position=37)]
    torch.testing.assert_close(torch.tensor(shown), pe[37])
    column = scrub_spec(at, "dimension 4, a turn every 11.2")
    shown = [r["PE"] for r in records_at(column["data"]["values"], pe_dimension=63) if r["sampled"]]
    torch.testing.assert_close(torch.tensor(shown), pe[:, 63])
    scrub_to(at, "pe_row_scrub", pe_position=37)
    scrub_to(at, "pe_column_scrub", pe_dimension=1)
    captions = " ".join(c.value for c in at.caption)
    assert f"Position 37 starts {pe[37, 0]:.2f}, {pe[37, 1]:.2f}" in captions
    assert "Dimension 1 is cos(pos / 10,000^(0/64)): one turn every 6.3 positions" in captions
    assert at.query_params["pe_position"] == "37" and at.query_params["pe_dimension"] == "1"
    at.toggle(key="pe_row_numbers").set_value(True).run()
    table = next(d.value for d in at.dataframe if d.value.index.name == "dimension")
    torch.testing.assert_close(torch.tensor(table["PE"].to_numpy(), dtype=torch.float32), pe[37])
    at.slider(key="pe_positions").set_value(20).run()  # position 37 is gone: back to the default
    assert scrub_positions(at, "pe_row_scrub") == {"pe_position": 10} and not at.exception


def test_a_link_opens_a_row_and_a_column():
    at = open_link(PAGE, {"pe_positions": "128", "pe_position": "127", "pe_dimension": "0"})
    assert not at.exception and not at.toast
    assert scrub_start(scrub_spec(at, "position 127")) == {"pe_position": 127}
    assert scrub_start(scrub_spec(at, "dimension 0")) == {"pe_dimension": 0}
    assert any("128 positions hold 20.37 turns" in c.value for c in at.caption)


def test_learned_table_limit_in_plain_numbers():
    at = app_test(PAGE)
    at.slider(key="pe_table_rows").set_value(4).run()
    at.slider(key="pe_probe").set_value(128).run()
    warning = next(w.value for w in at.warning if "learned table" in w.value)
    assert "[" not in warning and "position 127" in warning and "sin(127) and cos(127), are 0.97 and 0.23" in warning
    assert "d_model =" not in warning  # no width of its own beside the d_model slider
    at.slider(key="pe_probe").set_value(30).run()  # another position: other numbers, from the formula
    warning = next(w.value for w in at.warning if "learned table" in w.value)
    pe = sinusoidal_encoding(30, 2)
    assert f"sin(29) and cos(29), are {pe[29, 0]:.2f} and {pe[29, 1]:.2f}" in warning
    at.slider(key="pe_table_rows").set_value(64).run()
    at.slider(key="pe_probe").set_value(1).run()
    assert any("can encode 1 positions" in s.value for s in at.success)


def test_presenter_mode_shows_one_section_at_a_time():
    at = presenting_test(PAGE)
    assert [h.value for h in at.header] == ["1 · The permutation test"]
    at.radio(key="pe_predict_plain").set_value("no, they change").run()  # a fragment rerun keeps the step
    assert [h.value for h in at.header] == ["1 · The permutation test"] and at.metric
    at.button(key="present_next").click().run()
    assert len(at.header) == 2 and not at.exception


def test_reordering_waves_rows_and_the_order_verdict():
    assert reordering(["a", "b", "a"], ["b", "a", "a"]) == [1, 0, 2]
    assert reordering(["a", "b"], ["a", "c"]) is None and reordering([], []) is None
    pe = sinusoidal_encoding(10, 6)
    curve = waves(10, 6, [1, 4])
    at_whole = [v for v, whole in zip(curve.values[4], curve.whole) if whole]  # flagged where the words sit
    assert [p for p, whole in zip(curve.positions, curve.whole) if whole] == pytest.approx(list(range(10)))
    assert at_whole == pytest.approx(pe[:, 4].tolist(), abs=1e-6)
    torch.testing.assert_close(sinusoidal_row(9, 6), pe[9])
    E = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    plain, moved = compare_orders(E, [3, 2, 1, 0]), compare_orders(E, [3, 2, 1, 0], 1.0)
    assert plain.same and not moved.same and moved.largest == float(moved.differences.max())


def test_waves_are_the_formula_between_whole_positions():
    curve = waves(50, 64, [0, 1, 10])
    assert len(curve.positions) > 50 * 3  # dimension 0 turns every 6.3 positions: many samples per turn
    x = torch.tensor(curve.positions, dtype=torch.float64)
    torch.testing.assert_close(torch.tensor(curve.values[0], dtype=torch.float64), torch.sin(x))
    torch.testing.assert_close(torch.tensor(curve.values[1], dtype=torch.float64), torch.cos(x))
    slow = torch.sin(x / 10000 ** (10 / 64))
    torch.testing.assert_close(torch.tensor(curve.values[10], dtype=torch.float64), slow)
    torch.testing.assert_close(sinusoidal_at(torch.arange(7.0), 9, 100.0), sinusoidal_encoding(7, 9, 100.0))


def test_the_wave_chart_draws_curves_with_the_whole_positions_as_dots():
    at = app_test(PAGE)
    at.multiselect(key="pe_dims").set_value([0, 1]).run()
    spec = charts(at)["Each dimension is a wave"]
    line, dots_layer = spec["layer"]
    assert line["mark"]["type"] == "line" and "transform" not in line  # the curve through every sample
    assert dots_layer["transform"] == [{"filter": "datum.sampled"}]  # dots at the whole positions only
    rows = spec["data"]["values"]
    dots = {(r["dimension"], r["position"]): r["PE"] for r in rows if r["sampled"]}
    pe = sinusoidal_encoding(50, 64)
    assert len(dots) == 2 * 50 and dots[("dim 1", 7)] == pytest.approx(float(pe[7, 1]), abs=1e-6)
    assert all(float(r["position"]).is_integer() for r in rows if r["sampled"])
    between = [r for r in rows if not r["sampled"] and r["dimension"] == "dim 0" and 3 < r["position"] < 4]
    assert between and all(r["PE"] == pytest.approx(math.sin(r["position"]), abs=1e-6) for r in between)
    row = scrub_spec(at, "position 10")  # legend names short enough for two columns on a phone
    assert {r["column"] for r in row["data"]["values"]} == {"even: sin", "odd: cos"}


def distance_caption(at) -> str:
    return next(c.value for c in at.caption if "The mean" in c.value)


def test_the_distance_sentence_follows_the_numbers():
    at = app_test(PAGE)
    profile = distance_profile(sinusoidal_encoding(50, 64))
    text = distance_caption(at)
    assert "depends only on the distance" in text and profile.falls_until == 5
    assert f"falls from 32.00 at distance 0 to {profile.by_distance[5]:.2f} at distance 5, then ripples" in text
    at.slider(key="pe_d_model").set_value(3).run()
    at.select_slider(key="pe_base").set_value(10.0).run()
    profile = distance_profile(sinusoidal_encoding(50, 3, 10.0))
    assert profile.spread > 0.1
    text = distance_caption(at)
    assert "odd d_model (3)" in text and f"differ by up to {profile.spread:.2f}" in text
    assert "depends only" not in text
    at.slider(key="pe_positions").set_value(2).run()
    at.slider(key="pe_d_model").set_value(64).run()
    values = distance_profile(sinusoidal_encoding(2, 64, 10.0)).by_distance
    assert f"The mean falls at every step, from {values[0]:.2f} at distance 0 to {values[1]:.2f}." in distance_caption(
        at
    )


def test_the_column_chart_is_a_smooth_wave_too():
    at = app_test(PAGE)
    column = scrub_spec(at, "dimension 4")
    rows = [r for r in column["data"]["values"] if r["pe_dimension"] == 0 and not r["sampled"]]
    assert len(rows) == 49 * 3  # dimension 0 turns every 6.3 positions: three more samples between each two
    assert all(r["PE"] == pytest.approx(math.sin(r["position"]), abs=1e-6) for r in rows)


def test_the_map_caption_reads_the_wavelengths():
    at = app_test(PAGE)
    turns = wavelengths(64)
    assert any(f"dimension 63: once every {turns[-1]:,.1f})" in c.value for c in at.caption)
    at.slider(key="pe_d_model").set_value(2).run()
    assert any(c.value.startswith("With d_model = 2 there is one pair") for c in at.caption)
    assert not any("Left columns" in c.value for c in at.caption)


def test_nothing_says_the_outputs_match_before_the_permutation_question_is_answered():
    def shown(at) -> str:
        return " ".join(m.value for m in at.markdown)

    at = app_test(PAGE)
    assert "exactly the same output" not in shown(at) and "bag of words" not in shown(at)
    assert "without and with positions shows" in shown(at)
    at.radio(key="pe_predict_plain").set_value("no, they change").run()
    assert "bag of words" in shown(at) and "their outputs differ too" not in shown(at)
    at.toggle(key="pe_use_pe").set_value(True).run()
    at.radio(key="pe_predict_pe").set_value("no, they change").run()
    assert "their outputs differ too" in shown(at)
