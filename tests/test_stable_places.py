"""A control that changes the numbers keeps every chart in its place (ui.charts.kept_place): the browser
matches elements by their place, and a chart moved by one caption that came or went is built anew
instead of having its data swapped. Each case below moved every chart of its section before."""

import json

import pytest
from conftest import app_test, is_course_map

SENTENCE = "The cat sat on the mat because it was warm"
CASES = [
    ("qkv", "toggle", "qkv_edit", True),  # three weight editors appear above the charts
    ("qkv", "radio", "qkv_kind", "trained (MiniLM)"),  # the Embeddings X radio goes, a note comes
    ("qkv", "slider", "qkv_d_model", 9),  # the "Identical rows" note goes
    ("first_principles", "text_input", "fp_sentence", SENTENCE),  # the unknown-words note comes
    ("gpt", "text_input", "gpt_prompt", "the dog sat on the mat zebra"),  # the unknown-words notice comes
]


def chart_places(at) -> list[tuple[int, ...]]:
    """Where each chart sits: its path of places in the page's tree of blocks, in page order."""
    found = []

    def walk(node, path: tuple[int, ...]) -> None:
        for i, child in enumerate(getattr(node, "children", {}).values()):
            if getattr(child, "type", "") == "vega_lite_chart" and not is_course_map(json.loads(child.proto.spec)):
                found.append((*path, i))
            walk(child, (*path, i))

    walk(at._tree, ())
    return found


@pytest.mark.parametrize(("page", "kind", "key", "value"), CASES, ids=[c[2] for c in CASES])
def test_a_control_leaves_every_chart_in_its_place(page, kind, key, value):
    at = app_test(f"lessons/{page}.py", timeout=120)
    before = chart_places(at)
    getattr(at, kind)(key=key).set_value(value)
    at.run()
    assert not at.exception
    after = chart_places(at)
    assert before and after == before
