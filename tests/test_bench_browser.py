"""Smoke test of bench/browser.py: one page, one control, two presses, next to the trivial app.

Only checks that it runs and gives positive finite figures; timings depend on the machine.
"""

import math
import shutil

import pytest

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Debian chromium/chromium-driver not installed (make test installs them)",
)


def test_browser_bench_runs():
    from bench import browser

    rows, extra = browser.run(
        pages=["why_attention"], repeats=2, trivial_repeats=2, max_controls=1, cold_start=False, log=lambda _: None
    )
    assert [r["page"] for r in rows] == ["trivial app", "why_attention"], rows
    for r in rows:
        assert r["runs"] == 2 and "error" not in r["note"].lower(), r
        for key in ("median_ms", "p90_ms", "ratio"):
            assert math.isfinite(r[key]) and r[key] > 0, r
    ((rss, memory),) = [(e["mib"], e["label"]) for e in extra if "mib" in e]
    assert math.isfinite(rss) and rss > 0
    assert "5 of 5 downloads" in memory, memory  # PNG, SVG, CSV, JSON and the script all reached the browser
