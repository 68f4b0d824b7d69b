"""The floor under each page's first slider: how fast could it answer if the page held nothing but what
that slider must change?

For each lesson, AppTest moves the page's first slider one step and records the charts whose spec or
data changed (before and after), the page's text elements (T: markdown, captions, headers, formulas)
and the rest (B: columns, containers, widgets, unchanged charts). Headless Chromium then times, each
against the trivial app timed just before it and in interleaved rounds, as bench/browser.py times
the lessons:
- the lesson's own first slider;
- its floor: bench/floor_app.py — the lesson app's own shell (navigation, shared sidebar) around one
  slider that swaps the recorded charts between their two states, two to a row (no wider than on the
  lesson), both in a fragment, with T short paragraphs and B empty containers (the cheapest element
  there is) outside it;
- its charts only: the same without the paragraphs and containers;
- the shell with k = 0 … 8 copies of the trivial app's 8×8 heatmap, all changing (what a chart costs);
- for the multi-head page, bench/least_multi_head.py: the page cut down to what its d_model slider
  must redraw, without the app's navigation — its four charts alone, then with what else follows d_model.
A floor above the target means the page cannot meet it while it draws every chart that slider
changes and keeps its text and its number of elements.

    python -m bench.floor [--rounds 3] [--presses 8] [--pages multi_head,cost]

Start it under `flock /tmp/browser.lock` on a shared machine (one server and browser at a time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from contextlib import contextmanager
from functools import partial
from itertools import zip_longest
from pathlib import Path
from unittest import mock

import streamlit as st
from streamlit.elements.vega_charts import VegaChartsMixin

from bench.browser import (
    CHART,
    CHROMEDRIVER,
    CHROMIUM,
    Server,
    discover,
    errors_shown,
    open_page,
    start_browser,
    time_control,
)
from bench.common import ROOT, report
from ui.datasets import views

CHART_COUNTS = (0, 1, 2, 4, 6, 8)  # the shell with k changing charts and nothing else
TARGET = 2.5  # the ratio for every page's first slider
SCRIPTS = {
    "trivial": "bench/trivial_app.py",
    "floor": "bench/floor_app.py",
    "least": "bench/least_multi_head.py",
    "app": "app.py",
}
LEAST = {  # bench/least_multi_head.py's two cuts of the multi-head page
    "multi_head cut to d_model and the 4 charts it changes (no navigation)": "/?keep=charts",
    "multi_head cut to d_model and all that follows it (no navigation)": "/?keep=dependents",
}
TEXT = {"markdown", "caption", "latex", "header", "subheader", "title", "text", "info", "warning", "success", "error"}


def elements(node) -> list:
    """Every element and block under `node` (an AppTest tree node), in page order."""
    found = []
    for child in getattr(node, "children", {}).values():
        found.append(child)
        found += elements(child)
    return found


def with_records(spec: dict) -> dict:
    """A spec whose Arrow datasets (ui.datasets) are records again, in the views that name them: what
    the page drew, as JSON that the floor app can draw again."""
    if not isinstance(spec, dict) or "datasets" not in spec:
        return spec
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    def records(data: bytes) -> list[dict]:
        frame = convert_arrow_bytes_to_pandas_df(data)
        return frame.astype(object).where(frame.notna(), None).to_dict("records")

    named = {name: records(data) for name, data in spec["datasets"].items()}
    inline = json.loads(json.dumps({k: v for k, v in spec.items() if k != "datasets"}))
    for view in views(inline):
        if view.get("data", {}).get("name") in named:
            view["data"] = {"values": named[view["data"]["name"]]}
    return inline


@contextmanager
def charts_recorded(drawn: list[dict]):
    """Record every chart a script draws (spec and key, in order) while it runs in this process."""
    original = VegaChartsMixin.vega_lite_chart

    def record(self, data=None, spec=None, **options):
        drawn.append({"spec": with_records(spec if spec is not None else data), "key": options.get("key")})
        return original(self, data, spec, **options)

    with mock.patch.object(VegaChartsMixin, "vega_lite_chart", record):
        with mock.patch.object(st, "vega_lite_chart", partial(record, st._main)):  # st's own bound copy
            yield


def first_slider_effect(page_path: str) -> dict:
    """Move the page's first slider (DOM order, as bench.browser picks it) one step: which slider, how
    many text and other elements the page holds, and the charts that changed, before and after (None
    for a chart drawn in one of the two states only)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(page_path)
    before, after = [], []
    with charts_recorded(before):
        at.run()
    on_page = elements(at.main)
    sliders = [e for e in on_page if getattr(e, "type", "") in ("slider", "select_slider")]
    slider = next(s for s in sliders if not s.disabled)  # bench.browser skips disabled controls too
    if slider.type == "slider":
        step = slider.proto.step or 1
        slider.set_value(slider.value + step if slider.value + step <= slider.max else slider.value - step)
    else:
        options, current = list(slider.options), str(slider.format_func(slider.value))
        slider.set_value(slider.options[(options.index(current) + 1) % len(options)])
    with charts_recorded(after):
        at.run()
    pairs = list(zip_longest(before, after))
    changed = [(a, b) for a, b in pairs if json.dumps(a, default=float) != json.dumps(b, default=float)]
    texts = sum(getattr(e, "type", "") in TEXT for e in on_page)
    return {
        "label": slider.label,
        "texts": texts,
        "others": len(on_page) - texts,
        "charts": len(before),
        "changed": {"before": [a for a, _ in changed], "after": [b for _, b in changed]},
    }


