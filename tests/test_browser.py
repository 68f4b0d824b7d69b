"""What a student sees, in headless Chromium against the real server.

Every page at classroom widths (1024 and 1400 px) with a 3-, a 12- and a 40-word sentence, and on a phone
(390 px): no chart wider than its column, no sideways scrolling, no formula, table or label cut off by its
box, no raw Python values or error text, every chart drawn with marks and a readable height, predict-first
feedback absent until answered. Also: a fresh server's first request is a lesson's direct link (the
`pages/` shim would run it without app.py), presenter styling on a link's first load, a slider moved with
the keyboard, a sentence typed, a shared link.

Screenshots go to $SCREENSHOT_DIR (docs/screenshots for the README gallery: make screenshots).
"""

import os
import shutil
import urllib.parse
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException

from bench.look import SENTENCES, charts, chromium, cut_off, full_page_screenshot, overflowing, raw_text, server, settle
from ui.navigation import FIRST_PRINCIPLES, HOME, LESSONS, MULTI_HEAD, POSITIONAL, QKV, REAL_MODEL, STATIC, WHY

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Debian chromium/chromium-driver not installed (make test installs them)",
)
MAIN = '[data-testid="stMain"]'
# Widths × sentence lengths seen on every page (the long sentence at the narrow width, where it is hardest),
# and a phone's width.
VIEWS = [(1024, 40), (1024, 3), (1400, 12), (390, 12)]
MAP = '[class*="st-key-course_map_"]'  # ui.course's map, drawn once per layout: CSS shows the one that fits


@pytest.fixture(scope="module")
def app_url():
    with server() as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(1400, 1000, profile=str(tmp_path_factory.mktemp("chromium"))) as driver:
        yield driver


