"""Where a press's time goes in the browser: Chromium's CPU profile over N presses of one control,
per press, by what the work was for.

Streamlit's frontend ships each element type as its own script file (Slider, StreamlitMarkdown,
ArrowVegaLiteChart, …), so the file of the function React called names the element type that cost
the time. Also shown: React's own work (reconciling the element tree), Streamlit's app code (index),
the browser's native work ("(program)": style, layout, paint), garbage collection, and idle time
(the browser waiting for the server).

    python -m bench.press_profile --page multi_head [--control "first slider"] [--label d_model] [--presses 8]

Start it under `flock /tmp/browser.lock` on a shared machine (one server and browser at a time).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import tempfile

from bench.browser import CHART, CHROMEDRIVER, CHROMIUM, Server, discover, open_page, start_browser, time_control
from bench.common import ROOT, report

SAMPLING_US = 100  # one sample every 0.1 ms: a press of ~100 ms gives ~1000 samples


def script_of(frame: dict) -> str:
    """The script file a profiled function comes from, without its content hash ("Slider"), or what
    V8 calls native time ("(program)", "(idle)", "(garbage collector)")."""
    return frame["url"].rsplit("/", 1)[-1].split(".")[0] or frame["functionName"] or "(anonymous)"


def time_by_cause(profile: dict) -> collections.Counter:
    """ms of the profile by cause: for work React started, the script of the function it called
    (an element type, or `index`: Streamlit's app code); React's own work; else the sample's own script."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    parent = {child: node["id"] for node in profile["nodes"] for child in node.get("children", [])}
    causes: collections.Counter = collections.Counter()
    for sample, delta_us in zip(profile["samples"], profile["timeDeltas"]):
        stack = [sample]  # leaf first
        while stack[-1] in parent:
            stack.append(parent[stack[-1]])
        scripts = [script_of(nodes[node]["callFrame"]) for node in stack]
        cause = scripts[0]
        if "react-dom" in scripts:
            cause = "react-dom (its own work)"
            # the outermost call out of React: the component or effect React ran
            for inner, outer in zip(scripts, scripts[1:]):
                if outer == "react-dom" and inner != "react-dom":
                    cause = inner
        causes[cause] += delta_us / 1000
    return causes


def profile_presses(page: str, kind: str, label: str, presses: int) -> tuple[list[float], collections.Counter, str]:
    """Press one control `presses` times under the CPU profiler: (times in ms, ms by cause, the control's label)."""
    with tempfile.TemporaryDirectory() as folder:
        driver = start_browser(folder)
        server = Server(ROOT / "app.py")
        try:
            open_page(driver, f"{server.url}/{page}", selector=CHART)
            control = next(c for c in discover(driver) if c.kind == kind and label in c.label)
            time_control(driver, control, 2, 60)  # warm: the first presses load code and fonts
            driver.execute_cdp_cmd("Profiler.enable", {})
            driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": SAMPLING_US})
            driver.execute_cdp_cmd("Profiler.start", {})
            times, _ = time_control(driver, control, presses, 60)
            profile = driver.execute_cdp_cmd("Profiler.stop", {})["profile"]
        finally:
            server.stop()
            driver.quit()
    return times, time_by_cause(profile), control.label


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page", default="multi_head", help="url name of the page")
    parser.add_argument("--control", default="first slider", help="kind, as bench.browser names it")
    parser.add_argument("--label", default="", help="part of the control's label, to pick one of its kind")
    parser.add_argument("--presses", type=int, default=8)
    args = parser.parse_args(argv)
    if not (CHROMIUM and CHROMEDRIVER):
        print("bench.press_profile skipped: needs Debian chromium and chromedriver (make browser)")
        return
    times, causes, label = profile_presses(args.page, args.control, args.label, args.presses)
    rows = [{"cause": cause, "ms per press": round(ms / args.presses, 1)} for cause, ms in causes.most_common(25)]
    notes = (
        f"{args.page}: {args.control} {label!r}, {args.presses} presses, median {statistics.median(times):.0f} ms from "
        "key press to page settled. 'ms per press' covers the whole profile (the 100 ms quiet window after each "
        "press and the bench's own polling included), so the rows add up to more than the press itself."
    )
    report("press_profile", rows, notes=notes)


if __name__ == "__main__":
    main()
