"""Hostile input on every page's text boxes, and every slider at both ends: no exception, ever."""

import pytest
from conftest import app_test
from hostile_inputs import HOSTILE_INPUTS

from ui.navigation import LESSONS

PAGES = [p.path for p in LESSONS]
NO_TEXT_BOX = ("lessons/cost.py",)


def prepared(page: str):
    """The page with everything shown (the training page shows its test box after training)."""
    at = app_test(page, timeout=120)
    if page.endswith("train_attention.py"):
        at.slider(key="train_steps").set_value(20).run()
        at.button(key="train_train").click().run()
    return at


def test_there_are_at_least_forty_hostile_inputs():
    assert len(HOSTILE_INPUTS) >= 40


@pytest.mark.parametrize("page", PAGES)
def test_hostile_text_on_every_box(page):
    at = prepared(page)
    keys = [box.key for box in at.text_input if box.key]
    assert keys or page in NO_TEXT_BOX, f"{page} has no text box to attack"
    for key in keys:
        for text in HOSTILE_INPUTS:
            at.text_input(key=key).set_value(text).run()
            assert not at.exception, f"{page} {key} {text[:40]!r}: {at.exception[0].value}"
            shown = " ".join(m.value for m in at.markdown)
            assert "<script>" not in shown, f"{page}: user HTML reached markdown"
        at.text_input(key=key).set_value("The cat sat on the mat").run()


@pytest.mark.parametrize("page", PAGES)
def test_every_slider_at_both_ends(page):
    at = prepared(page)
    for kind in ("slider", "select_slider"):
        keys = [w.key for w in getattr(at, kind) if w.key]
        for key in keys:
            for end in ("min", "max"):
                widgets = [w for w in getattr(at, kind) if w.key == key]
                if not widgets or widgets[0].disabled:
                    continue  # the widget depends on another control (e.g. heads follow d_model)
                widget = widgets[0]
                if kind == "slider":
                    value = widget.min if end == "min" else widget.max
                else:
                    if str(widget.value) not in widget.options:
                        continue  # labels are formatted (10,000): such sliders are moved in test_pages
                    label = widget.options[0] if end == "min" else widget.options[-1]
                    value = label if isinstance(widget.value, str) else type(widget.value)(label)
                widget.set_value(value).run()
                assert not at.exception, f"{page} {key}={value}: {at.exception[0].value}"
                texts = " ".join(m.value for m in at.metric)
                assert "nan" not in texts.lower(), f"{page} {key}={value}: NaN shown"