def find(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def assert_healthy(driver, where: str) -> None:
    errors = find(driver, '[data-testid="stException"]')
    assert not errors, f"{where}: {errors[0].text[:500]}"
    # KaTeX writes what it cannot read as its source in red (#cc0000), or as .katex-error when it gives up
    broken = driver.execute_script(
        "return [...document.querySelectorAll('.katex [style*=\"color: rgb(204, 0, 0)\"], .katex-error')]"
        ".map((e) => e.textContent);"
    )
    assert not broken, f"{where}: a formula does not render: {broken}"


def course_map(driver) -> list:
    """The course map's drawing in sight (its phone or its wide layout), waiting for Vega to draw it."""
    from selenium.webdriver.support.ui import WebDriverWait

    def drawn(_) -> list:
        return [e for e in find(driver, f"{MAP} svg.marks") if e.is_displayed()]

    try:
        return WebDriverWait(driver, 15).until(drawn)
    except TimeoutException:
        return []


def click_step(driver, step: str) -> None:
    """Click the middle of a step's box on the map in sight (where its label is written), and wait."""
    from selenium.webdriver.common.action_chains import ActionChains

    from ui.course import STEPS

    box = course_map(driver)[0].find_elements("css selector", "g.mark-rect path")[[s.id for s in STEPS].index(step)]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    ActionChains(driver).move_to_element(box).click().perform()
    settle(driver)


def lesson_charts(driver) -> list:
    """The page's own charts: every Vega-Lite chart but the course map."""
    return driver.execute_script(
        f"return [...document.querySelectorAll('{MAIN} [data-testid=\"stVegaLiteChart\"]')]"
        f".filter((c) => !c.closest('{MAP}'));"
    )


def open_page(driver, url: str, page, query: dict | None = None) -> None:
    driver.get(f"{url}/{page.url_path}" + (f"?{urllib.parse.urlencode(query)}" if query else ""))
    settle(driver)
    assert_healthy(driver, page.title)


def test_a_fresh_server_opens_a_lesson_link_through_the_app(browser):
    """The very first request of a new server is a lesson's direct link: our navigation and the
    shared sidebar must be there (Streamlit's pages/ shim would run the lesson file alone)."""
    with server() as url:
        open_page(browser, url, FIRST_PRINCIPLES)
        navigation = " ".join(a.text for a in find(browser, '[data-testid="stSidebarNav"] a'))
        assert all(lesson.title in navigation for lesson in LESSONS), navigation
        assert find(browser, '[data-testid="stSidebar"] textarea')


def test_presenter_link_is_styled_on_its_first_load(app_url, browser):
    open_page(browser, app_url, FIRST_PRINCIPLES, {"presenter": "1"})
    size = browser.execute_script("return getComputedStyle(document.documentElement).fontSize")
    assert size == "20px", size
    assert len(find(browser, f"{MAIN} h2")) == 1  # one section at a time
    assert not overflowing(browser)
    open_page(browser, app_url, FIRST_PRINCIPLES)  # without the flag: ordinary type
    assert browser.execute_script("return getComputedStyle(document.documentElement).fontSize") != "20px"


@pytest.mark.parametrize("page", [HOME, *LESSONS], ids=lambda p: p.id)
def test_every_page_fits_and_reads_well(app_url, browser, page):
    for width, words in VIEWS:
        browser.set_window_size(width, 1000)
        open_page(browser, app_url, page, {"shared_sentence": SENTENCES[words]})
        where = f"{page.title} at {width} px, {words} words"
        assert find(browser, "h1") and find(browser, "h1")[0].text.strip(), where
        assert not overflowing(browser), f"{where}: {overflowing(browser)}"
        assert not cut_off(browser), f"{where}: text cut off by its box {cut_off(browser)}"
        assert not raw_text(browser), f"{where}: raw text on screen {raw_text(browser)}"
        for chart in charts(browser):
            assert chart["height"] >= 60 and chart["marks"] > 0, f"{where}: unreadable chart {chart}"
        assert len(course_map(browser)) == 1, f"{where}: not one course map in sight"
        if page is not HOME and not lesson_charts(browser):
            assert page.id == "train", f"{where}: no chart drawn"  # Train draws its charts after its button
        out = Path(os.environ.get("SCREENSHOT_DIR", ROOT / ".pytest_cache" / "screenshots"))
        if (width, words) == (1024, 40):
            out.mkdir(parents=True, exist_ok=True)
            full_page_screenshot(browser, out / f"{page.url_path or 'home'}.png", width)
        if (width, page) == (390, FIRST_PRINCIPLES):  # the README's phone picture: one screen, as a phone shows it
            browser.set_window_size(width, 844)
            settle(browser)
            browser.save_screenshot(str(out / "phone_first_principles.png"))
    browser.set_window_size(1400, 1000)


@pytest.mark.parametrize("page", LESSONS, ids=lambda p: p.id)
def test_controls_answer_and_predictions_hold_back(app_url, browser, page):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, app_url, page)
    box = '[class*="st-key-predict_box_"]'  # ui.quiz.predict's container
    feedback = ", ".join(f'{box} [data-testid="{kind}"]' for kind in ("stAlertContentSuccess", "stAlertContentError"))
    questions = find(browser, f'{box} [data-testid="stRadio"]')
    assert not find(browser, feedback), f"{page.title}: an answer is shown before the question is answered"
    if questions:
        option = questions[0].find_elements("css selector", '[data-testid="stRadioOption"]')[0]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", option)
        option.click()
        settle(browser)
        assert_healthy(browser, page.title)
        assert find(browser, feedback), f"{page.title}: answering gave no feedback"
    sliders = [
        s
        for s in find(browser, f'{MAIN} [data-testid="stSlider"]')
        if s.find_element("css selector", "input").is_enabled()
    ]
    if sliders:
        thumb = sliders[0].find_element("css selector", '[data-testid="stSliderThumbValue"]')
        before = thumb.text
        for key in (Keys.ARROW_RIGHT, Keys.ARROW_LEFT, Keys.ARROW_LEFT):  # at its maximum, right does nothing
            browser.execute_script("arguments[0].focus();", sliders[0].find_element("css selector", "input"))
            browser.switch_to.active_element.send_keys(key)
            settle(browser)
            assert_healthy(browser, page.title)
            thumb = find(browser, f'{MAIN} [data-testid="stSlider"] [data-testid="stSliderThumbValue"]')[0]
            if thumb.text != before:
                break
        assert thumb.text != before, f"{page.title}: the slider did not move"
    boxes = find(browser, f'{MAIN} [data-testid="stTextInput"] input')
    if boxes:
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", boxes[0])
        boxes[0].send_keys(Keys.CONTROL, "a")
        boxes[0].send_keys("The student said he was tired", Keys.ENTER)
        settle(browser)
        assert_healthy(browser, page.title)


