"""(a) Server-side rerun time of every page after a slider move, next to a trivial app.

Two figures a slider: the whole page (what AppTest runs), and the run a press makes on the server. A
slider inside an `st.fragment` makes the browser ask for that fragment alone (the delta that drew the
widget names its fragment, and the rerun request carries it), so the server runs only that function;
AppTest always runs the whole page. The bench reruns the fragment as the server does, with every widget's
state sent, as the browser sends it.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import streamlit.testing.v1.app_test as app_test
import streamlit.testing.v1.local_script_runner as local_script_runner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from bench.common import ROOT, report, summary_ms
from ui.navigation import LESSONS

# The server compiles each script once and keeps its bytecode for as long as it runs; AppTest makes a
# new cache on every run, so it recompiled the page each time (~8 ms for the longest lessons), which no
# student waits for. The bench shares one cache across runs, as the server does.
SERVER_SCRIPT_CACHE = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: SERVER_SCRIPT_CACHE

# The fragment the next run is scoped to (None: the whole page), and the messages of the last run: the
# delta that drew a widget carries the id of the fragment it belongs to.
_SCOPE: dict[str, str | None] = {"fragment": None}
_LAST_MESSAGES: list = []
_request_rerun, _run = local_script_runner.LocalScriptRunner.request_rerun, local_script_runner.LocalScriptRunner.run


def _scoped_request(self, rerun_data):
    accepted = _request_rerun(self, rerun_data)
    if _SCOPE["fragment"]:  # AppTest's new runner starts with a whole-page request pending, which absorbs a
        # fragment's request: the pending request itself is scoped, as the server's would be
        pending = self._requests._rerun_data
        self._requests._rerun_data = dataclasses.replace(pending, fragment_id_queue=[_SCOPE["fragment"]])
    return accepted


def _recorded_run(self, *args, **kwargs):
    tree = _run(self, *args, **kwargs)
    _LAST_MESSAGES[:] = self.forward_msgs()
    return tree


local_script_runner.LocalScriptRunner.request_rerun = _scoped_request
local_script_runner.LocalScriptRunner.run = _recorded_run


def fragment_of(key: str) -> str | None:
    """The id of the fragment that drew the slider `key` in the last run, or None (drawn by the page)."""
    for message in _LAST_MESSAGES:
        delta = message.delta if message.HasField("delta") else None
        if delta is not None and delta.HasField("new_element") and delta.new_element.WhichOneof("type") == "slider":
            if delta.new_element.slider.id.endswith(f"-{key}"):
                return delta.fragment_id or None
    return None


def first_slider(at: AppTest):
    """The page's first enabled slider with room to move (found, not named: pages change), or None."""
    return next((s for s in at.slider if s.key and not s.disabled and s.min != s.max), None)


def two_values(slider) -> tuple:
    """Where the slider starts and one step away from it, inside its range."""
    step = slider.proto.step or 1
    other = slider.value + step if slider.value + step <= slider.max else slider.value - step
    return (type(slider.value)(other), slider.value)


def time_moves(at: AppTest, kind: str, key: str, values: tuple, runs: int, fragment: str | None = None) -> list[float]:
    """Seconds of each of `runs` reruns after setting the widget `key` to each of `values` in turn: the whole
    page, or only `fragment` (the server's run of a press inside it)."""
    seconds, page = [], at._tree  # the whole page's elements: every widget's state goes with each run
    for i in range(runs):
        at._tree = page  # after a fragment's run the tree holds only the fragment's elements
        widget = getattr(at, kind)(key=key)
        widget.set_value(values[i % 2])
        _SCOPE["fragment"] = fragment
        start = time.perf_counter()
        try:
            at.run()
        finally:
            _SCOPE["fragment"] = None
        seconds.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{key}: {at.exception[0].value}")
    return seconds


def main(runs: int = 20) -> None:
    trivial = AppTest.from_file(str(ROOT / "bench" / "trivial_app.py"), default_timeout=60).run()
    baseline = summary_ms(time_moves(trivial, "slider", "n", (10, 20), runs))
    rows = [{"page": "trivial one-slider app", **baseline, "ratio_p95": 1.0}]
    for page in LESSONS:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page(page.path).run()
        slider = first_slider(at)
        if slider is None:  # the decoder's controls are text, buttons and inputs inside its charts
            rows.append({"page": page.title, "slider": "none on the page"})
            continue
        fragment = fragment_of(slider.key)
        stats = summary_ms(time_moves(at, "slider", slider.key, two_values(slider), runs))
        row = {
            "page": page.title,
            "slider": slider.key,
            **stats,
            "ratio_p95": round(stats["p95_ms"] / baseline["p95_ms"], 1),
        }
        if fragment:  # what the server runs for this press: the fragment alone
            at.run()  # the whole page again: the tree every run sends its widgets from
            pressed = summary_ms(time_moves(at, "slider", slider.key, two_values(slider), runs, fragment))
            row |= {"fragment_median_ms": pressed["median_ms"], "fragment_p95_ms": pressed["p95_ms"]}
        rows.append(row)
    notes = (
        f"AppTest rerun after moving one widget, {runs} runs per page, same process: the whole page, and (fragment_*) "
        "the fragment alone where the slider is inside one, as the server runs a press there."
    )
    report("rerun", rows, notes=notes)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
