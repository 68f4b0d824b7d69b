"""Cost of attention: the measurement, fitted tail and tie rule in core, and the page through AppTest."""

import random

import pytest
import torch
from conftest import app_test, charts, presenting_test

from core.complexity import (
    TIE_TOLERANCE,
    compare_times,
    measure_scaling,
    operations_by_size,
    operations_per_layer,
    sizes_to_time,
    tail_exponents,
    times_at_largest,
)

PAGE = "lessons/cost.py"


# --- core ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("exponent", [1.0, 2.0])
def test_tail_exponent_recovers_synthetic_powers(exponent):
    noise = random.Random(0)
    rows = [
        {"n": n, "model": "m", "milliseconds": 1e-6 * n**exponent * (1 + noise.uniform(-0.03, 0.03)) + 1e-5}
        for n in (2**k for k in range(4, 15))
    ]
    rows += [{"n": n, "model": "flat", "milliseconds": 0.2} for n in (16, 32, 64)]
    exponents = tail_exponents(rows)
    assert abs(exponents["m"] - exponent) < 0.05
    assert abs(exponents["flat"]) < 1e-9


def test_compare_times_has_a_stated_tie_tolerance():
    assert compare_times({"attention": 8.48, "RNN": 9.25}) == ("about the same", ["attention"])
    assert compare_times({"attention": 5.0, "RNN": 10.0}) == ("attention", [])
    assert compare_times({"attention": 10.0, "RNN": 5.0}) == ("RNN", [])
    assert compare_times({"attention": 1.0, "RNN": 1.0 + TIE_TOLERANCE * 0.99})[0] == "about the same"
    assert compare_times({"attention": 1.0, "RNN": 1.0 + TIE_TOLERANCE * 1.01})[0] == "attention"


def test_measure_scaling_reports_every_n_and_progress():
    seen = []
    rows = measure_scaling([16, 32], 8, torch.device("cpu"), 1, on_progress=lambda f, text: seen.append(f))
    assert seen == [0.0, 0.5]
    assert [(r["n"], r["model"]) for r in rows] == [(16, "attention"), (16, "RNN"), (32, "attention"), (32, "RNN")]
    assert all(r["milliseconds"] > 0 and r["measured peak (MiB)"] is None for r in rows)
    assert rows[2]["n×n matrix (MiB)"] == 32 * 32 * 4 / 2**20


# --- the page -----------------------------------------------------------------------------------------
def specs(at) -> dict:
    return {spec["title"]: spec for spec in charts(at)}


def test_the_timings_wait_for_a_prediction():
    at = app_test(PAGE)
    assert not at.exception and not [r for r in at.radio if r.key == "cost_predict"]
    at.select_slider(key="cost_max_n").set_value(256).run()
    at.select_slider(key="cost_width").set_value(32).run()
    at.slider(key="cost_repeats").set_value(1).run()
    # Before the measurement the page says what to do, and which question will follow (at the chosen n).
    assert any("**Run the measurement**" in i.value and "faster at n = 256" in i.value for i in at.info)
    at.button(key="cost_run").click().run()
    assert not any("Two steps" in i.value for i in at.info)
    assert [r.label for r in at.radio if r.key == "cost_predict"][0].endswith("which pass was faster?")
    assert not at.exception and not at.metric and not [d for d in at.dataframe if d.key == "cost_table"]
    assert not any(t.startswith("one pass") for t in specs(at))
    at.radio(key="cost_predict").set_value("about the same").run()
    _, _, rows = at.session_state["cost_results"]
    assert [m.value for m in at.metric] == [f"n^{v:.2f}" for v in tail_exponents(rows).values()]
    timings = specs(at)["one pass, d = 32, on cpu"]
    assert timings["encoding"]["x"]["axis"]["values"] == [16, 32, 64, 128, 256]
    feedback = [*at.success, *at.error][0].value
    assert f"attention {rows[-2]['milliseconds']:.2f} ms" in feedback


def test_a_near_tie_counts_as_about_the_same():
    at = app_test(PAGE)
    rows = [
        {"n": n, "model": m, "milliseconds": t, "n×n matrix (MiB)": 0.0, "measured peak (MiB)": None}
        for n, m, t in ((512, "attention", 1.0), (512, "RNN", 5.0), (1024, "attention", 8.48), (1024, "RNN", 9.25))
    ]
    at.session_state["cost_results"] = ("cpu", 64, rows)
    at.run()
    at.radio(key="cost_predict").set_value("about the same").run()
    assert at.success[0].value.startswith("Right.")
    at.radio(key="cost_predict").set_value("attention").run()
    assert "nearly tied" in at.success[0].value and "15%" in at.success[0].value
    at.radio(key="cost_predict").set_value("RNN").run()
    assert "Not quite" in at.error[0].value


def test_sliders_at_both_ends():
    at = app_test(PAGE)
    for d in (16, 2048):
        at.slider(key="cost_d").set_value(d).run()
        assert any(f"shorter than **{d} tokens**" in m.value for m in at.markdown)
        assert specs(at)[f"work per layer, d = {d} (crossover at n = d)"]["encoding"]["x"]["axis"]["format"] == ",d"
    for n in (1, 4096):
        at.slider(key="cost_n_steps").set_value(n).run()
        steps = at.table[-1].value
        assert steps["self-attention"][1] == f"{n * n:,} (n²)"
    assert not at.exception


def test_presenter_mode_shows_one_section_at_a_time():
    at = presenting_test(PAGE)
    assert [h.value for h in at.header] == ["1 · The paper's table"]
    at.slider(key="cost_d").set_value(64).run()
    assert len(at.header) == 1 and not at.exception
    at.button(key="present_next").click().run()
    assert len(at.header) == 2 and not at.exception


def test_sizes_operations_and_times_at_the_largest_n():
    assert sizes_to_time(1024) == [16, 32, 64, 128, 256, 512, 1024] and sizes_to_time(300)[-1] == 256
    ops = operations_by_size([8, 512], 512)
    assert ops == {layer: [operations_per_layer(n, 512)[layer] for n in (8, 512)] for layer in ops}
    assert ops["self-attention"][1] == ops["recurrent"][1]  # the crossover at n = d
    rows = [
        {"n": 16, "model": "RNN", "milliseconds": 1.0},
        {"n": 32, "model": "RNN", "milliseconds": 2.0},
        {"n": 32, "model": "attention", "milliseconds": 3.0},
    ]
    assert times_at_largest(rows) == (32, {"RNN": 2.0, "attention": 3.0})