def test_one_question_per_idea_and_what_answers_it_waits(app_url, browser):
    """First-principles asks "which word will “it” attend to most?" once: answering it inside its section
    (a fragment) also draws "Where it fails" further down, which waited for it; no second question is left."""
    open_page(browser, app_url, FIRST_PRINCIPLES)
    box = f'{MAIN} [class*="st-key-predict_box_"]'
    assert len(find(browser, box)) == 1
    assert not any("attends most to" in t for t in texts(browser, '[data-testid="stMarkdownContainer"]'))
    menu = find(browser, f'{box} input[role="combobox"]')[0]  # ten words: a menu
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", menu)
    menu.click()
    browser.execute_script("arguments[0].click();", find(browser, '[role="option"]')[0])
    settle(browser)
    assert_healthy(browser, FIRST_PRINCIPLES.title)
    assert "You chose “the”" in " ".join(texts(browser, '[data-testid="stAlertContentSuccess"]'))
    assert any("attends most to" in t for t in texts(browser, '[data-testid="stMarkdownContainer"]'))
    assert not any("Choose an answer first" in t for t in texts(browser, '[data-testid="stCaptionContainer"]'))


def test_a_shared_link_opens_the_same_view(app_url, browser):
    open_page(browser, app_url, FIRST_PRINCIPLES, {"fp_temperature": "2.5", "fp_d": "5"})
    values = [v.text for v in find(browser, f'{MAIN} [data-testid="stSliderThumbValue"]')]
    assert values[:2] == ["5", "2.50"], values


