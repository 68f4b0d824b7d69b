"""The app shell: navigation, sidebar, home page."""
from conftest import app_test

from ui.navigation import LESSONS


def test_home_page_links_every_lesson():
    at = app_test()
    assert not at.exception
    assert at.title[0].value == "Attention Lab"
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    for page in LESSONS:
        assert page.teaches[:30] in text


def test_sidebar_has_sentence_device_and_seed():
    at = app_test()
    assert at.text_area(key="shared_sentence").value
    assert "cpu" in at.selectbox(key="device").options
    assert at.number_input(key="seed").value == 0
