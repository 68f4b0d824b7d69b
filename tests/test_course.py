"""The course as one definition (ui.course): its map on every page with that page's steps lit, the guided
path (Previous / Next in course order), answers counted on the map, and a lesson joining the course by
its PageInfo alone."""

import pytest
from conftest import app_test, course_maps
from test_specs import validator

from ui import course
from ui.navigation import GPT, HOME, LESSONS, REAL_MODEL


def lit_on(spec: dict) -> set[str]:
    return {node["step"] for node in spec["data"]["values"] if node["lit"]}


def test_the_definition_covers_every_lesson_and_step():
    steps = {step.id for step in course.STEPS}
    assert {page.id for page in LESSONS} <= set(course.LIT) == set(course.ADDS)
    assert all(set(lit) <= steps for lit in course.LIT.values())
    for step in course.STEPS:  # a step links to a lesson that lights it
        page = course.teacher(step)
        assert page is None or step.id in course.LIT[page.id], step
    assert course.teacher(next(s for s in course.STEPS if s.id == "next_word")) is GPT  # the decoder lesson


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("narrow", [False, True])
def test_the_map_is_valid_vega_lite(full, narrow):
    spec = course.map_spec("qkv", full=full, narrow=narrow, answered={"fp"}, scale=1.5)
    assert not list(validator().iter_errors(spec))
    assert len(spec["data"]["values"]) == len(course.STEPS)
    assert lit_on(spec) == ({"softmax", "mix"} if full else set(course.LIT["qkv"]))
    # The rows snake, so every box is numbered in the order of STEPS, the number drawn by a text layer.
    nodes = spec["data"]["values"]
    assert [node["number"] for node in nodes] == [str(i) for i in range(1, len(course.STEPS) + 1)]
    assert any(layer["encoding"].get("text") == {"field": "number"} for layer in spec["layer"])


def test_the_decoder_lesson_joined_the_course_by_its_page_info_alone():
    """Attention that writes is only a PageInfo in ui.navigation.LESSONS, after the real model: its place,
    Next/Previous and its steps on the map all follow from the one course definition."""
    where = course.place("gpt")
    assert (where.number, where.of) == (LESSONS.index(REAL_MODEL) + 2, len(LESSONS))
    assert where.previous is REAL_MODEL and where.next.id == "cost"
    by_step = {step.id: course.teacher(step) for step in course.STEPS}
    assert by_step["mask"] is GPT and by_step["next_word"] is GPT and by_step["qkv"].id == "qkv"
    assert {"mask", "next_word"} <= lit_on(course.map_spec("gpt", full=False, narrow=True, answered=set()))


@pytest.mark.parametrize("page", LESSONS, ids=lambda p: p.id)
def test_every_lesson_has_its_map_and_its_place_in_the_course(page):
    at = app_test(page.path, timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    maps = course_maps(at)
    assert len(maps) == 2 and all(lit_on(spec) == set(course.LIT[page.id]) for spec in maps)
    where = course.place(page.id)
    assert any(c.value.startswith(f"**Lesson {where.number} of {len(LESSONS)}.**") for c in at.caption)
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    home = "Home: the map of the course"
    before = f"Previous: {where.number - 1}. {where.previous.title}" if where.previous else home
    after = f"Next: {where.number + 1}. {where.next.title}" if where.next else "The end of the course: back to the map"
    assert links[before] == (where.previous or HOME).url_path and links[after] == (where.next or HOME).url_path
    if where.next:
        assert any(course.ADDS[where.next.id] in c.value for c in at.caption)


def test_answers_are_counted_on_the_map_and_a_clicked_step_opens_its_lesson():
    at = app_test("lessons/static_embeddings.py", timeout=120)
    at.radio(key="static_predict").set_value("1.0: the same vector").run()
    assert any("Predictions: **1 of 1** right, on 1 of" in c.value for c in at.caption)  # in the same run
    at.session_state[course.GOTO] = "pe"  # what a click on "+ positions" leaves for app.py
    at.run()
    assert at.title[0].value == "Positional encoding"
    at.switch_page(HOME.path).run()
    assert not at.exception
    full = course_maps(at)
    assert all(lit_on(spec) == {"embed"} for spec in full)  # static embeddings teaches one step
    where = {node["step"]: node["where"] for node in full[0]["data"]["values"]}
    assert where["embed"] == "lesson 2 ✓" and where["pos"] == "lesson 4"
