"""Every concept page through AppTest: it runs, and moving its controls changes the right numbers."""

import pytest
import torch
from conftest import app_test, open_code_panel, scrub_to

from core.attention import normalise_rows, weighted_sum
from core.embeddings import cosine_similarity, embed, toy_vocabulary
from ui.navigation import LESSONS


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", [p.path for p in LESSONS])
def test_every_page_renders(page):
    at = app_test(page)
    no_exception(at)
    assert at.title and at.expander  # a heading and at least the explanation / code panels
    assert not at.code, "the code panel is built only once it is opened"
    code = [c.value for c in open_code_panel(at, page).code]
    assert any("def " in c for c in code), "each page shows the core/ source it runs"


def test_sidebar_seed_reseeds_the_extra_features():
    at = app_test("lessons/first_principles.py")
    at.slider(key="fp_d").set_value(16).run()
    at.toggle(key="fp_E_numbers").set_value(True).run()
    before = at.dataframe[0].value.copy()
    at.session_state["seed"] = 42
    at.run()
    no_exception(at)
    after = at.dataframe[0].value
    named = list(toy_vocabulary().dimensions)
    assert before[named].equals(after[named])  # named features do not depend on the seed
    assert not before.equals(after)  # the 5 unnamed extra features do


# --- static embeddings ---------------------------------------------------------------------------
def test_static_embeddings_controls_recompute():
    at = app_test("lessons/static_embeddings.py")
    assert "king − man + woman ≈ queen" in " ".join(m.value for m in at.markdown)
    at.selectbox(key="static_c").set_value("girl").run()
    no_exception(at)
    assert "king − man + girl ≈" in " ".join(m.value for m in at.markdown)
    at.radio(key="static_metric").set_value("dot").run()
    no_exception(at)
    at.radio(key="static_predict").set_value("1.0: the same vector").run()  # the cosines wait for an answer
    assert metric(at, "Toy vectors: cosine of 'bank'") == "1.0000"
    assert metric(at, "MiniLM input rows: cosine of 'bank'") == "1.0000"


# --- first principles ------------------------------------------------------------------------------
SEED_MONEY = [[0.7, 0.2, 0.1], [0.25, 0.7, 0.05], [0.1, 0.2, 0.7]]
SEED_RIVER = [[0.8, 0.15, 0.05], [0.2, 0.78, 0.02], [0.4, 0.01, 0.59]]


def bank_cosine(money_table, river_table):
    toy = toy_vocabulary()
    y_money = weighted_sum(normalise_rows(torch.tensor(money_table)), embed(["money", "bank", "grows"], toy).vectors)[1]
    y_river = weighted_sum(normalise_rows(torch.tensor(river_table)), embed(["river", "bank", "flows"], toy).vectors)[1]
    return float(cosine_similarity(y_money[None], y_river[None]))


def test_first_principles_presets_reproduce_the_seed_tables():
    at = app_test("lessons/first_principles.py")
    at.button(key="fp_preset_uniform").click().run()
    at.button(key="fp_preset_seed").click().run()
    no_exception(at)
    for prefix, table in (("money", SEED_MONEY), ("river", SEED_RIVER)):
        for i in range(3):
            for j in range(3):
                assert at.slider(key=f"fp_w_{prefix}_{i}_{j}").value == pytest.approx(table[i][j])
    shown = float(metric(at, "cosine(y_bank money"))
    assert shown == pytest.approx(bank_cosine(SEED_MONEY, SEED_RIVER), abs=1e-4)
    assert shown < 0.95  # the two banks have moved apart from the static 1.0


def test_first_principles_editing_a_weight_moves_the_banks():
    at = app_test("lessons/first_principles.py")
    before = float(metric(at, "cosine(y_bank money"))
    at.slider(key="fp_w_money_1_0").set_value(1.0).run()  # bank attends much more to money
    no_exception(at)
    edited = [row[:] for row in SEED_MONEY]
    edited[1][0] = 1.0
    after = float(metric(at, "cosine(y_bank money"))
    assert after == pytest.approx(bank_cosine(edited, SEED_RIVER), abs=1e-4)
    assert after < before


def test_first_principles_sliders_and_sentence():
    at = app_test("lessons/first_principles.py")
    at.button(key="fp_example_1").click().run()  # money bank grows
    assert at.text_input(key="fp_sentence").value == "money bank grows"
    assert not at.latex  # the worked formula answers the prediction: held back
    at.radio(key="fp_predict").set_value("bank").run()
    latex_before = [formula.value for formula in at.latex]
    at.slider(key="fp_temperature").set_value(0.2).run()
    no_exception(at)
    assert [formula.value for formula in at.latex] != latex_before
    at.slider(key="fp_d").set_value(3).run()
    at.slider(key="fp_d").set_value(32).run()
    no_exception(at)
    at.text_input(key="fp_sentence").set_value("").run()
    no_exception(at)
    assert any("no words" in i.value for i in at.info)
    at.text_input(key="fp_sentence").set_value("word " * 100).run()
    assert any("first 64 words" in w.value for w in at.warning)


