"""Train attention live: the page trains, replays both layers, holds the replay back until the
prediction, and answers a typed sentence; core/training's page helpers against their definitions."""

import json

import pytest
import torch
from conftest import app_test, charts, presenting_test, scrub_start, scrub_to
from scrub_views import positions_sent, records_at
from test_specs import validator

from core.text import tokenize
from core.training import (
    ADJECTIVE_POSITION,
    PROBES,
    PRONOUN_POSITION,
    Answer,
    TrainConfig,
    answer,
    evaluate,
    examples,
    first_step_reaching,
    reader_ties,
    stacking,
    train,
    unknown_words,
    unseen_answer,
)

PAGE = "lessons/train_attention.py"
STEPS = 60  # enough for seed 0 to break through the plateau, quick enough for a page test


# --- core helpers ------------------------------------------------------------------------------------------
def test_examples_write_back_the_batch_with_its_answer():
    rows = examples(20, torch.Generator().manual_seed(0))
    assert all(len(e.words) == 10 and e.words[PRONOUN_POSITION] == "it" for e in rows)
    for e in rows:
        assert e.answer == e.words[1 if e.kind == "animal" else 5]
    assert {e.kind for e in rows} == {"animal", "place"}


def test_first_step_reaching():
    assert first_step_reaching([0.1, 0.5, 0.9, 1.0]) == 3
    assert first_step_reaching([0.1, 0.5], bar=0.9) is None


def test_stacking_reads_the_maps():
    layer1 = torch.full((10, 10), 0.1)
    layer1[ADJECTIVE_POSITION, ADJECTIVE_POSITION] = 0.99  # the adjective reading itself does not count
    layer1[5, ADJECTIVE_POSITION] = 0.8
    layer1[1, ADJECTIVE_POSITION] = 0.78
    layer2 = torch.full((10, 10), 0.05)
    layer2[PRONOUN_POSITION, 1] = 0.55
    layer2[PRONOUN_POSITION, 5] = 0.3
    found = stacking([layer1, layer2])
    assert (found.reader, found.pointer) == (5, 1)
    assert found.reader_weight == pytest.approx(0.8) and found.pointer_weight == pytest.approx(0.55)
    assert (found.runner_up, found.runner_up_weight) == (5, pytest.approx(0.3))
    assert reader_ties(layer1) == [1, 5]


def test_unknown_words():
    assert unknown_words("the zebra didn't cross the road because she was tired zebra".split()) == ["zebra"]


def test_unseen_answer_follows_the_vocabulary():
    words = tokenize("The student said he was tired").words  # "student" and "said": never seen
    weights = [torch.eye(len(words))] * 2
    assert unseen_answer(words, Answer(weights, 3, 1, 1.0))  # he → student: by position alone
    assert not unseen_answer(words, Answer(weights, 3, 5, 1.0))  # he → tired: a word it knows
    assert not unseen_answer(PROBES[0], Answer(weights, PRONOUN_POSITION, 1, 1.0))


@pytest.fixture(scope="module")
def run():
    return train(TrainConfig(steps=STEPS))


