"""Browser response: every control on every page, timed in real headless Chromium, next to a trivial app.

A figure runs from the key press (or pointer press) in the page until the script run has finished
and the DOM has been quiet for a short window (the window itself is not counted): what a student
waits for. Controls are found from the DOM (data-testid), so the benchmark follows the pages as they
change. Also: cold start of a fresh server on a direct link to /real_model, and the server's peak
memory after every page has been visited.

    python -m bench.browser [--pages why_attention,cost] [--repeats 6] [--quick]

Start it under `flock /tmp/browser.lock` on a shared machine (one server and browser at a time).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, percentile, report

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
QUIET_MS = 100  # the DOM must stay unchanged this long after the run: not counted in the figure
LOAD_QUIET_MS = 2000  # widgets can appear ~1.5 s after a page's first run ends, with the DOM idle meanwhile
CHART = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
MAIN = '[data-testid="stMain"] '
SIDEBAR_SENTENCE = '[data-testid="stSidebar"] textarea'
SENTENCES = ("The student said he was tired", "The cat sat on the mat because it was warm")
LONG = (
    "The animal did not cross the busy road in the middle of the afternoon because it was far too tired "
    "after walking all day across the hills and the fields behind the old farm where the farmer kept his "
    "sheep and two dogs"
)  # 40 words
LONG_2 = LONG.replace("animal", "student")

# Installed in every document before the page's own scripts: one observer records when the DOM last
# changed and every change of Streamlit's script state; capture listeners record the press time.
INIT_JS = """
(() => {
  if (window.__bench) return;
  const VEGA = '[data-testid="stVegaLiteChart"]', DRAWN = 'canvas, svg.marks';
  const DRAWN_IN_CHART = VEGA + ' :is(' + DRAWN + ')';
  const b = window.__bench = {lastMut: performance.now(), armed: null, t0: null, sawRunning: false,
                              runEnd: null, mutsAfter: 0, rebuilt: 0, states: []};
  const mark = (e) => { if (b.armed !== null && b.t0 === null) b.t0 = e.timeStamp; };
  for (const type of ['keydown', 'pointerdown', 'mousedown']) window.addEventListener(type, mark, true);
  new MutationObserver((records) => {
    const now = performance.now();
    b.lastMut = now;
    if (b.armed !== null) b.mutsAfter += records.length;
    // a chart drawn anew (its spec changed, or React mounted it again) gets a new canvas; a data swap keeps it
    if (b.armed !== null) for (const r of records) for (const n of r.addedNodes)
      if (n.nodeType === 1)
        b.rebuilt += n.matches(DRAWN) ? Number(!!n.closest(VEGA)) : n.querySelectorAll(DRAWN_IN_CHART).length;
    for (const r of records) {
      if (r.type !== 'attributes' || r.attributeName !== 'data-test-script-state') continue;
      const state = r.target.getAttribute('data-test-script-state');
      b.states.push([now, state]);
      if (b.armed === null) continue;
      if (state === 'running') b.sawRunning = true;
      else if (state === 'notRunning' && b.sawRunning) b.runEnd = now;
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""

ARM_JS = """
const b = window.__bench;
b.armed = performance.now(); b.t0 = null; b.sawRunning = false; b.runEnd = null; b.mutsAfter = 0; b.rebuilt = 0;
"""

# mode "action": from the press after ARM_JS; mode "load": from navigation start (performance.now() = 0).
WAIT_JS = """
const [mode, quiet, timeout, selector] = arguments;
const done = arguments[arguments.length - 1];
const b = window.__bench;
const start = performance.now();
const drawn = 'canvas, svg';
const poll = () => {
  const now = performance.now();
  const root = document.querySelector('[data-test-script-state]');
  const state = root ? root.getAttribute('data-test-script-state') : null;
  const quietFor = now - b.lastMut;
  if (mode === 'action') {
    let t0 = b.t0;
    if (t0 === null || t0 < b.armed - 50 || t0 > now) t0 = b.armed;
    if (state === 'notRunning' && quietFor >= quiet) {
      if (b.sawRunning && b.runEnd !== null) return done({ms: b.lastMut - t0, observed: true, rebuilt: b.rebuilt});
      // a run too fast to see: the DOM changed after the press and the script is not running
      if (!b.sawRunning && b.mutsAfter > 0 && now - t0 > 1500)
        return done({ms: b.lastMut - t0, observed: false, rebuilt: b.rebuilt});
    }
  } else if (mode === 'quiet') {
    if ((state === 'notRunning' || state === null) && quietFor >= quiet) return done({ms: 0});
  } else if (state === 'notRunning' && b.states.some((s) => s[1] === 'running') && quietFor >= quiet &&
             (!selector || document.querySelector(selector)) &&
             [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
               .every((c) => !c.getClientRects().length || c.querySelector(drawn))) {  // hidden: the map's other layout
    return done({ms: b.lastMut});
  }
  if (now - start > timeout) {
    return done({error: `did not settle in ${timeout / 1000} s (state ${state}, saw a run: ${b.sawRunning}, ` +
                        `last DOM change ${Math.round(quietFor)} ms ago)`});
  }
  setTimeout(poll, 5);
};
poll();
"""


# Scrub inputs (ui.scrub) answer inside their chart: no script run. A press is timed from the key press
# (the capture listener's b.t0) until the chart's canvas shows other pixels, polled every animation
# frame; a drag moves the input one step every frame and counts the frames whose picture changed.
SCRUB = MAIN + '.vega-bind input[type="range"], ' + MAIN + ".vega-bind select"
# A canvas's pixels, compared with the last picture: a PNG of the canvas (toDataURL) costs 9–21 ms for a
# 652 × 1022 training replay on this machine, the pixels 3–4 ms, and the bench must not slow the repaint.
PICTURE_JS = """
const picture = (canvas) =>
  new Uint32Array(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.buffer);
const same = (a, b) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};
"""
SCRUB_WATCH_JS = (
    PICTURE_JS
    + """
const input = arguments[0];
const canvas = input.closest('.vega-embed').querySelector('canvas');
const b = window.__bench;
const w = b.scrub = {paint: null, before: picture(canvas)};
const look = () => {
  if (b.scrub !== w) return;
  if (!same(picture(canvas), w.before)) { w.paint = performance.now(); return; }
  requestAnimationFrame(look);
};
requestAnimationFrame(look);
"""
)
SCRUB_RESULT_JS = """
const [timeout] = arguments;
const done = arguments[arguments.length - 1];
const b = window.__bench, w = b.scrub, start = performance.now();
const poll = () => {
  if (w.paint !== null) {
    const t0 = b.t0 !== null ? b.t0 : b.armed;
    const runs = b.states.filter((s) => s[1] === 'running' && s[0] >= t0 && s[0] < w.paint).length;
    return done({ms: w.paint - t0, runs_before_paint: runs});
  }
  if (performance.now() - start > timeout) return done({error: 'the chart did not repaint'});
  setTimeout(poll, 5);
};
poll();
"""
SCRUB_DRAG_JS = (
    PICTURE_JS
    + """
const [input, seconds] = arguments;
const done = arguments[arguments.length - 1];
const canvas = input.closest('.vega-embed').querySelector('canvas');
const low = Number(input.min), high = Number(input.max), step = Number(input.step) || 1;
let value = Number(input.value), direction = value >= high ? -step : step, last = picture(canvas), repaints = 0;
const start = performance.now();
const frame = () => {
  const now = picture(canvas);
  if (!same(now, last)) { repaints++; last = now; }
  if (performance.now() - start >= seconds * 1000) return done(repaints / ((performance.now() - start) / 1000));
  if (value + direction > high || value + direction < low) direction = -direction;
  value += direction;
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);
"""
)


class Unsettled(RuntimeError):
    pass


# ---------------------------------------------------------------- server and browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run` in a fresh process, as a user starts it."""

    def __init__(self, script: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(self.port)]
            + ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1).read() == b"ok":
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not start:\n{self.output()[-2000:]}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def peak_rss_mib(self) -> float:
        """Peak resident memory (VmHWM) of the server process and its children."""
        try:
            import psutil

            processes = [psutil.Process(self.process.pid)]
            processes += processes[0].children(recursive=True)
            pids = [p.pid for p in processes]
        except ImportError:
            pids, todo = [], [self.process.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                for task in Path(f"/proc/{pid}/task").glob("*/children"):
                    todo += [int(c) for c in task.read_text().split()]
        total_kib = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kib += int(line.split()[1])
        return total_kib / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INIT_JS})
    driver.set_script_timeout(300)
    return driver


def wait(driver, mode: str, quiet_ms: int, timeout_s: float, selector: str = "") -> float:
    """Milliseconds to settle (see WAIT_JS); raises Unsettled. Sets wait.unseen when no run was observed and
    wait.rebuilt to the charts drawn anew since the press."""
    result = driver.execute_async_script(WAIT_JS, mode, quiet_ms, timeout_s * 1000, selector)
    if "error" in result:
        raise Unsettled(result["error"])
    wait.unseen = result.get("observed") is False
    wait.rebuilt = result.get("rebuilt", 0)
    return result["ms"]


def open_page(driver, url: str, timeout_s: float = 180, selector: str = "") -> float:
    """Load a page; ms from navigation start until drawn and quiet."""
    driver.get(url)
    return wait(driver, "load", LOAD_QUIET_MS, timeout_s, selector)


# ---------------------------------------------------------------- controls


@dataclass
class Control:
    kind: str  # first slider, slider, toggle, checkbox, radio, segmented, selectbox, text, sidebar sentence, ...
    css: str  # finds every control of this family
    index: int  # which of them
    label: str
    chart: str = ""  # a scrub's chart (its st-key class): labels such as "Head" repeat across charts
    state: dict = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str]:
        """What names this control across reruns that add or remove others (its index may move)."""
        return self.kind, self.chart, self.label

    def element(self, driver):
        from selenium.webdriver.common.by import By

        found = driver.find_elements(By.CSS_SELECTOR, self.css)
        if self.index >= len(found):
            raise RuntimeError(f"{self.kind} {self.label!r} is gone")
        return found[self.index]


def label_of(driver, element) -> str:
    text = driver.execute_script(
        "const l = arguments[0].querySelector('[data-testid=\"stWidgetLabel\"]');"
        "return (l ? l.innerText : arguments[0].getAttribute('aria-label') || '').trim();",
        element,
    )
    return " ".join(text.split())[:60]


def discover(driver) -> list[Control]:
    """Every control on the page, from the DOM; the family decides how it is pressed."""
    from selenium.webdriver.common.by import By

    controls: list[Control] = []
    families = [
        ("slider", MAIN + '[data-testid="stSlider"]'),
        ("checkbox", MAIN + '[data-testid="stCheckbox"]'),
        ("radio", MAIN + '[data-testid="stRadio"]'),
        ("segmented", MAIN + '[data-testid="stButtonGroup"]'),
        ("selectbox", MAIN + '[data-testid="stSelectbox"]'),
        ("text", MAIN + '[data-testid="stTextInput"]'),
    ]
    for family, css in families:
        for index, element in enumerate(driver.find_elements(By.CSS_SELECTOR, css)):
            if driver.execute_script(
                "return !!arguments[0].querySelector('input:disabled, button:disabled, [aria-disabled=\"true\"]')",
                element,
            ):
                continue
            kind = family
            if family == "slider":
                kind = "slider" if any(c.kind == "first slider" for c in controls) else "first slider"
            elif family == "checkbox" and driver.execute_script(
                'return !!arguments[0].querySelector(\'[role="switch"], input[role="switch"]\')'
                ' || !arguments[0].querySelector(\'[data-testid="stCheckboxInput"], input[type="checkbox"]\')'
                " || /toggle/i.test(arguments[0].className)",
                element,
            ):
                kind = "toggle"
            controls.append(Control(kind, css, index, label_of(driver, element)))
    for index, element in enumerate(driver.find_elements(By.CSS_SELECTOR, SCRUB)):
        name, chart = driver.execute_script(
            "const e = arguments[0], keyed = e.closest('[class*=\"st-key-\"]');"
            "return [e.closest('label').querySelector('.vega-bind-name').innerText,"
            " keyed ? [...keyed.classList].find((c) => c.startsWith('st-key-')) : ''];",
            element,
        )
        controls.append(Control("scrub", SCRUB, index, " ".join(name.split())[:60], chart))
    texts = [c for c in controls if c.kind == "text"]
    if texts:
        sentence = next((c for c in texts if "sentence" in c.label.lower()), texts[0])
        controls.append(Control("40-word sentence", sentence.css, sentence.index, sentence.label))
    if driver.find_elements(By.CSS_SELECTOR, SIDEBAR_SENTENCE):
        sidebar = driver.find_elements(By.CSS_SELECTOR, SIDEBAR_SENTENCE)[0]
        controls.append(Control("sidebar sentence", SIDEBAR_SENTENCE, 0, label_of_textarea(driver, sidebar)))
    return controls


def label_of_textarea(driver, textarea) -> str:
    text = driver.execute_script(
        "const w = arguments[0].closest('[data-testid=\"stTextArea\"]');"
        "const l = w && w.querySelector('[data-testid=\"stWidgetLabel\"]');"
        "return l ? l.innerText : (arguments[0].getAttribute('aria-label') || '');",
        textarea,
    )
    return " ".join(text.split())[:60]


def choose(options: list, current: int, step: int, state: dict) -> int:
    """Alternate between a neighbour of the original choice and the original."""
    if "original" not in state:
        state["original"] = max(current, 0)
    original = state["original"]
    other = original + 1 if original + 1 < len(options) else original - 1
    return other if step % 2 == 0 else original


def click(driver, element) -> None:
    """A real click; where something lies over the element (a chart's hover toolbar), a click from script
    (then the figure runs from the arming, just before)."""
    from selenium.common.exceptions import ElementClickInterceptedException

    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click();", element)


def press(driver, control: Control, step: int) -> None:
    """Prepare the control (untimed), arm the timer, then press what changes the value."""
    from selenium.common.exceptions import ElementClickInterceptedException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    element = control.element(driver)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    wait(driver, "quiet", QUIET_MS, 60)
    arm = lambda: driver.execute_script(ARM_JS)
    kind = control.kind
    if kind in ("first slider", "slider"):
        target = element.find_element(By.CSS_SELECTOR, "input")
        if "forward" not in control.state:
            thumb = element.find_elements(By.CSS_SELECTOR, '[role="slider"]')
            at_max = thumb and thumb[0].get_attribute("aria-valuenow") == thumb[0].get_attribute("aria-valuemax")
            if not thumb:
                at_max = target.get_attribute("value") == target.get_attribute("max")
            control.state["forward"] = Keys.ARROW_LEFT if at_max else Keys.ARROW_RIGHT
            control.state["back"] = Keys.ARROW_RIGHT if at_max else Keys.ARROW_LEFT
        driver.execute_script("arguments[0].focus();", target)
        arm()
        driver.switch_to.active_element.send_keys(control.state["forward" if step % 2 == 0 else "back"])
    elif kind in ("toggle", "checkbox"):
        target = element.find_element(By.CSS_SELECTOR, "input")
        driver.execute_script("arguments[0].focus();", target)
        arm()
        driver.switch_to.active_element.send_keys(Keys.SPACE)
    elif kind == "radio":
        options = element.find_elements(By.CSS_SELECTOR, '[role="radiogroup"] label')
        current = next((i for i, o in enumerate(options) if o.find_element(By.CSS_SELECTOR, "input").is_selected()), 0)
        target = options[choose(options, current, step, control.state)]
        arm()
        click(driver, target)
    elif kind == "segmented":
        buttons = element.find_elements(By.CSS_SELECTOR, "button")
        active = [
            i
            for i, b in enumerate(buttons)
            if "Active" in (b.get_attribute("data-testid") or "") or b.get_attribute("aria-pressed") == "true"
        ]
        target = buttons[choose(buttons, active[0] if active else 0, step, control.state)]
        arm()
        click(driver, target)
    elif kind == "selectbox":
        box = element.find_element(By.CSS_SELECTOR, "input")
        opener = element.find_elements(By.CSS_SELECTOR, 'button[aria-haspopup="listbox"]')
        listed = lambda d: d.find_elements(By.CSS_SELECTOR, '[role="listbox"] [role="option"]')
        try:
            (opener or [box])[0].click()
        except ElementClickInterceptedException:  # a chart's hover toolbar lies over it: open it from the keyboard
            box.send_keys(Keys.ARROW_DOWN)
        options = WebDriverWait(driver, 10).until(listed)
        texts = [o.text.strip() for o in options]
        if "texts" not in control.state:  # the original choice and a neighbour, by text: the list may get filtered
            current = box.get_attribute("value")
            index = texts.index(current) if current in texts else 0
            control.state["texts"] = (texts[index], texts[index + 1 if index + 1 < len(texts) else index - 1])
        target = control.state["texts"][1 if step % 2 == 0 else 0]
        if target not in texts:  # typing filters the list down to it
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(target)
            options = WebDriverWait(driver, 10).until(listed)
            texts = [o.text.strip() for o in options]
        option = options[texts.index(target)]
        driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'});", option)
        arm()
        click(driver, option)
    elif kind in ("text", "40-word sentence", "sidebar sentence"):
        target = element if kind == "sidebar sentence" else element.find_element(By.CSS_SELECTOR, "input")
        if "original" not in control.state:
            control.state["original"] = target.get_attribute("value")
        texts = (LONG, LONG_2) if kind == "40-word sentence" else SENTENCES
        target.send_keys(Keys.CONTROL, "a")
        target.send_keys(texts[step % 2])
        arm()
        target.send_keys(Keys.CONTROL, Keys.ENTER) if kind == "sidebar sentence" else target.send_keys(Keys.ENTER)
    else:
        raise ValueError(kind)


def restore(driver, control: Control, steps: int, timeout_s: float) -> None:
    """Put the control back as it was (untimed), so the next control starts from the page's defaults."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if control.kind in ("text", "40-word sentence", "sidebar sentence"):
        element = control.element(driver)
        target = element if control.kind == "sidebar sentence" else element.find_element(By.CSS_SELECTOR, "input")
        target.send_keys(Keys.CONTROL, "a")
        target.send_keys(control.state.get("original") or Keys.BACKSPACE)
        driver.execute_script(ARM_JS)
        target.send_keys(Keys.CONTROL, Keys.ENTER) if control.kind == "sidebar sentence" else target.send_keys(
            Keys.ENTER
        )
        wait(driver, "action", QUIET_MS, timeout_s)
    elif steps % 2 == 1:
        press(driver, control, steps)
        wait(driver, "action", QUIET_MS, timeout_s)


REVEALING = ("Reveal the answer", "Train", "Next word", "Write")  # "Train a new model from scratch (600 steps)"


# Finds the first enabled button (in page order) whose label is one of REVEALING and not yet pressed (a
# question's Reveal may come again: each is gone once pressed), arms the timer and clicks it, all in one
# script: a page that reruns between finding and clicking leaves no stale element behind.
REVEAL_JS = (
    """
const [main, labels, pressed] = arguments;
for (const button of document.querySelectorAll(main + 'button:not(:disabled)')) {
  const lines = button.innerText.trim().split('\\n');
  const label = lines[lines.length - 1];  // the icon's name comes first
  if (!labels.some((r) => label === r || label.startsWith(r + ' '))) continue;
  if (label !== labels[0] && pressed.includes(label)) continue;
  button.scrollIntoView({block: 'center'});
"""
    + ARM_JS
    + """
  button.click();
  return label;
}
return null;
"""
)


def reveal(driver, timeout_s: float) -> list[str]:
    """Press, in page order, what a student presses before the rest of a page appears (untimed): each
    question's *Reveal the answer*, then *Train*, *Next word* or *Write 10 words* once each. Returns the
    buttons pressed."""
    pressed: list[str] = []
    for _ in range(40):  # a page has a few questions; each press may bring the next button
        label = driver.execute_script(REVEAL_JS, MAIN, list(REVEALING), pressed)
        if label is None:
            return pressed
        wait(driver, "action", LOAD_QUIET_MS, timeout_s)  # Train reruns the page once it has trained
        pressed.append(label)
    return pressed


def beyond(found: list[Control], before: list[Control]) -> list[Control]:
    """The controls of `found` that `before` did not have, counted by identity (labels repeat)."""
    left = Counter(c.identity for c in before)
    new = []
    for control in found:
        if left[control.identity]:
            left[control.identity] -= 1
        else:
            new.append(control)
    return new


def errors_shown(driver) -> int:
    from selenium.webdriver.common.by import By

    return len(driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'))


def time_scrub(driver, control: Control, repeats: int, timeout_s: float) -> tuple[list[float], str]:
    """Key presses on an input inside a chart, each timed to the repaint, then a 1.5 s drag (ranges)."""
    from selenium.webdriver.common.keys import Keys

    times, runs = [], 0
    for step in range(repeats):
        element = control.element(driver)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", element)
        wait(driver, "quiet", QUIET_MS, 60)  # the server's answer to the last press has been drawn
        if "forward" not in control.state:
            at_end = driver.execute_script(
                "const e = arguments[0]; return e.tagName === 'SELECT' ? e.selectedIndex === e.options.length - 1"
                " : Number(e.value) >= Number(e.max);",
                element,
            )
            # a drop-down moves with up and down, a range with left and right; from its end, back first
            lower, higher = (
                (Keys.ARROW_UP, Keys.ARROW_DOWN)
                if element.tag_name == "select"
                else (Keys.ARROW_LEFT, Keys.ARROW_RIGHT)
            )
            control.state["forward"], control.state["back"] = (lower, higher) if at_end else (higher, lower)
        driver.execute_script(ARM_JS)
        driver.execute_script(SCRUB_WATCH_JS, element)
        driver.switch_to.active_element.send_keys(control.state["forward" if step % 2 == 0 else "back"])
        result = driver.execute_async_script(SCRUB_RESULT_JS, timeout_s * 1000)
        if "error" in result:
            raise Unsettled(result["error"])
        times.append(result["ms"])
        runs += result["runs_before_paint"]
    notes = [f"server runs before the repaint: {runs} of {repeats}"]
    element = control.element(driver)
    if element.tag_name == "input":
        wait(driver, "quiet", QUIET_MS, 60)
        rate = driver.execute_async_script(SCRUB_DRAG_JS, element, 1.5)
        notes.append(f"drag: {rate:.0f} repaints/s")
        control.state["drag_per_s"] = rate
    wait(driver, "quiet", QUIET_MS, 60)
    return times, "; ".join(notes)


def time_control(driver, control: Control, repeats: int, timeout_s: float) -> tuple[list[float], str]:
    if control.kind == "scrub":
        return time_scrub(driver, control, repeats, timeout_s)
    times, notes, unseen, rebuilt = [], [], 0, []
    before = errors_shown(driver)
    for step in range(repeats):
        press(driver, control, step)
        times.append(wait(driver, "action", QUIET_MS, timeout_s))
        unseen += wait.unseen
        rebuilt.append(wait.rebuilt)
    control.state["rebuilt"] = statistics.median(rebuilt)
    if unseen:
        notes.append(f"run too fast to see in {unseen} of {repeats} presses")
    if errors_shown(driver) > before:
        notes.append("shows an error")
    restore(driver, control, repeats, timeout_s)
    return times, "; ".join(notes)


def row(page: str, control: Control, times: list[float], baseline: float | None, note: str = "") -> dict:
    median = statistics.median(times) if times else math.nan
    return {
        "page": page,
        "control": control.kind,
        "label": control.label,
        "median_ms": round(median, 1),
        "p90_ms": round(percentile(times, 0.9), 1) if times else math.nan,
        "ratio": round(median / baseline, 2) if baseline and times else math.nan,
        "trivial_ms": round(baseline, 1) if baseline else math.nan,  # the yardstick this row is compared with
        "runs": len(times),
        "note": note,
        **({"charts_rebuilt": control.state["rebuilt"]} if "rebuilt" in control.state else {}),
        **({"drag_repaints_per_s": round(control.state["drag_per_s"])} if "drag_per_s" in control.state else {}),
    }


# ---------------------------------------------------------------- the benchmark


def pages_of(driver, base_url: str) -> list[tuple[str, str]]:
    """(name, url) of every page in the sidebar navigation."""
    from selenium.webdriver.common.by import By

    links = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')
    found = []
    for link in links:
        href = (link.get_attribute("href") or "").split("?")[0].rstrip("/")
        name = href[len(base_url) :].strip("/") or "home"
        if href.startswith(base_url) and (name, href) not in found:
            found.append((name, href))
    return found


DOWNLOADS = ("PNG image", "SVG image", "Data (CSV)", "All numbers on this page (JSON)", "The script (.py)")


def press_downloads(driver, page_url: str, folder: str, timeout_s: float = 60) -> list[str]:
    """Press one download of each kind on a page, as a student would: a chart's PNG, SVG and CSV from
    its Download menu, the page's JSON and script from its export box. Returns the labels pressed."""
    from selenium.webdriver.common.by import By

    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
    open_page(driver, page_url)
    pressed = []

    def click(element) -> None:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element)
        wait(driver, "quiet", QUIET_MS, timeout_s)

    for reveal in [b for b in driver.find_elements(By.CSS_SELECTOR, MAIN + "button") if "Reveal the answer" in b.text]:
        click(reveal)  # the page's downloads hold its answer: they appear once its question is answered
    menus = driver.find_elements(By.CSS_SELECTOR, MAIN + '[data-testid="stPopover"] button')
    click(next(m for m in menus if "Download" in m.text))
    boxes = driver.find_elements(By.CSS_SELECTOR, MAIN + '[data-testid="stExpander"] summary')
    click(next(b for b in boxes if "Take these numbers" in b.text))
    for label in DOWNLOADS:
        buttons = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
        button = next((b for b in buttons if b.text.strip().endswith(label)), None)
        if button is None:  # the chart's menu closes when the page reruns: open it again
            click(next(m for m in driver.find_elements(By.CSS_SELECTOR, MAIN + '[data-testid="stPopover"] button')
                       if "Download" in m.text))  # fmt: skip
            buttons = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
            button = next(b for b in buttons if b.text.strip().endswith(label))
        click(button)
        pressed.append(label)
    deadline = time.time() + timeout_s
    while len(list(Path(folder).glob("*"))) < len(pressed) and time.time() < deadline:
        time.sleep(0.2)  # the files arrive once the server has made them (PNG and SVG through vl-convert)
    return pressed


def run(
    pages: list[str] | None = None,
    repeats: int = 6,
    max_controls: int | None = None,
    timeout_s: float = 60,
    cold_start: bool = True,
    trivial_repeats: int | None = None,
    one_per_kind: bool = False,
    kinds: set[str] | None = None,
    log=print,
) -> tuple[list[dict], list[dict]]:
    """Time every control of the chosen pages, each page next to the trivial app timed just before it.
    Returns (control rows, other rows)."""
    if not (CHROMIUM and CHROMEDRIVER):
        raise RuntimeError("needs Debian chromium and chromedriver (make browser)")
    rows, extra = [], []
    with tempfile.TemporaryDirectory() as profile:
        driver = start_browser(profile)
        try:
            # The yardstick runs beside the app and is timed again just before each page: the machine's
            # speed drifts over a long run (the trivial app's median moved 27–39 ms between runs), and a
            # page is compared with the trivial app as fast as the machine was at that moment.
            trivial = Server(ROOT / "bench" / "trivial_app.py")
            trivial_times: list[float] = []

            def yardstick() -> float:
                open_page(driver, trivial.url, selector=CHART)
                times, _ = time_control(driver, discover(driver)[0], trivial_repeats or max(repeats, 4), timeout_s)
                trivial_times.extend(times)
                return statistics.median(times)

            try:
                app = Server(ROOT / "serve.py")  # as make run, make cluster and deploy/ serve it (ui.warm at start)
                try:
                    if cold_start:
                        spawned_ms = (time.perf_counter() - app.started) * 1000
                        drawn = open_page(driver, f"{app.url}/real_model", timeout_s=240, selector=CHART)
                        for kind, ms in (
                            ("cold start: link → drawn", drawn),
                            ("cold start: server → drawn", spawned_ms + drawn),
                        ):
                            extra.append(
                                {"page": "real_model", "control": kind, "label": "fresh server", "median_ms": round(ms)}
                            )
                        log(
                            f"cold start /real_model: {drawn:.0f} ms after the link, {spawned_ms:.0f} ms for the server"
                        )
                    else:
                        open_page(driver, app.url)

                    def time_page(name: str, url: str, baseline: float, found: list, revealed_by=()) -> None:
                        """Time the controls (filtered as asked). A control that fails is
                        a finding, not the end of the run: the next starts from a fresh page, revealed again."""
                        controls = [c for c in found if not kinds or c.kind in kinds]
                        if one_per_kind:
                            controls = [
                                c for i, c in enumerate(controls) if c.kind not in {d.kind for d in controls[:i]}
                            ]
                        after = f"after {', '.join(dict.fromkeys(revealed_by))}" if revealed_by else ""
                        for control in controls[:max_controls]:
                            try:
                                times, note = time_control(driver, control, repeats, timeout_s)
                            except Exception as error:
                                times, note = [], f"{type(error).__name__}: {str(error).strip().splitlines()[0][:120]}"
                                open_page(driver, url)
                                if revealed_by:
                                    reveal(driver, timeout_s * 5)
                            note = "; ".join(n for n in (after, note) if n)
                            rows.append(row(name, control, times, baseline, note))
                            r = rows[-1]
                            log(
                                f"{name:20} {control.kind:17} {control.label[:30]:30} {r['median_ms']:>8} ms "
                                f"{r.get('charts_rebuilt', '')!s:>4} rebuilt {note}"
                            )

                    available = pages_of(driver, app.url)
                    chosen = [p for p in available if not pages or p[0] in pages]
                    for name, url in chosen:
                        baseline = yardstick()
                        log(f"trivial app before {name}: {baseline:.0f} ms")
                        try:
                            open_page(driver, url)
                        except Unsettled as error:
                            rows.append({"page": name, "control": "page load", "note": str(error)})
                            log(f"{name}: {error}")
                            continue
                        shown = discover(driver)
                        time_page(name, url, baseline, shown)
                        pressed = reveal(driver, timeout_s * 5)
                        if pressed:  # what the page shows only after its questions, Train or Next word
                            time_page(name, url, baseline, beyond(discover(driver), shown), revealed_by=pressed)
                    with tempfile.TemporaryDirectory() as folder:
                        pressed = press_downloads(driver, f"{app.url}/first_principles", folder, timeout_s)
                        arrived = len(list(Path(folder).glob("*")))
                    rss = app.peak_rss_mib()
                    label = f"every page visited, {arrived} of {len(pressed)} downloads ({', '.join(pressed)})"
                    extra.append(
                        {"page": "all visited", "control": "server peak RSS (VmHWM)", "label": label, "mib": round(rss)}
                    )
                    log(f"server peak RSS: {rss:.0f} MiB ({label})")
                finally:
                    app.stop()
            finally:
                trivial.stop()
            if trivial_times:
                median = statistics.median(trivial_times)
                rows.insert(0, row("trivial app", Control("first slider", "", 0, "n"), trivial_times, median))
                log(f"trivial app, every press: {median:.0f} ms")
        finally:
            driver.quit()
    return rows, extra


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", help="comma-separated url names (why_attention,cost,home); default: every page")
    parser.add_argument("--repeats", type=int, default=6, help="presses per control, alternating values")
    parser.add_argument("--quick", action="store_true", help="2 presses, one control of each kind per page")
    parser.add_argument("--kinds", help="comma-separated control kinds only (e.g. scrub)")
    args = parser.parse_args(argv)
    if not (CHROMIUM and CHROMEDRIVER):
        print("bench.browser skipped: needs Debian chromium and chromedriver (make browser)")
        return
    repeats = 2 if args.quick else args.repeats
    rows, extra = run(
        pages=args.pages.split(",") if args.pages else None,
        repeats=repeats,
        one_per_kind=args.quick,
        kinds=set(args.kinds.split(",")) if args.kinds else None,
    )
    rss, memory = next((e["mib"], e["label"]) for e in extra if "mib" in e)
    cold = [e for e in extra if "cold" in e["control"]]
    notes = (
        f"median and p90 from the key press until the script has finished and the DOM is quiet; ratio: median over "
        f"the trivial app's median (one slider, one 8x8 Vega-Lite heatmap) timed just before the page (trivial_ms). "
        f"{repeats} presses per control.\n"
        f"server peak RSS (VmHWM, server and children): {rss} MiB, {memory}"
    )
    name = "browser" if not args.kinds else "browser_" + "_".join(sorted(args.kinds.split(",")))  # a part: its own file
    report(name, rows + cold, notes=notes)


if __name__ == "__main__":
    main()