# --- positional encoding: tests/test_page_pe.py ------------------------------------------------------


# --- real model ---------------------------------------------------------------------------------
def test_real_model_page_finds_heads_and_rebuilds():
    at = app_test("lessons/real_model.py", timeout=120)
    no_exception(at)
    assert "L5 H11" in " ".join(m.label for m in at.metric)  # opens on the strongest it → animal head
    shown = metric(at, "max |head alone − full forward|")
    assert "× 10⁻" in shown or shown == "0 (exact)"
    said = "Identical: not one number differs." if shown == "0 (exact)" else "Equal to within float32 rounding"
    assert any(s.value.startswith(said) for s in at.success)  # the message says what the metric shows
    assert float(metric(at, "“bank” vector, input table")) == pytest.approx(1.0, abs=1e-4)
    assert float(metric(at, "“bank” vector, last layer")) < 0.8
    finder = next(m.value for m in at.markdown if m.value.startswith("Strongest"))
    assert "“it”" in finder and "“animal”" in finder and "layer 5, head 11" in finder
    scrub_to(at, "real_head_scrub", real_layer=3, real_head=1)
    no_exception(at)
    assert "L3 H1" in " ".join(m.label for m in at.metric)
    at.button(key="real_example_1").click().run()  # The student said he was tired
    no_exception(at)
    finder = next(m.value for m in at.markdown if m.value.startswith("Strongest"))
    assert "“he”" in finder and "“student”" in finder


# --- Q, K, V -------------------------------------------------------------------------------------
def test_qkv_controls():
    at = app_test("lessons/qkv.py")
    for key, value in (("qkv_d_k", 1), ("qkv_d_k", 64), ("qkv_d_model", 2)):
        at.slider(key=key).set_value(value).run()
        no_exception(at)
    scrub_to(at, "qkv_weights_scrub", qkv_temperature=0.1)  # bound inside the weights chart
    no_exception(at)
    assert any(c.value.startswith("At temperature 0.1") for c in at.caption)
    at.toggle(key="qkv_scale").set_value(False).run()
    at.select_slider(key="qkv_step").set_value("Q, K, V").run()
    no_exception(at)
    assert "**Step 1:**" in [m.value for m in at.markdown] and r"Q = XW_q" in at.latex[-1].value
    at.slider(key="qkv_d_k").set_value(4).run()
    at.toggle(key="qkv_edit").set_value(True).run()
    no_exception(at)
    at.radio(key="qkv_predict").set_value("sharper (one key takes all)").run()
    assert any(s.value.startswith("Right") for s in at.success)
    at.radio(key="qkv_source").set_value("MiniLM input table (384-d)").run()
    no_exception(at)
    assert any(m.label == "d_model" and m.value == "384" for m in at.metric)


# --- multi-head -------------------------------------------------------------------------------------
def test_multi_head_matches_torch_on_the_page():
    at = app_test("lessons/multi_head.py")
    assert metric(at, "Largest difference from PyTorch") == "0 (identical here)" or "× 10⁻" in at.metric[0].value
    at.select_slider(key="mha_d_model").set_value(24).run()
    at.select_slider(key="mha_heads_24").set_value(6).run()
    no_exception(at)
    assert any("6 heads" in h.value for h in at.header)
    at.slider(key="mha_layers").set_value(3).run()
    scrub_to(at, "mha_head_scrub", mha_shown_3=2)
    no_exception(at)
    assert metric(at, "Largest difference from PyTorch") == "0 (identical here)" or "× 10⁻" in at.metric[0].value
    at.select_slider(key="mha_heads_24").set_value(24).run()  # heads = d_model: width-1 heads
    no_exception(at)


# --- training --------------------------------------------------------------------------------------
def test_train_page_trains_and_replays():
    """The short version; tests/test_page_train.py checks the page in detail."""
    at = app_test("lessons/train_attention.py")
    assert any("Press **Train**" in i.value for i in at.info)
    at.slider(key="train_steps").set_value(100).run()
    at.button(key="train_train").click().run()
    no_exception(at)
    assert float(metric(at, "Held-out accuracy").rstrip("%")) >= 90
    loss = metric(at, "Loss at the last step")
    at.radio(key="train_predict").set_value("it").run()
    scrub_to(at, "train_replay_scrub", train_replay=0)  # the replay fragment: must not retrain
    no_exception(at)
    assert metric(at, "Loss at the last step") == loss
    assert any("“it” → “animal”" in m.value for m in at.markdown)  # the lesson's own sentence


# --- why attention and cost ------------------------------------------------------------------------
# why attention: tests/test_page_why.py
# cost of attention: tests/test_page_cost.py
