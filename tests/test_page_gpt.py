"""Attention that writes: the page through AppTest. The numbers it shows are core's (core.gpt,
core.sampling, core.gpt_heads), its question holds back the bars, its writing is the model's own,
every scrub chart carries every position, and hostile prompts get a plain notice."""

import pandas as pd
import pytest
import torch
from conftest import APP, app_test, charts, scrub_start, scrub_to
from hostile_inputs import HOSTILE_INPUTS
from scrub_views import positions_sent, records_at

from core import gpt, gpt_heads, sampling
from ui.markdown import md_escape

PAGE = "lessons/gpt.py"
PROMPT = "the queen who met the king said that"


@pytest.fixture(scope="module")
def net():
    return gpt.load_pretrained().requires_grad_(False)


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def chart(at, title_start: str) -> dict | None:
    return next((c for c in charts(at) if str(c.get("title", "")).startswith(title_start)), None)


def answered_page():
    at = app_test(PAGE, timeout=180)
    no_exception(at)
    question = next(r for r in at.radio if r.key.startswith("gpt_predict_"))
    question.set_value(question.options[0]).run()
    return at


def test_the_question_holds_back_the_bars_then_they_are_cores(net):
    at = app_test(PAGE, timeout=180)
    no_exception(at)
    assert chart(at, "T = ") is None  # nothing answers the question before it is answered
    logits = net(torch.tensor(net.encode(PROMPT)))[0][-1]
    best = net.vocab[int(logits.argmax())]
    question = next(r for r in at.radio if r.key.startswith("gpt_predict_"))
    assert best in question.options
    question.set_value(best).run()
    assert any(s.value.startswith("Right") for s in at.success)
    bars = chart(at, "T = 1, top-k off, top-p off")  # 1 as the input beside it writes 1.0
    assert scrub_start(bars) == {"gpt_temperature": 1.0, "gpt_top_k": 0, "gpt_top_p": 1.0}
    # a position away from the default: the chart's numbers are core.sampling's
    here = records_at(bars["data"]["values"], gpt_temperature=0.5, gpt_top_k=3, gpt_top_p=0.9)
    reshaped = sampling.reshape(logits, 0.5, 3, 0.9)
    for record in here:
        i = net.vocab.index(record["word"])
        assert record["after"] == pytest.approx(float(reshaped.probs[i]), abs=1e-3)
        assert record["before"] == pytest.approx(float(reshaped.tempered[i]), abs=1e-3)
    assert sum(r["cut"] == "kept" for r in here) <= 3  # top-k 3
    scrub_to(at, "gpt_bars", gpt_temperature=0.5, gpt_top_k=3, gpt_top_p=0.9)  # the sentence follows
    gone = sampling.cut_off(reshaped, net.vocab)
    assert any(m.value.startswith(f"Cut off here: {len(gone)} words") for m in at.markdown)
    # no cut, but T = 0.1 leaves some words at exactly 0: the sentence says so, as the title's count does
    scrub_to(at, "gpt_bars", gpt_temperature=0.1, gpt_top_k=0, gpt_top_p=1.0)
    zero = int((sampling.reshape(logits, 0.1, None, None).probs == 0).sum())
    assert zero > 0
    assert any(f"leaves {zero} words a chance too small to store" in m.value for m in at.markdown)
    assert not any(m.value.startswith("Nothing is cut off") for m in at.markdown)


def test_writing_waits_for_the_question_it_would_answer():
    at = app_test(PAGE, timeout=180)
    assert at.button(key="gpt_next").disabled and at.button(key="gpt_more").disabled
    assert any("Answer the question in section 1 first" in c.value for c in at.caption)
    # what the heads learned ("pronoun after said that") would narrow the answer down: it waits too
    assert not any(m.value.startswith("Nobody told the model") for m in at.markdown)
    assert any("appears here once you have answered section 1's question" in c.value for c in at.caption)
    at = answered_page()
    assert not at.button(key="gpt_next").disabled and not at.button(key="gpt_more").disabled


def test_greedy_writing_is_the_models_own_and_each_word_has_its_row(net):
    at = answered_page()
    at.toggle(key="gpt_greedy").set_value(True).run()
    at.button(key="gpt_next").click().run()
    no_exception(at)
    expected = gpt.generate(net, net.encode(PROMPT), 1)
    assert chart(at, f"“{net.vocab[expected.ids[-1]]}” was chosen by the row of “that”")
    at.button(key="gpt_more").click().run()
    no_exception(at)
    written = gpt.generate(net, net.encode(PROMPT), 11)
    text = " ".join(m.value for m in at.markdown)
    assert " ".join(f"**{md_escape(net.vocab[i])}**" for i in written.ids[8:]) in text
    rows = chart(at, "“")
    assert {p.split(",")[0] for p in positions_sent(rows["data"]["values"])} == {
        str(w) for w in range(1, 12)
    }  # each word
    causal = chart(at, "layer 2, head 1: the whole text")
    n = len(written.ids)
    cells = records_at(causal["data"]["values"], gpt_map_layer=1, gpt_map_head=2)
    assert len(cells) == n * n
    assert all(pd.isna(cells[i * n + j]["value"]) for i in range(n) for j in range(i + 1, n))  # nothing above
    at.button(key="gpt_clear").click().run()
    assert not any("was chosen by" in str(c.get("title")) for c in charts(at))


def test_a_seeded_draw_is_the_same_for_everyone():
    first, second = answered_page(), answered_page()
    for at in (first, second):
        at.button(key="gpt_more").click().run()
        no_exception(at)
    assert [m.value for m in first.markdown if "**" in m.value and ":gray[" in m.value] == [
        m.value for m in second.markdown if "**" in m.value and ":gray[" in m.value
    ]


