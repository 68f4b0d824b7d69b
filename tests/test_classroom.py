"""Classroom features: links that reproduce a view, presenter mode, predictions, exports."""

import json
import xml.dom.minidom

import pytest
import streamlit
import torch
from conftest import APP, app_test, open_link, url_value
from streamlit.testing.v1 import AppTest

from ui.export import png_bytes, spec_table, svg_text
from ui.navigation import LESSONS
from ui.quiz import feedback
from ui.specs import heatmap


def sliders_moved(at: AppTest, limit: int = 3) -> dict:
    """Move up to `limit` enabled sliders away from where they start (to their maximum, or their
    minimum when they start at the maximum); return {key: value}."""
    moved = {}
    for key in [s.key for s in at.slider if s.key and not s.disabled][:limit]:
        widget = at.slider(key=key)
        target = widget.max if widget.value != widget.max else widget.min
        widget.set_value(target).run()
        moved[key] = target
    return moved


@pytest.mark.parametrize("page", [p.path for p in LESSONS])
def test_a_link_reproduces_the_view(page):
    at = app_test(page, timeout=120)
    if at.text_input:
        at.text_input(key=at.text_input[0].key).set_value("money bank grows").run()
    moved = sliders_moved(at)
    assert not at.exception
    params = {key: url_value(value) for key, value in moved.items()}  # what the address bar holds now
    if at.text_input:
        params[at.text_input[0].key] = "money bank grows"
    again = open_link(page, params)
    assert not again.exception, again.exception
    for key, value in moved.items():
        assert again.slider(key=key).value == value, key
    if at.text_input:
        assert again.text_input(key=at.text_input[0].key).value == "money bank grows"


HOSTILE_QUERIES = {
    "fp_d": "abc",
    "fp_temperature": "1e309",
    "fp_w_money_0_0": "-5",
    "fp_focus": "99",
    "fp_sentence": "x" * 5000,
    "seed": "-1",
    "device": "tpu",
    "palette": "<script>",
    "presenter": "maybe",
    "unknown_key": "whatever",
    "fp_E_numbers": "2",
}


def test_hostile_query_values_fall_back_with_a_notice():
    at = open_link("lessons/first_principles.py", {k: [v] for k, v in HOSTILE_QUERIES.items()})
    assert not at.exception, at.exception
    assert at.slider(key="fp_d").value == 11 and at.slider(key="fp_temperature").value == 1.0
    assert at.slider(key="fp_w_money_0_0").value == pytest.approx(0.7)
    notices = " ".join(t.value for t in at.toast)
    for key in ("fp_d", "fp_temperature", "fp_w_money_0_0", "fp_sentence"):
        assert key in notices, f"no notice for {key}"
    home = AppTest.from_file(APP, default_timeout=60)
    home.query_params["presenter"] = "maybe"  # the sidebar's switch: noticed on the link's first page
    assert "presenter: not 1 or 0" in " ".join(t.value for t in home.run().toast)
    assert not home.toggle(key="presenter").value


def test_a_link_value_used_changed_says_how():
    """What the binding adjusts silently (2.5 on a whole-number slider, unknown choices among known
    ones) is applied as Streamlit applies it, and the notice says what the page uses."""
    at = open_link("lessons/qkv.py", {"qkv_d_k": "2.5"})
    assert not at.exception and at.slider(key="qkv_d_k").value == 2
    assert "(2.5) could not be used as it was (qkv_d_k); the page uses 2." in " ".join(t.value for t in at.toast)
    at = open_link("lessons/static_embeddings.py", {"static_trio": ["dog", "unicorn", "cat"]})
    assert not at.exception and at.multiselect(key="static_trio").value == ["dog", "cat"]
    assert "(static_trio); the page uses dog, cat." in " ".join(t.value for t in at.toast)
    clean = open_link("lessons/qkv.py", {"qkv_d_k": "8", "qkv_scale": "false"})  # as the address bar writes them
    assert not clean.toast and clean.slider(key="qkv_d_k").value == 8 and not clean.toggle(key="qkv_scale").value


def test_presenter_mode_reveals_one_section_at_a_time():
    at = open_link("lessons/first_principles.py", {"presenter": "1"})
    assert not at.exception
    assert [h.value for h in at.header] == ["The four steps"]
    assert not [e for e in at.expander if e.label == "In plain words"]  # hidden until the end
    at.button(key="present_next").click().run()
    assert len(at.header) == 2
    at.button(key="present_all").click().run()
    assert len(at.header) == 4 and any(e.label == "In plain words" for e in at.expander)
    at.button(key="present_previous").click().run()
    assert not at.exception


def test_predictions_give_feedback_and_count():
    at = app_test("lessons/first_principles.py")
    at.button(key="fp_example_1").click().run()  # money bank grows: "bank" is the probe word
    question = at.radio(key="fp_predict")
    weights = json.loads(json.dumps(at.session_state["fp_export"][0]["weights"]))
    right = ["money", "bank", "grows"][max(range(3), key=lambda j: weights[1][j])]
    question.set_value(right).run()
    assert at.success and at.success[0].value.startswith("Right")
    wrong = next(w for w in ["money", "bank", "grows"] if w != right)
    at.radio(key="fp_predict").set_value(wrong).run()
    assert at.error and at.error[0].value.startswith(
        f"Not quite. You chose “{wrong}”; “bank” puts most weight on “{right}”"
    )


