"""The app shell: navigation, sidebar, home page."""

from conftest import app_test, open_link

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


def test_sidebar_works_on_every_lesson_and_a_link_restores_it():
    at = app_test(LESSONS[1].path)
    at.number_input(key="seed").set_value(7).run()
    at.selectbox(key="palette").set_value("cividis").run()
    assert not at.exception
    assert at.number_input(key="seed").value == 7
    again = open_link(LESSONS[1].path, {"seed": "7", "palette": "cividis", "presenter": "1"})
    assert not again.exception
    assert again.number_input(key="seed").value == 7 and again.selectbox(key="palette").value == "cividis"
    assert again.toggle(key="presenter").value, "a ?presenter=1 link turns presenter mode on"


def test_a_new_shared_sentence_reaches_the_pages():
    at = app_test("lessons/first_principles.py")
    at.text_area(key="shared_sentence").set_value("river bank flows").run()
    assert at.text_input(key="fp_sentence").value == "river bank flows"


def test_home_page_reruns_with_the_sidebar():
    at = app_test()
    at.number_input(key="seed").set_value(42).run()
    assert not at.exception and at.title[0].value == "Attention Lab"
    assert at.number_input(key="seed").value == 42