def test_the_kv_cache_and_the_heads_found_are_stated_from_the_numbers(net):
    at = answered_page()
    metrics = {m.label: m.value for m in at.metric}
    ids = net.encode(PROMPT)
    comparison = gpt.compare_cache(net, ids, 10)
    assert metrics["Query rows, with the cache"] == str(sum(comparison.cached.query_rows))
    assert metrics["Query rows, without it"] == str(sum(comparison.recomputed.query_rows))
    timing = next(m.value for m in at.markdown if "ms** with the cache" in m.value)
    assert "longer texts than above" in timing and "after the same 4-word prompt" in timing  # "the queen who met"
    drawn = chart(at, "Time to write the words")["data"]["values"]
    ms = {
        how: [r["ms"] for r in drawn if r["how"] == how] for how in ("with the KV cache", "without (everything again)")
    }
    ahead = sum(a < b for a, b in zip(ms["with the KV cache"], ms["without (everything again)"], strict=True))
    if "× faster**" in timing:  # the sentence counts what the chart draws
        assert f"faster at {ahead} of the {len(drawn) // 2} lengths timed" in timing
    rows = f"({len(ids)} + {len(comparison.cached.rows) - 1} = {sum(comparison.cached.query_rows)})"
    kv = next(m.value for m in at.markdown if rows in m.value)  # the prompt once, then one row per new word
    assert f"the prompt's {len(ids)} rows" in kv and f"each of the other {len(comparison.cached.rows) - 1} words" in kv
    assert any("held-out prompts" in m.value and "switched off" in m.value for m in at.markdown)
    shipped = gpt_heads.report(net)
    copying = shipped["induction"]
    clean = copying.head.layer > 0 and copying.head.score >= 0.9
    heads_text = next(m.value for m in at.markdown if m.value.startswith("Nobody told the model"))
    assert ("no head has learned it cleanly" in heads_text) == (not clean)  # said as measured, not as hoped
    best_at = heads_text.split(":\n")[0]
    assert ("copying" in best_at) == any("induction" in tasks for tasks in gpt_heads.shared_heads(shipped, 0.9))
    intro = next(m.value for m in at.markdown if "ChatGPT writes one word" in m.value)
    assert "core/" not in heads_text and "`" not in intro and "make model" not in intro
    assert f"{copying.accuracy:.0%}" in heads_text
    # each accuracy says what it counts (the right word the most probable, in so many held-out prompts), never
    # "right 100% of the time", which reads as a certainty next to section 1's bars of probabilities
    assert "of the time" not in heads_text
    slots = {"pronoun": "he, she, it or they", "agreement": "was or were"}
    learned = [task for task in slots if gpt_heads.learned(task, shipped[task], 0.9)]
    assert learned  # the shipped model has learned them: the sentences below are checked, not skipped
    for task in learned:
        result = shipped[task]
        assert (
            f"in **{result.head_lands:.0%}** of {result.prompts} held-out prompts. Of the words that fit there "
            f"({slots[task]}), the model makes the right one the most probable in **{result.accuracy:.0%}** of "
            f"these prompts, and in **{result.accuracy_without_head:.0%}** with that head switched off."
        ) in heads_text
    if not clean:
        assert (
            "the model's most probable next word continues a repeated phrase right in only "
            f"**{copying.accuracy:.0%}** of {copying.prompts} held-out prompts."
        ) in heads_text
    both = next(c.value for c in at.caption if c.value.startswith("The encoder's words look both ways"))
    assert "**0%** after" in both  # the decoder's causal mask leaves nothing on later words
    later = int(both.split("on average **")[1].split("%")[0])
    assert later >= 10, both  # MiniLM reads both ways: a real share lands on later words


def test_training_from_scratch_replays_the_heads_forming():
    at = answered_page()
    at.button(key="gpt_train").click().run()
    no_exception(at)
    replay = next(c for c in charts(at) if "vconcat" in c)
    snapshots = sorted(int(s) for s in positions_sent(replay["vconcat"][0]["layer"][1]["data"]["values"]))
    assert snapshots == list(range(len(snapshots))) and len(snapshots) > 10
    scrub_to(at, "gpt_replay", gpt_snapshot=0)
    assert any(m.value.startswith("After **0** steps") for m in at.markdown)


def test_a_link_restores_the_sampling_controls():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"gpt_temperature": "0.5", "gpt_top_k": "5", "gpt_prompt": "the kings who met the queen"})
    at.run().switch_page(PAGE).run()
    no_exception(at)
    question = next(r for r in at.radio if r.key.startswith("gpt_predict_"))
    question.set_value(question.options[0]).run()
    assert scrub_start(chart(at, "T = 0.5, top-k 5")) == {"gpt_temperature": 0.5, "gpt_top_k": 5, "gpt_top_p": 1.0}


@pytest.mark.parametrize(
    "text", ["", "   ", "x" * 10_000, "qwzx vbnm", "<script>alert(1)</script>", *HOSTILE_INPUTS[4:8]]
)
def test_hostile_prompts_get_a_plain_notice(text):
    at = app_test(PAGE, timeout=180)
    at.text_input(key="gpt_prompt").set_value(text).run()
    no_exception(at)
    shown = " ".join(i.value for i in at.info) + " ".join(w.value for w in at.warning)
    assert "Traceback" not in shown
    if not any(w in text.lower().split() for w in ("the", "a", "he", "she", "it")):
        assert "no words the model knows" in shown or "The model knows only" in shown