def test_the_map_opens_the_lesson_that_teaches_a_step_and_the_footer_goes_on(app_url, browser):
    """A click on a step opens its lesson in the same session (the answer already given is still counted),
    on a lesson's compact map at 1024 px and on the home page's full map at a phone's width."""
    browser.set_window_size(1024, 1000)
    open_page(browser, app_url, STATIC)
    option = find(browser, f'{MAIN} [class*="st-key-predict_box_"] [data-testid="stRadioOption"]')[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", option)
    option.click()
    settle(browser)
    # The question sits in a fragment: answering reruns the whole page once, so the header's line follows.
    header = texts(browser, '[data-testid="stCaptionContainer"]')
    assert any("Lesson 2 of" in t and "of 1 right, on 1 of" in t for t in header), header
    click_step(browser, "pos")
    assert urllib.parse.urlparse(browser.current_url).path == f"/{POSITIONAL.url_path}", browser.current_url
    assert_healthy(browser, POSITIONAL.title)
    captions = texts(browser, '[data-testid="stCaptionContainer"]')
    assert any("Lesson 4 of" in t and "of 1 right, on 1 of" in t for t in captions), captions
    browser.set_window_size(390, 1000)
    open_page(browser, app_url, HOME)
    click_step(browser, "qkv")
    assert urllib.parse.urlparse(browser.current_url).path == f"/{QKV.url_path}", browser.current_url
    links = find(browser, f'{MAIN} [data-testid="stPageLink-NavLink"]')
    following = next(a for a in links if "Next:" in a.get_attribute("textContent"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", following)
    following.click()
    settle(browser)
    assert urllib.parse.urlparse(browser.current_url).path == f"/{MULTI_HEAD.url_path}", browser.current_url
    browser.set_window_size(1400, 1000)


def test_clicking_a_head_in_the_atlas_opens_it(app_url, browser):
    """Inside a real model: a click on the cell of layer 0, head 2 opens that head (and puts it in the URL)."""
    from selenium.webdriver.common.action_chains import ActionChains

    from ui.navigation import REAL_MODEL

    browser.set_window_size(1400, 1000)
    open_page(browser, app_url, REAL_MODEL)
    atlas = lesson_charts(browser)[0].find_element("css selector", "canvas, svg")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", atlas)
    left, top, width, height = browser.execute_script(
        "const b = arguments[0].getBoundingClientRect(); return [b.left, b.top, b.width, b.height];", atlas
    )
    # 12 head columns right of the layer labels; row 0 sits under the title and the top axis, so step down to it
    x = int(width - (width - 53) / 12 * 9.5) - width // 2  # the centre of column 2, from the right edge
    for y in range(int(height * 0.08), int(height * 0.5), 10):
        ActionChains(browser).move_to_element_with_offset(atlas, x, y - height // 2).click().perform()
        settle(browser)
        if "real_head=" in browser.current_url:
            break
    query = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)
    assert query.get("real_layer") == ["0"] and query.get("real_head") == ["2"], browser.current_url
    assert_healthy(browser, "atlas click")


# Links that put a page's controls at their ends (the largest and smallest matrices each page draws).
EXTREMES = {
    "first_principles": [{"fp_d": "32", "fp_temperature": "0.1"}, {"fp_d": "1", "fp_temperature": "5.0"}],
    "static_embeddings": [{"static_d": "1"}],
    "positional_encoding": [
        {"pe_positions": "128", "pe_d_model": "128", "pe_table_rows": "64", "pe_position": "127",
         "pe_dimension": "127"},
        {"pe_positions": "2", "pe_d_model": "2"},
    ],
    "qkv": [{"qkv_source": "MiniLM input table (384-d)", "qkv_d_k": "64", "qkv_temperature": "0.1"},
            {"qkv_d_model": "2", "qkv_d_k": "1", "qkv_temperature": "5"}],
    "multi_head": [{"mha_d_model": "64", "mha_heads_64": "16", "mha_layers": "6"}],
    "why_attention": [{"why_max_n": "128", "why_step": "1"}],
    "real_model": [{"real_layer": "0", "real_head": "0"}],
}  # fmt: skip


@pytest.mark.parametrize("path", list(EXTREMES))
def test_controls_at_their_ends_still_fit(app_url, browser, path):
    page = next(p for p in LESSONS if p.url_path == path)
    browser.set_window_size(1024, 1000)
    for query in EXTREMES[path]:
        open_page(browser, app_url, page, {**query, "shared_sentence": SENTENCES[12]})
        where = f"{page.title} with {query} at 1024 px"
        assert not overflowing(browser), f"{where}: {overflowing(browser)}"
        assert not cut_off(browser), f"{where}: text cut off by its box {cut_off(browser)}"
        assert not raw_text(browser), f"{where}: raw text on screen {raw_text(browser)}"
        assert not find(browser, '[data-testid="stToast"]'), f"{where}: a link value was refused"
        for chart in charts(browser):
            assert chart["height"] >= 60 and chart["marks"] > 0, f"{where}: unreadable chart {chart}"
        assert not misplaced_inputs(browser), f"{where}: {misplaced_inputs(browser)}"
    browser.set_window_size(1400, 1000)


def misplaced_inputs(driver) -> list[str]:
    """Inputs bound inside a chart (ui.scrub) that are not above it, on one line, inside its column."""
    return driver.execute_script(
        """const bad = [];
        for (const form of document.querySelectorAll('[data-testid="stMain"] .vega-bindings')) {
          const chart = form.parentElement.querySelector('canvas, svg');
          if (!form.children.length || !chart) continue;
          const box = form.getBoundingClientRect(), drawn = chart.getBoundingClientRect();
          if (box.bottom > drawn.top + 1) bad.push(`${form.textContent}: not above its chart`);
          for (const label of form.querySelectorAll('label')) {
            const parts = [...label.children].map((e) => e.getBoundingClientRect());
            if (Math.max(...parts.map((r) => r.top)) > Math.min(...parts.map((r) => r.bottom)))
              bad.push(`${label.textContent}: its label, input and value are on different lines`);
            if (label.getBoundingClientRect().right > drawn.right + 2)
              bad.push(`${label.textContent}: wider than its chart`);
          }
        }
        return bad;"""
    )


def test_the_share_link_is_the_address_of_this_view(app_url, browser):
    """Move a slider (in a fragment) and back to its default: the address bar and the "Share this view"
    link follow it (changed values only), and the link opens the same view in a new session."""
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1400, 1000)
    open_page(browser, app_url, FIRST_PRINCIPLES)
    key = "fp_temperature"
    slider = find(browser, f".st-key-{key}")[0]
    for press in (Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_RIGHT):  # two down, one back: away from the default
        browser.execute_script("arguments[0].focus();", slider.find_element("css selector", "input"))
        browser.switch_to.active_element.send_keys(press)
        settle(browser)
    moved = find(browser, f'.st-key-{key} [data-testid="stSliderThumbValue"]')[0].text
    find(browser, '[data-testid="stSidebar"] [data-testid="stPopover"] button')[0].click()
    settle(browser)
    link, hidden = browser.execute_script(
        "const box = document.querySelector('textarea.share-link-address');"
        "return [box.value, box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1];"
    )
    assert link == browser.current_url, (link, browser.current_url)
    assert not hidden, "the share box hides part of the link"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)
    assert list(query) == [key], query  # only what changed; never an answer
    browser.get(link)
    settle(browser)
    assert find(browser, f'.st-key-{key} [data-testid="stSliderThumbValue"]')[0].text == moved != "1.00"


def test_a_presenter_link_stays_in_the_address_and_the_shared_sentence_reaches_the_box(app_url, browser):
    """?presenter=1 stays in the address (also after a control moves); a new sidebar sentence replaces
    the page's own box, also after the student typed there."""
    from selenium.webdriver.common.keys import Keys

    open_page(browser, app_url, FIRST_PRINCIPLES, {"presenter": "1"})
    assert "presenter=1" in browser.current_url, browser.current_url
    browser.execute_script("arguments[0].focus();", find(browser, ".st-key-fp_d input")[0])
    browser.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    settle(browser)
    assert "presenter=1" in browser.current_url and "fp_d=10" in browser.current_url, browser.current_url
    open_page(browser, app_url, FIRST_PRINCIPLES)
    box = find(browser, ".st-key-fp_sentence input")[0]
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("my own words here", Keys.ENTER)
    settle(browser)
    shared = find(browser, ".st-key-shared_sentence textarea")[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", shared)
    shared.send_keys(Keys.CONTROL, "a")
    shared.send_keys("a dog chased the red ball")
    shared.send_keys(Keys.CONTROL, Keys.ENTER)
    settle(browser)
    assert find(browser, ".st-key-fp_sentence input")[0].get_attribute("value") == "a dog chased the red ball"
    assert "fp_sentence" not in browser.current_url, browser.current_url


def test_folded_panels_fill_when_opened(app_url, browser):
    """The code panel and the export box are built only when opened: a click shows their contents."""
    browser.set_window_size(1400, 1000)
    open_page(browser, app_url, FIRST_PRINCIPLES)
    reveal = find(browser, ".st-key-fp_predict_reveal button")[0]  # the downloads wait for the page's question
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", reveal)
    settle(browser)
    for label, inside in (
        ("Show the code this page runs", "stCode"),
        ("Take these numbers with you", "stDownloadButton"),
    ):
        box = next(e for e in find(browser, f'{MAIN} [data-testid="stExpander"]') if label in e.text)
        assert not box.find_elements("css selector", f'[data-testid="{inside}"]'), f"{label}: built while folded"
        summary = box.find_element("css selector", "summary")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", summary)
        settle(browser)
        box = next(e for e in find(browser, f'{MAIN} [data-testid="stExpander"]') if label in e.text)
        assert box.find_elements("css selector", f'[data-testid="{inside}"]'), f"{label}: empty once opened"
        assert_healthy(browser, label)


def press_slider(driver, label: str, key) -> None:
    """A key on a Streamlit slider found by its label, then wait for the server."""
    press_key(driver, f'{MAIN} [data-testid="stSlider"]', label, "input", key)


def press_scrub(driver, label: str, key) -> None:
    """A key on an input bound inside a chart (ui.scrub), found by its label, then wait for the server."""
    press_key(driver, f"{MAIN} .vega-bind", label, "input, select", key)


def press_key(driver, css: str, label: str, target: str, key) -> None:
    control = next(c for c in find(driver, css) if c.text.startswith(label))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", control)
    driver.execute_script("arguments[0].focus();", control.find_element("css selector", target))
    driver.switch_to.active_element.send_keys(key)
    settle(driver)


def flip(driver, switch) -> None:
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", switch)
    driver.execute_script("arguments[0].focus();", switch.find_element("css selector", "input"))
    driver.switch_to.active_element.send_keys(Keys.SPACE)
    settle(driver)


def texts(driver, css: str) -> list[str]:
    return [e.text for e in find(driver, f"{MAIN} {css}")]


def test_nested_sections_redraw_their_part_and_nothing_twice(app_url, browser):
    """Controls in nested fragments (a slider drawn into its parent's row, a switch with its own
    table) redraw what they drive, in place, once; AppTest runs whole scripts and cannot see this."""
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1400, 1000)
    open_page(browser, app_url, WHY, {"why_sentence": "money bank grows"})
    press_scrub(browser, "Step", Keys.ARROW_LEFT)  # bound inside the memory chart: the words read follow
    assert any("Read 2 of 3 words" in t for t in texts(browser, '[data-testid="stMarkdown"]')), "Step did not redraw"
    assert "why_step=2" in browser.current_url, browser.current_url
    assert len(charts(browser)) >= 3, "a chart went missing after a step"

    open_page(browser, app_url, STATIC)
    for key in (Keys.ARROW_LEFT, Keys.ARROW_LEFT):
        press_scrub(browser, "Features used", key)  # bound inside the similarity chart
    assert any("× 9 features used" in t for t in texts(browser, '[data-testid="stExpander"]')), "table not redrawn"
    press_slider(browser, "royalty", Keys.ARROW_LEFT)  # the parent fragment reruns the nested one
    bound = [" ".join(b.text.split()) for b in find(browser, f"{MAIN} .vega-bind") if "Features used" in b.text]
    assert bound == ["Features used 9"], bound  # one input, still where it was left, never piled up
    assert any("× 9 features used" in t for t in texts(browser, '[data-testid="stExpander"]')), "table not redrawn"

    switch = next(t for t in find(browser, f'{MAIN} [data-testid="stCheckbox"]') if "Show numbers" in t.text)
    tables = len(find(browser, f'{MAIN} [data-testid="stDataFrame"]'))
    for expected in (tables + 1, tables):  # on, then off again
        flip(browser, switch)
        assert len(find(browser, f'{MAIN} [data-testid="stDataFrame"]')) == expected, "Show numbers did not answer"
        switch = next(t for t in find(browser, f'{MAIN} [data-testid="stCheckbox"]') if "Show numbers" in t.text)

    open_page(browser, app_url, REAL_MODEL)
    flip(browser, next(t for t in find(browser, f'{MAIN} [data-testid="stCheckbox"]') if "Hide [CLS]" in t.text))
    assert_healthy(browser, REAL_MODEL.title)
    assert len([t for t in texts(browser, '[data-testid="stCheckbox"]') if "Hide [CLS]" in t]) == 1


def test_token_pickers_show_the_token_their_charts_use_after_a_new_sentence(app_url, browser):
    """A choice the new sentence lacks ("it") goes back to a word the sentence has: the box must
    say so too, not keep showing "it" while the chart beside it follows another token."""
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1400, 1000)
    open_page(browser, app_url, REAL_MODEL)
    box = find(browser, f'{MAIN} [data-testid="stTextInput"] input')[0]
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("The cat sat on the mat", Keys.ENTER)
    settle(browser)
    assert_healthy(browser, REAL_MODEL.title)
    shown = {  # a selectbox shows its choice as the value of its combobox input
        e.text: e.find_element("css selector", "input").get_attribute("value")
        for e in find(browser, f'{MAIN} [data-testid="stSelectbox"]')
    }
    row = find(browser, f'{MAIN} select[name="real_source_row"]')[0]  # the row picker inside the head map
    assert row.get_attribute("value") == "the", row.get_attribute("value")
    assert "it" not in shown.values() and "animal" not in shown.values(), shown
    assert any("where “the” looks" in t for t in texts(browser, '[data-testid="stMarkdown"]'))


