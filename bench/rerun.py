"""(a) Server-side rerun time of every page after a slider move, next to a trivial app."""

from __future__ import annotations

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


def first_slider(at: AppTest):
    """The page's first enabled slider with room to move (found, not named: pages change), or None."""
    return next((s for s in at.slider if s.key and not s.disabled and s.min != s.max), None)


def two_values(slider) -> tuple:
    """Where the slider starts and one step away from it, inside its range."""
    step = slider.proto.step or 1
    other = slider.value + step if slider.value + step <= slider.max else slider.value - step
    return (type(slider.value)(other), slider.value)


def time_moves(at: AppTest, kind: str, key: str, values: tuple, runs: int) -> list[float]:
    seconds = []
    for i in range(runs):
        widget = getattr(at, kind)(key=key)
        widget.set_value(values[i % 2])
        start = time.perf_counter()
        at.run()
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
        stats = summary_ms(time_moves(at, "slider", slider.key, two_values(slider), runs))
        row = {"page": page.title, "slider": slider.key, **stats}
        rows.append({**row, "ratio_p95": round(stats["p95_ms"] / baseline["p95_ms"], 1)})
    report("rerun", rows, notes=f"AppTest rerun after moving one widget, {runs} runs per page, same process.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