# --- the page ------------------------------------------------------------------------------------------------
def trained_page():
    at = app_test(PAGE)
    assert any("Press **Train**" in i.value for i in at.info)
    at.slider(key="train_steps").set_value(STEPS).run()
    at.button(key="train_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_specs(at) -> list[dict]:
    """Every Vega-Lite spec on the page, titles included (conftest.charts)."""
    return charts(at)


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


REPLAY = "train_replay_scrub"


def replay_chart(at) -> dict | None:
    """The replay: the curves above both layers' maps, one chart whose inputs pick a snapshot and a sentence."""
    return next((spec for spec in chart_specs(at) if "vconcat" in spec), None)


def test_page_trains_holds_back_and_replays(run):
    at = trained_page()
    held_out = evaluate(run.model)
    assert metric(at, "Held-out accuracy") == f"{held_out.accuracy:.0%}"
    assert metric(at, "Loss at the last step") == (f"{run.losses[-1]:.3f}" if run.losses[-1] >= 0.001 else "< 0.001")
    loss = metric(at, "Loss at the last step")
    assert metric(at, "First step at") == str(first_step_reaching(run.accuracies))
    # predict first: no replay chart, no maps, no stacking summary before the answer
    assert replay_chart(at) is None
    assert not any("Stacking" in h.value for h in at.subheader)
    final = stacking(run.snapshot_weights[-1][0])
    at.radio(key="train_predict").set_value("it").run()
    assert any("Stacking" in h.value for h in at.subheader)
    replay = replay_chart(at)  # every snapshot of both sentences travels with the chart
    assert not list(validator().iter_errors(replay))
    assert scrub_start(replay) == {"train_replay": run.snapshot_steps[-1], "train_probe": "tired"}
    curves, (layer_1, layer_2) = replay["vconcat"][0], replay["vconcat"][1]["hconcat"]
    assert curves["layer"][0]["encoding"]["x"]["axis"]["format"] == "d"  # integer step ticks
    # both ends of the replay, both probes; the chart's numbers and the text are core's
    last = len(run.snapshot_steps) - 1
    for index in (0, last):
        for probe, ending in enumerate(("tired", "wide")):
            scrub_to(at, REPLAY, train_replay=run.snapshot_steps[index], train_probe=ending)
            assert not at.exception
            here = {"train_replay": run.snapshot_steps[index], "train_probe": ending}

            def at_here(records: list[dict]) -> list[dict]:
                return records_at(records, **here)  # noqa: B023

            assert [r["step"] for r in at_here(curves["layer"][1]["data"]["values"])] == [run.snapshot_steps[index]]
            for layer, view in enumerate((layer_1, layer_2)):
                cells = at_here(view["data"]["values"])
                expected = run.snapshot_weights[index][probe][layer].flatten().tolist()
                assert [c["value"] for c in cells] == pytest.approx(expected, abs=1e-4)
                assert cells[-1]["row"] == cells[-1]["col"] == ending  # the maps name the sentence's own last word
            now = stacking(run.snapshot_weights[index][probe])
            text = f"After **{run.snapshot_steps[index]}** steps: "
            line = next(m.value for m in at.markdown if m.value.startswith(text))
            assert f"({now.reader_weight:.2f})" in line and f"({now.pointer_weight:.2f})" in line
    labels = ["the", "animal", "didn't", "cross", "the (2)", "road", "because", "it", "was", "tired"]
    assert any(f"into **{labels[final.reader]}** ({final.reader_weight:.2f})" in m.value for m in at.markdown)
    # the training sliders at both ends do not retrain or break the page
    for key, value in (("train_d_k", 1), ("train_d_k", 32), ("train_steps", 10), ("train_steps", 400)):
        at.slider(key=key).set_value(value).run()
        assert not at.exception
    at.select_slider(key="train_lr").set_value(0.001).run()
    at.select_slider(key="train_lr").set_value(0.1).run()
    assert metric(at, "Loss at the last step") == loss  # moving the training sliders did not retrain
    assert json.dumps(at.session_state["train_export"][0])  # the page's numbers export


def test_own_sentence_waits_for_the_question_then_answers_in_words(run):
    at = trained_page()
    # "Try your own sentence" draws both layers' maps, which answer the question: nothing of it before
    assert not [t for t in at.text_input if t.key == "train_sentence"]
    assert not any("→" in m.value for m in at.markdown)
    assert any("once you have answered the question above" in c.value for c in at.caption)
    at.radio(key="train_predict").set_value("was").run()
    assert at.error[0].value.startswith("Not quite. You chose “was”;")
    sentence = at.text_input(key="train_sentence")
    assert sentence.value == "The animal didn't cross the road because it was tired"
    expected = answer(run.model, PROBES[0])
    words = PROBES[0]
    headline = next(m.value for m in at.markdown if "“it” →" in m.value)
    assert f"“it” → “{words[expected.answer]}”" in headline and "by position alone" not in headline
    assert expected.answer == 1  # the lesson's sentence: it → animal
    at.text_input(key="train_sentence").set_value("The animal didn't cross the road because it was wide").run()
    assert any("“it” → “road”" in m.value for m in at.markdown)
    # unknown words: the headline says the answer was found by position alone exactly when core says so
    typed = tokenize("The student said he was tired").words
    at.text_input(key="train_sentence").set_value("The student said he was tired").run()
    found = answer(run.model, typed)
    headline = next(m.value for m in at.markdown if "“he” →" in m.value)
    assert f"“he” → “{typed[found.answer]}”** (layer-2 weight {found.weight:.2f})" in headline
    unseen = f"by position alone: the model never saw “{typed[found.answer]}”"
    assert (unseen in headline) == unseen_answer(typed, found)
    assert any("never saw" in c.value and "student" in c.value for c in at.caption)
    at.text_input(key="train_sentence").set_value("no pronoun here").run()
    assert any("There is no pronoun to resolve" in i.value for i in at.info)
    assert not at.exception


def test_retraining_with_fewer_steps_keeps_the_replay_working():
    at = trained_page()
    at.radio(key="train_predict").set_value("animal").run()
    scrub_to(
        at,
        REPLAY,
        train_replay=max(
            int(p.split(",")[0]) for p in positions_sent(replay_chart(at)["vconcat"][0]["layer"][1]["data"]["values"])
        ),
    )
    at.slider(key="train_steps").set_value(10).run()
    at.button(key="train_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    now_rule = replay_chart(at)["vconcat"][0]["layer"][1]["data"]["values"]
    assert max(int(p.split(",")[0]) for p in positions_sent(now_rule)) <= 10
    # the slowest settings at their ends: an untrained model is said to be one, every answer counts
    at.slider(key="train_d_k").set_value(1).run()
    at.select_slider(key="train_lr").set_value(0.001).run()
    at.button(key="train_train").click().run()
    assert not at.exception
    assert any("has not learned yet" in s.value for s in at.success)
    assert any("no word reads “tired” more than the rest" in m.value for m in at.markdown)
    scrub_to(at, REPLAY, train_replay=0)
    assert any(m.value.startswith("After **0** steps: in layer 1 no word") for m in at.markdown)


def test_presenter_mode_waits_section_by_section():
    at = presenting_test(PAGE)
    assert [h.value for h in at.header] == ["The task"]
    at.button(key="present_next").click().run()
    assert [h.value for h in at.header] == ["The task", "Train it"]
    at.slider(key="train_steps").set_value(STEPS).run()  # a fragment rerun keeps the presenter step
    at.button(key="train_train").click().run()
    assert [h.value for h in at.header] == ["The task", "Train it"]
    at.button(key="present_all").click().run()
    assert len(at.header) == 4 and not at.exception
    assert replay_chart(at) is None  # the teacher still reveals the replay