def test_the_rollout_formula_renders_once_the_question_is_answered(app_url, browser):
    """The formula under the real model's last question is drawn only after the answer (KaTeX showed
    "\\quadR" in red where two lines of its source met without a space)."""
    open_page(browser, app_url, REAL_MODEL)
    reveal = find(browser, f'{MAIN} [class*="st-key-{REAL_MODEL.id}_predict_reveal"] button')[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", reveal)
    reveal.click()
    settle(browser)
    assert_healthy(browser, REAL_MODEL.title)
    assert any("share" in f.text for f in find(browser, f"{MAIN} .katex-display")), "the rollout formula is missing"


def test_a_scrub_input_repaints_its_chart_with_no_script_run_and_reaches_the_link(app_url, browser):
    """ui.scrub: the real model's Head input moves the head map in the browser (no script run before the
    repaint), then the server hears the final value: the page's text follows and the link carries it."""
    from selenium.webdriver.common.keys import Keys

    from bench.browser import ARM_JS, INIT_JS, SCRUB_RESULT_JS, SCRUB_WATCH_JS

    browser.set_window_size(1024, 1000)
    open_page(browser, app_url, REAL_MODEL)
    browser.execute_script(INIT_JS)
    inputs = find(browser, f"{MAIN} .vega-bind input, {MAIN} .vega-bind select")
    names = [i.find_element("xpath", "..").find_element("css selector", ".vega-bind-name").text for i in inputs]
    assert names == ["Layer", "Head", "Show one token's row"], names  # labelled, in reading order
    head = find(browser, 'input[name="real_head_real_head"]')[0]
    assert head.get_attribute("value") == "11"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", head)
    browser.execute_script(ARM_JS)
    browser.execute_script(SCRUB_WATCH_JS, head)
    browser.switch_to.active_element.send_keys(Keys.ARROW_LEFT)  # keyboard operable
    result = browser.execute_async_script(SCRUB_RESULT_JS, 10_000)
    assert "error" not in result and result["runs_before_paint"] == 0, result
    # the input picked the head's own column of weights: a map of many colours, not cells left blank
    colours = browser.execute_script(
        "const c = arguments[0].closest('.vega-embed').querySelector('canvas');"
        "return new Set(new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer)).size;",
        head,
    )
    assert colours > 100, colours
    settle(browser)
    assert "real_head=10" in browser.current_url, browser.current_url
    assert "(one per token), L5 H10 " in find(browser, MAIN)[0].text  # the head sentence follows the input
    browser.get(browser.current_url)  # the link restores the scrubbed head
    settle(browser)
    assert find(browser, 'input[name="real_head_real_head"]')[0].get_attribute("value") == "10"
    assert "(one per token), L5 H10 " in find(browser, MAIN)[0].text  # the head sentence follows the input
    assert_healthy(browser, "scrubbed link")


def test_a_phone_lists_a_words_features_in_their_order(app_url, browser):
    """Static embeddings' Edit one word: on a phone, where columns stack, the feature sliders still read in the
    table's order (rows of four, not every fourth feature first)."""
    from core.embeddings import toy_vocabulary

    features = list(toy_vocabulary().dimensions)
    browser.set_window_size(390, 1000)
    open_page(browser, app_url, STATIC)
    placed = browser.execute_script(
        f"return [...document.querySelectorAll('{MAIN} [data-testid=\"stSlider\"]')].map((e) => {{"
        "const box = e.getBoundingClientRect();"
        "return [Math.round(box.top + window.scrollY), Math.round(box.left), e.querySelector('label').innerText];});"
    )
    shown = [label for _, _, label in sorted(placed) if label in features]
    browser.set_window_size(1400, 1000)
    assert shown == features, shown


def test_the_page_writes_a_scrubbed_number_as_its_input_does(app_url, browser):
    """Q/K/V's Temperature input writes 1.0 as "1" beside itself (a range input's own text): the caption under
    the chart and the formula say the same number, before and after the input moves."""
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1400, 1000)
    open_page(browser, app_url, QKV, {"qkv_step": "weights"})  # the step whose formula has the temperature
    temperature = find(browser, 'input[name="qkv_temperature_qkv_temperature"]')[0]
    for press in (None, Keys.ARROW_RIGHT):
        if press:
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", temperature)
            browser.switch_to.active_element.send_keys(press)
            settle(browser)
        shown = temperature.find_element("xpath", "following-sibling::span").text  # Vega's own text of the value
        captions = texts(browser, '[data-testid="stCaptionContainer"]')
        assert any(c.startswith(f"At temperature {shown}:") for c in captions), (shown, captions)
        formulas = " ".join(f.text for f in find(browser, f"{MAIN} .katex-display"))
        assert f"/{shown})" in formulas.replace(" ", "").replace("′", ""), (shown, formulas)
    assert shown == "1.1"


