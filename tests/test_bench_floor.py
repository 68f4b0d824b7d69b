"""Smoke test of bench/floor.py: a page's first slider recorded through AppTest, the floor app drawing
what was recorded, and the timing in Chromium next to the trivial app. Only checks that it runs and
gives sensible figures; timings depend on the machine."""

import json
import math
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from bench import floor
from bench.common import ROOT


def charts_of(at: AppTest) -> list[bytes]:
    return [chart.proto.SerializeToString() for chart in at.get("vega_lite_chart")]


def test_floor_app_draws_the_charts_and_paragraphs_asked_for():
    at = AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=60)
    at.query_params["charts"], at.query_params["texts"], at.query_params["blocks"] = "3", "5", "4"
    at.run()
    assert not at.exception
    assert [s.label for s in at.slider] == ["n"]
    assert len(at.get("vega_lite_chart")) == 3 and len(at.markdown) == 5
    assert len(at.main.children) == 1 + 3 + 5 + 4  # the slider, charts, paragraphs, empty containers
    before = charts_of(at)
    at.slider[0].set_value(11).run()
    assert all(a != b for a, b in zip(before, charts_of(at))), "every chart must change with the slider"


def test_a_lessons_changing_charts_are_recorded_and_replayed(tmp_path):
    effect = floor.first_slider_effect("lessons/cost.py")
    assert effect["label"] == "Model width d"
    changed = effect["changed"]
    assert len(changed["before"]) == len(changed["after"]) == 1  # the cost chart follows d
    assert effect["charts"] == 1 + 2  # and the course map, drawn once per layout (ui.course), does not
    assert changed["before"][0]["spec"] != changed["after"][0]["spec"]
    assert effect["texts"] > 0 and effect["others"] > effect["charts"]

    recorded = tmp_path / "cost.json"
    recorded.write_text(json.dumps(changed, default=float))
    at = AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=60)
    at.query_params["charts_file"], at.query_params["fragment"] = str(recorded), "1"  # as bench.floor asks
    at.run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1
    first = charts_of(at)
    at.slider[0].set_value(11).run()  # an odd n: the recorded "after" state
    assert charts_of(at) != first and len(charts_of(at)) == 1


@pytest.mark.parametrize("keep", ["charts", "dependents"])
def test_the_least_multi_head_page_redraws_the_lessons_four_charts(keep):
    at = AppTest.from_file(str(ROOT / "bench" / "least_multi_head.py"), default_timeout=60)
    at.query_params["keep"] = keep
    at.run()
    assert not at.exception
    widgets = {"d_model", "Heads"} if keep == "dependents" else {"d_model"}
    assert {s.label for s in at.select_slider} == widgets
    assert len(at.radio) == len(at.metric) == (keep == "dependents")  # the question, the comparison with torch
    before = charts_of(at)
    assert len(before) == 4
    at.select_slider(key="d_model").set_value(24).run()  # the step bench.floor presses
    assert not at.exception
    assert all(a != b for a, b in zip(before, charts_of(at), strict=True)), "every chart follows d_model"


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Debian chromium/chromium-driver not installed (make test installs them)",
)
def test_floor_timing_runs():
    targets = {"one chart": ("floor", "/?charts=1"), "cost": ("app", "/cost")}
    timed = floor.time_floor(targets, rounds=1, presses=2, log=lambda _: None)
    assert set(timed) == {*targets, "trivial app"}
    for figures in timed.values():
        assert math.isfinite(figures["median_ms"]) and figures["median_ms"] > 0
        assert math.isfinite(figures["ratio"]) and figures["ratio"] > 0