def test_feedback_is_whole_sentences_quoting_the_choice_and_the_answer():
    yes, no = "yes, exactly the same", "no, they change"
    assert feedback(no, yes) == f"Not quite. You chose “{no}”; the answer is “{yes}”."
    assert feedback(yes, yes, right=True) == f"Right. You chose “{yes}”: the answer is “{yes}”."
    assert feedback(None, yes) == f"The answer is “{yes}”."  # revealed
    fact = "“he” puts most weight on “student” (0.62)"
    assert feedback("road", "student", fact) == f"Not quite. You chose “road”; {fact}."
    assert feedback("road", "student", fact, right=True, tie_note="Within 0.02.") == (
        f"Right. You chose “road”, nearly tied with “student”: {fact}. Within 0.02."
    )
    assert feedback(None, "student", fact) == f"{fact}."
    assert feedback(None, "student", "it is “student”") == "It is “student”."  # a sentence starts in capitals


def test_chart_exports_decode():
    spec = heatmap(
        torch.tensor([[0.7, 0.3], [0.2, 0.8]]), ["money", "bank"], ["money", "bank"], palette="viridis", title="weights"
    )
    assert png_bytes(spec)[:8] == b"\x89PNG\r\n\x1a\n"
    svg = xml.dom.minidom.parseString(svg_text(spec))
    assert svg.documentElement.tagName == "svg"
    table = spec_table(spec)
    assert list(table.columns) == ["row", "col", "value", "text"] and len(table) == 4


@pytest.mark.parametrize(
    "page, prefix, outputs",
    [
        ("lessons/first_principles.py", "fp", ["scores", "weights", "output"]),
        ("lessons/qkv.py", "qkv", ["weights", "output"]),
        ("lessons/positional_encoding.py", "pe", ["pe"]),
        ("lessons/multi_head.py", "mha", ["weights", "final"]),
        ("lessons/static_embeddings.py", "static", ["similarity"]),
    ],
)
def test_the_snippet_reproduces_the_page(page, prefix, outputs):
    at = app_test(page, timeout=120)
    if prefix == "qkv":
        at.toggle(key="qkv_causal").set_value(True).run()
    if prefix == "mha":
        at.slider(key="mha_layers").set_value(3).run()
    assert not at.exception
    payload, snippet = at.session_state[f"{prefix}_export"]
    assert snippet
    namespace: dict = {}
    exec(snippet, namespace)  # the snippet is ours, generated from the page's own numbers
    for name in outputs:
        ours = (
            torch.as_tensor(namespace[name]) if not isinstance(namespace[name], list) else torch.stack(namespace[name])
        )
        torch.testing.assert_close(ours.double(), torch.tensor(payload[name]).double(), atol=1e-4, rtol=1e-4)
    json.dumps(payload)  # the JSON download is valid


def test_a_link_cannot_carry_an_answer():
    at = app_test("lessons/first_principles.py", timeout=120)
    question = next(w for w in [*at.radio, *at.selectbox] if w.key == "fp_predict")
    again = open_link("lessons/first_principles.py", {"fp_predict": question.options[0], "fp_d": "5"})
    assert not again.exception
    assert again.slider(key="fp_d").value == 5
    assert next(w for w in [*again.radio, *again.selectbox] if w.key == "fp_predict").value is None


@pytest.mark.parametrize(
    "page, menus",
    [
        (
            "lessons/positional_encoding.py",
            {"pe_row_chart": "position 10: its 64 numbers", "pe_column_chart": "dimension 4, a turn"},
        ),
        ("lessons/static_embeddings.py", {"static_similarity_chart": "cosine similarity, first 11 of 11 features"}),
        ("lessons/multi_head.py", {"mha_head_chart": "head 1"}),
    ],
)
def test_a_chart_scrubbed_in_the_browser_downloads_where_it_stands(page, menus, monkeypatch):
    """Such a chart's spec holds every position; its download menu builds the one position shown (its title
    says which), and only once the menu is open."""
    files, download_button = {}, streamlit.download_button  # each button's file, made when it is pressed

    def recorded(label, *, data, key, **options):
        files[key] = data
        return download_button(label, data=data, key=key, **options)

    monkeypatch.setattr(streamlit, "download_button", recorded)
    at = app_test(page, timeout=120)
    assert not files  # closed menus build nothing
    for chart in menus:
        at.session_state[f"{chart}_downloads"] = True  # the student opens the chart's Download menu
    at.run()
    assert not at.exception, at.exception
    for chart, title in menus.items():
        assert title in files[f"{chart}_svg"](), chart
        assert files[f"{chart}_csv"]().count("\n") > 2, chart
