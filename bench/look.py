"""Look at pages as a student does: headless Chromium screenshots at classroom widths, plus the
defects a picture shows (charts wider than their column, horizontal scrolling, raw numbers, errors).

    python -m bench.look --page first_principles --words 3 12 40 --widths 1024 1400 [--params presenter=1]

Screenshots go to --out (default /tmp/look). The checks are shared with tests/test_browser.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = {
    3: "money bank grows",
    12: "The animal didn't cross the road because it was tired and slow today",
    40: (
        "The animal didn't cross the road because it was tired and the river bank was wide so the king and "
        "queen sat on the mat while a cat and a dog watched the money grow in the bank near the water "
        "all day long"
    ),
}
# Text a student should never see: Python reprs, exception text, scientific notation for ordinary values.
RAW_TEXT = re.compile(
    r"tensor\(|Traceback|Error:|could not convert|\[\d\.\d{4,}|\b\d\.\d{2}e[+-]\d{2}\b|\b\d+\.\d{7,}\b|"
    r"\bnan\b|\bNone\b"
)

OVERFLOW_JS = """
const main = document.querySelector('[data-testid="stMain"]');
if (!main) return [];
const bad = [];
const pageRight = main.getBoundingClientRect().right;
for (const el of main.querySelectorAll('[data-testid="stVegaLiteChart"], [data-testid="stImage"] img, table, [data-testid="stDataFrame"], .katex-display')) {
  const box = el.getBoundingClientRect();
  if (box.width === 0) continue;
  const column = el.closest('[data-testid="stColumn"]') || el.closest('[data-testid="stMainBlockContainer"]');
  const limit = column ? column.getBoundingClientRect().right : pageRight;
  const inner = el.querySelector('canvas, svg') || el;
  const right = Math.max(box.right, inner.getBoundingClientRect().right);
  // a chart that scrolls inside its own box (a phone's CSS, ui.present) ends where its box ends
  const scrolls = ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  if ((scrolls ? box.right : right) > limit + 2) bad.push(`${el.getAttribute('data-testid') || el.tagName}: right edge ${Math.round(right)} > column ${Math.round(limit)}`);
}
if (document.documentElement.scrollWidth > window.innerWidth + 2) bad.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
return bad;
"""

# Text a box cuts off: a formula or a table wider than its box (each scrolls inside it, so no page overflow
# shows it, but a student sees "ho" for "horse"), or a label Streamlit ends with "…".
CUT_JS = """
const main = document.querySelector('[data-testid="stMain"]');
if (!main) return [];
const boxes = '.katex-display, [data-testid="stTable"], [data-testid="stDataFrame"] .dvn-scroller, '
  + '[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"]';
return [...main.querySelectorAll(boxes)].filter((el) => el.getClientRects().length && el.scrollWidth > el.clientWidth + 2)
  .map((el) => `${el.textContent.slice(0, 50)}: ${el.scrollWidth} px in ${el.clientWidth}`);