def test_the_decoder_lesson_writes_on_a_phone_and_presents_on_a_projector(app_url, browser):
    """Attention that writes at 390 px: the question, then the bars; Write 10 words adds ten words, each
    with its row, and nothing scrolls sideways. From a ?presenter=1 link at 1920 px: presenter type and
    only the first section until Next."""
    gpt = next(p for p in LESSONS if p.id == "gpt")
    browser.set_window_size(390, 844)
    open_page(browser, app_url, gpt)
    assert not find(browser, 'input[name="gpt_temperature_gpt_temperature"]')  # held back until answered
    waiting = next(b for b in find(browser, f"{MAIN} button") if b.text.startswith("Write 10 words"))
    assert not waiting.is_enabled()  # writing the next word would answer the question too
    reveal = find(browser, f'{MAIN} [class*="st-key-gpt_predict_"] button')[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", reveal)
    reveal.click()
    settle(browser)
    assert find(browser, 'input[name="gpt_temperature_gpt_temperature"]')
    write = next(b for b in find(browser, f"{MAIN} button") if b.text.startswith("Write 10 words"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", write)
    write.click()
    settle(browser, timeout=120)
    assert_healthy(browser, gpt.title)
    new_word = find(browser, 'input[name="gpt_word_gpt_word"]')[0]
    assert new_word.get_attribute("max") == new_word.get_attribute("value") == "10"  # the row of the last word
    assert not overflowing(browser), overflowing(browser)
    browser.set_window_size(1920, 1080)
    open_page(browser, app_url, gpt, {"presenter": "1"})
    assert browser.execute_script("return getComputedStyle(document.documentElement).fontSize") == "20px"
    headings = [h.text for h in find(browser, f"{MAIN} h2")]
    assert headings == ["1 · The next word"], headings
    browser.set_window_size(1400, 1000)


# Every number a canvas chart writes in a heatmap cell (two decimals, as ui.specs.heatmap formats them), with its font.
CELL_FONTS_HOOK = """
window.__cellFonts = [];
const fill = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  if (/^[−-]?\\d+\\.\\d\\d$/.test(String(text))) window.__cellFonts.push([String(text), this.font]);
  return fill.call(this, text, ...rest);
};
"""


def test_presenter_cell_numbers_are_at_least_14_px_at_1920(app_url, browser):
    """Q, K, V from a ?presenter=1 link at 1920 px, every step and its numbers shown: each number written in a
    cell is drawn at 14 px or more (read from the canvas as Vega draws it); the same page at 1024 px keeps 11 px
    in its narrow maps."""
    import re

    hook = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CELL_FONTS_HOOK})
    try:
        sizes = {}
        for width, query in ((1920, {"presenter": "1"}), (1024, {})):
            browser.set_window_size(width, 1080)
            numbers = {f"qkv_{name}_numbers": "true" for name in ("Q", "K", "V", "raw", "scaled", "output")}
            link = {**query, **numbers, "qkv_step": "output", "shared_sentence": SENTENCES[3]}  # every cell written
            open_page(browser, app_url, QKV, link)
            drawn = browser.execute_script("return window.__cellFonts")
            sizes[width] = [float(re.search(r"([\d.]+)px", font).group(1)) for _, font in drawn]
        assert len(sizes[1920]) >= 7 * 9 and min(sizes[1920]) >= 14, sizes[1920]  # Q, K, V (3 × 4 each), 3 × 3 maps
        assert min(sizes[1024]) >= 11, sizes[1024]
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]})
        browser.set_window_size(1400, 1000)
