"""End to end in headless Chromium: the real server, every page, a slider moved, a sentence typed.

Screenshots go to $SCREENSHOT_DIR (docs/screenshots for the README gallery: make screenshots).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ui.navigation import HOME, LESSONS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium/chromium-driver not installed (make test installs them)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start")
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
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
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def settle(driver, timeout: float = 60) -> None:
    """Wait until the script run has finished (no running indicator for a moment)."""
    from selenium.webdriver.common.by import By

    deadline, quiet_since = time.time() + timeout, None
    while time.time() < deadline:
        running = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
        # every page starts with a title: until it is there, the first run has not drawn anything
        ready = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMainBlockContainer"] h1')
        if ready and not running:
            quiet_since = quiet_since or time.time()
            if time.time() - quiet_since > 1.5:
                return
        else:
            quiet_since = None
        time.sleep(0.25)
    raise AssertionError("the page kept running")


def assert_healthy(driver, page: str) -> None:
    from selenium.webdriver.common.by import By

    errors = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not errors, f"{page}: {errors[0].text[:500]}"


def first_slider(driver):
    """The first slider on the page that is not disabled."""
    from selenium.webdriver.common.by import By

    return next(
        s
        for s in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stSlider"]')
        if s.find_element(By.CSS_SELECTOR, "input").is_enabled()
    )


def first_slider_value(driver) -> str:
    from selenium.webdriver.common.by import By

    return first_slider(driver).find_element(By.CSS_SELECTOR, '[data-testid="stSliderThumbValue"]').text


def press_on_first_slider(driver, key) -> None:
    """Focus the first slider's (visually hidden) range input and press a key, as a keyboard user does."""
    from selenium.webdriver.common.by import By

    driver.execute_script("arguments[0].focus();", first_slider(driver).find_element(By.CSS_SELECTOR, "input"))
    driver.switch_to.active_element.send_keys(key)


def url_path(page: str) -> str:
    return "" if page == HOME.path else Path(page).stem


@pytest.mark.parametrize("page", [HOME.path, *[p.path for p in LESSONS]])
def test_page_in_a_real_browser(server, browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server}/{url_path(page)}")
    settle(browser, timeout=120)
    assert_healthy(browser, page)
    title = browser.find_elements(By.CSS_SELECTOR, "h1")
    assert title and title[0].text.strip()
    # a direct link must go through app.py: our navigation and the shared sidebar
    navigation = " ".join(a.text for a in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a'))
    assert all(lesson.title in navigation for lesson in LESSONS), navigation
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] textarea')
    out = Path(os.environ.get("SCREENSHOT_DIR", ROOT / ".pytest_cache" / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(out / f"{url_path(page) or 'home'}.png"))  # as a new user first sees it
    if page != HOME.path:
        chart_css = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
        if not browser.find_elements(By.CSS_SELECTOR, chart_css):  # e.g. Train: charts come after its button
            browser.find_element(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stBaseButton-primary"]').click()
            settle(browser, timeout=120)
        assert browser.find_elements(By.CSS_SELECTOR, chart_css), f"{page}: no chart rendered"
        sliders = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stSlider"]')
        if sliders:
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", first_slider(browser))
            before = first_slider_value(browser)
            for key in (Keys.ARROW_LEFT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT):  # at its minimum, left does nothing
                press_on_first_slider(browser, key)
                settle(browser)
                assert_healthy(browser, page)
                if first_slider_value(browser) != before:
                    break
            assert first_slider_value(browser) != before, f"{page}: the slider did not move"
        boxes = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stTextInput"] input')
        if boxes:
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", boxes[0])
            boxes[0].send_keys(Keys.CONTROL, "a")
            boxes[0].send_keys("The student said he was tired", Keys.ENTER)
            settle(browser)
            assert_healthy(browser, page)


def test_a_shared_link_opens_the_same_view(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/first_principles?fp_temperature=2.5&fp_d=5")
    settle(browser, timeout=120)
    assert_healthy(browser, "shared link")
    values = [
        v.text
        for v in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stSliderThumbValue"]')
    ]
    assert values[:2] == ["5", "2.50"], values