def time_floor(targets: dict[str, tuple[str, str]], rounds: int, presses: int, log=print) -> dict[str, dict]:
    """Median time of the first slider of each target, name → (server: "floor" or "app", path and query),
    each one's yardstick (the trivial app) timed just before it; rounds interleaved."""
    times: dict[str, list[float]] = {name: [] for name in targets}
    ratios: dict[str, list[float]] = {name: [] for name in targets}
    trivial_times: list[float] = []
    needed = {"trivial"} | {server for server, _ in targets.values()}
    with tempfile.TemporaryDirectory() as profile:
        driver = start_browser(profile)
        servers = {name: Server(ROOT / script) for name, script in SCRIPTS.items() if name in needed}
        try:
            for round_ in range(rounds):
                for name, (server, address) in targets.items():
                    open_page(driver, servers["trivial"].url, selector=CHART)
                    yardstick, _ = time_control(driver, discover(driver)[0], presses, 60)
                    trivial_times += yardstick
                    open_page(driver, servers[server].url + address)
                    if errors_shown(driver):  # a page cut short by an error draws less and looks fast
                        raise RuntimeError(f"{name} ({address}) shows an error: its time would mean nothing")
                    slider = next(c for c in discover(driver) if c.kind == "first slider")  # as bench.browser
                    pressed, _ = time_control(driver, slider, presses, 60)
                    times[name] += pressed
                    ratios[name].append(statistics.median(pressed) / statistics.median(yardstick))
                log(f"round {round_ + 1} of {rounds} done")
        finally:
            for server in servers.values():
                server.stop()
            driver.quit()
    return {
        name: {
            "median_ms": round(statistics.median(times[name]), 1),
            "ratio": round(statistics.median(ratios[name]), 2),
        }
        for name in targets
    } | {"trivial app": {"median_ms": round(statistics.median(trivial_times), 1), "ratio": 1.0}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds over every variant")
    parser.add_argument("--presses", type=int, default=8, help="presses per variant and round")
    parser.add_argument("--pages", help="comma-separated url names (multi_head,cost); default: every lesson")
    args = parser.parse_args(argv)
    if not (CHROMIUM and CHROMEDRIVER):
        print("bench.floor skipped: needs Debian chromium and chromedriver (make browser)")
        return
    from ui.navigation import LESSONS

    chosen = [page for page in LESSONS if not args.pages or page.url_path in args.pages.split(",")]
    pages = {page.url_path: first_slider_effect(page.path) for page in chosen}
    targets = {f"{k} changing charts": ("floor", f"/?charts={k}") for k in CHART_COUNTS}
    shapes = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, page in pages.items():
            recorded = Path(folder) / f"{name}.json"
            recorded.write_text(json.dumps(page["changed"], default=float))
            changed = len(page["changed"]["after"])
            blocks = max(page["others"] - changed - 1, 0)  # the floor app brings its own slider
            # Fragment or not, the page's other elements cost on every press; outside a fragment they cost
            # least, so the floor puts them there whether or not the lesson does.
            rest = f"texts={page['texts']}&blocks={blocks}&fragment=1"
            targets[f"{name} floor"] = ("floor", f"/?charts_file={recorded}&{rest}")
            targets[f"{name} charts only"] = ("floor", f"/?charts_file={recorded}")
            targets[name] = ("app", f"/{name}")
            shapes[name] = (
                f"{name}: its {changed} changing of {page['charts']} charts, {page['texts']} texts, {blocks} blocks"
            )
        if "multi_head" in pages:
            targets |= {name: ("least", address) for name, address in LEAST.items()}
        timed = time_floor(targets, args.rounds, args.presses)
    rows = [{"measured": name, **timed[name]} for name in ["trivial app", *targets] if name.endswith(("app", "charts"))]
    for name, page in pages.items():
        own = {"page ms": timed[name]["median_ms"], "page ratio": timed[name]["ratio"]}
        alone = timed[f"{name} charts only"]
        rows.append({"measured": shapes[name], "first slider": page["label"], **timed[f"{name} floor"], **own})
        rows[-1] |= {"its charts only ms": alone["median_ms"], "its charts only ratio": alone["ratio"]}
    rows += [{"measured": name, **timed[name]} for name in LEAST if name in timed]
    notes = (
        f"median ms from key press to page settled, {args.rounds} rounds x {args.presses} presses; ratio: median of "
        "each round's ratio to the trivial app timed just before it. 'page': the lesson's own first slider, timed "
        f"in the same rounds. A floor above {TARGET}x: the page cannot meet the target while it draws every chart "
        "that slider changes, at most as wide, and keeps its text and its number of elements."
    )
    report("floor", rows, notes=notes)


if __name__ == "__main__":
    main()
