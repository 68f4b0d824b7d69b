"""bench/press_profile.py: the sorting of a CPU profile by cause (a made-up profile), and a short run in
Chromium that returns figures. No timing is asserted: timings depend on the machine."""

import math
import shutil

import pytest

from bench import press_profile


def frame(name: str, url: str = "") -> dict:
    return {"functionName": name, "url": url, "lineNumber": 0, "columnNumber": 0, "scriptId": "0"}


def test_work_react_started_is_charged_to_the_element_type_it_ran():
    static = "http://localhost/static/js/"
    nodes = [
        {"id": 1, "callFrame": frame("(root)"), "children": [2, 6, 7]},
        {"id": 2, "callFrame": frame("performWork", static + "react-dom.Dzbslgj4.js"), "children": [3, 5]},
        {"id": 3, "callFrame": frame("Slider", static + "Slider.CZ1.js"), "children": [4]},
        {"id": 4, "callFrame": frame("css", static + "emotion-styled.Dd.js")},  # called by the slider: its cost
        {"id": 5, "callFrame": frame("Markdown", static + "StreamlitMarkdown.oO.js")},
        {"id": 6, "callFrame": frame("(idle)")},
        {"id": 7, "callFrame": frame("onMessage", static + "index.Dorm.js")},
    ]
    profile = {"nodes": nodes, "samples": [3, 4, 5, 2, 6, 6, 7], "timeDeltas": [1000] * 7}
    assert press_profile.time_by_cause(profile) == {
        "Slider": 2.0,
        "StreamlitMarkdown": 1.0,
        "react-dom (its own work)": 1.0,
        "(idle)": 2.0,
        "index": 1.0,
    }


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Debian chromium/chromium-driver not installed (make test installs them)",
)
def test_press_profile_runs():
    times, causes, label = press_profile.profile_presses("cost", "first slider", "", presses=2)
    assert label == "Model width d" and len(times) == 2 and all(t > 0 for t in times)
    assert causes["(idle)"] > 0 and sum(causes.values()) > 0
    assert all(math.isfinite(ms) for ms in causes.values())