"""

CHARTS_JS = """
// a chart hidden by the layout (the course map drawn for another window width) is not seen
return [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')].filter(el => el.getClientRects().length).map(el => {
  const g = el.querySelector('canvas, svg');
  const box = (g || el).getBoundingClientRect();
  // marks: SVG mark elements, or on a canvas the coloured pixels (axes and text are grey), every 4th sampled
  let marks = el.querySelectorAll('path, rect, circle, line').length;
  if (g && g.tagName === 'CANVAS' && g.width && g.height) {
    const px = g.getContext('2d').getImageData(0, 0, g.width, g.height).data;
    marks = 0;
    for (let i = 0; i < px.length; i += 16) {
      if (px[i + 3] > 0 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 40) marks++;
    }
  }
  return {height: Math.round(box.height), width: Math.round(box.width), marks};
});
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(port: int | None = None):
    """A fresh Streamlit server on this machine's loopback; yields its base URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        else:
            raise RuntimeError("streamlit did not start")
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def chromium(width: int = 1400, height: int = 1000, profile: str | None = None):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium")
    profile = profile or f"/tmp/look-chromium-{os.getpid()}"
    flags = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
             "--disable-quic", "--hide-scrollbars", f"--user-data-dir={profile}")  # fmt: skip
    for flag in flags:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def settle(driver, timeout: float = 90, quiet: float = 0.8) -> None:
    """Wait until the script has run (Streamlit's app root says notRunning), a title is drawn and
    nothing has changed on the page for `quiet` seconds."""
    driver.execute_script(
        "window.__lastChange = performance.now();"
        "if (!window.__watch) { window.__watch = new MutationObserver(() => window.__lastChange = performance.now());"
        " window.__watch.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}); }"
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = driver.execute_script(
            "const root = document.querySelector('[data-test-script-state]');"
            "return [root ? root.getAttribute('data-test-script-state') : null,"
            " !!document.querySelector('[data-testid=\"stMainBlockContainer\"] h1'),"
            " performance.now() - window.__lastChange];"
        )
        if state[0] == "notRunning" and state[1] and state[2] > quiet * 1000:
            return
        time.sleep(0.1)
    raise AssertionError("the page kept running")


def overflowing(driver) -> list[str]:
    return driver.execute_script(OVERFLOW_JS)


def cut_off(driver) -> list[str]:
    return driver.execute_script(CUT_JS)


def charts(driver) -> list[dict]:
    return driver.execute_script(CHARTS_JS)


def raw_text(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    text = driver.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
    code = " ".join(
        e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"] pre, [data-testid="stMain"] code')
    )
    return sorted({m.group() for m in RAW_TEXT.finditer(text) if m.group() not in code})


def full_page_screenshot(driver, path: Path, width: int, tiles: bool = False) -> None:
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : document.body.scrollHeight;"
    )
    driver.set_window_size(width, min(max(height + 120, 800), 12000))
    time.sleep(0.6)
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 1000)
    if not tiles:
        return
    from PIL import Image

    with Image.open(path) as picture:  # tiles a file viewer can show at full size
        for i, top in enumerate(range(0, picture.height, 1100)):
            picture.crop((0, top, picture.width, min(top + 1100, picture.height))).save(path.with_suffix(f".{i}.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", nargs="+", required=True, help="url paths, e.g. first_principles qkv ('' = home)")
    parser.add_argument("--words", nargs="*", type=int, default=[12], choices=sorted(SENTENCES))
    parser.add_argument("--widths", nargs="*", type=int, default=[1024, 1400])
    parser.add_argument("--params", default="", help="extra query string, e.g. 'presenter=1&qkv_d_k=64'")
    parser.add_argument("--out", default="/tmp/look")
    parser.add_argument("--url", help="an already running server (default: start a fresh one)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def visit(url: str) -> None:
        for width in args.widths:
            with chromium(width) as driver:
                for page in args.page:
                    for words in args.words:
                        query = urllib.parse.urlencode({"shared_sentence": SENTENCES[words]}) if words != 12 else ""
                        query = "&".join(q for q in (query, args.params) if q)
                        driver.get(f"{url}/{page}" + (f"?{query}" if query else ""))
                        settle(driver)
                        name = f"{page or 'home'}_{width}_{words}w{'_' + re.sub(r'[^a-z0-9]+', '-', args.params) if args.params else ''}.png"
                        full_page_screenshot(driver, out / name, width, tiles=True)
                        problems = overflowing(driver) + cut_off(driver) + [f"raw text: {t}" for t in raw_text(driver)]
                        small = [c for c in charts(driver) if c["height"] < 60]
                        problems += [f"flat chart: {c}" for c in small]
                        print(out / name, "OK" if not problems else "")
                        for problem in problems:
                            print("   ", problem)

    if args.url:
        visit(args.url)
    else:
        with server() as url:
            visit(url)


if __name__ == "__main__":
    main()
