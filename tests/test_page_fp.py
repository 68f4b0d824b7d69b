"""First-principles attention: its core functions, and the page as a student uses it."""

import pytest
import torch
from conftest import app_test, presenting_test

from core.attention import (
    attention_focus,
    attention_with_weights,
    first_principles_attention,
    loop_matmul_difference,
    near_ties,
    neighbours_after_attention,
    top_weights,
    weighted_sum,
    weighted_sum_loop,
)
from core.embeddings import (
    cosine,
    dimension_names,
    embed,
    nearest_neighbours,
    resize_dimensions,
    toy_vocabulary,
    unknown_words,
)
from core.numbers import tiny_difference
from core.text import focus_word, tokenize, unique_labels
from ui import formulas

PAGE = "lessons/first_principles.py"
LESSON = tokenize("The animal didn't cross the road because it was tired").words


# --- core ------------------------------------------------------------------------------------------
def test_dimension_names_named_then_extra():
    toy = toy_vocabulary()
    assert dimension_names(toy, 3) == ["royalty", "gender", "person"]
    names = dimension_names(toy, 13)
    assert names[:11] == list(toy.dimensions) and names[11:] == ["extra 1", "extra 2"]
    assert len(dimension_names(toy, 32)) == resize_dimensions(toy.vectors[:2], 32).shape[-1]


def test_loop_equals_matrix_product():
    generator = torch.Generator().manual_seed(0)
    w = torch.rand(7, 7, generator=generator).softmax(-1)
    v = torch.randn(7, 5, generator=generator)
    loop = weighted_sum_loop(w, v)
    by_hand = [[sum(float(w[i, j]) * float(v[j, k]) for j in range(7)) for k in range(5)] for i in range(7)]
    torch.testing.assert_close(loop, torch.tensor(by_hand), atol=1e-5, rtol=0)
    assert loop_matmul_difference(w, v) == pytest.approx(float((loop - weighted_sum(w, v)).abs().max()))
    assert loop_matmul_difference(w, v) < 1e-5


def test_attention_focus_and_ties():
    w = torch.tensor([[0.5, 0.49, 0.01], [0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3]])
    assert attention_focus(w, 0, 2) == (0, 0.5, pytest.approx(0.01), 3)
    assert attention_focus(w, 1, 2).target_rank == 1
    assert near_ties(w, 0, 0.02) == [0, 1] and near_ties(w, 0, 0.005) == [0]
    assert near_ties(w, 2) == [0, 1, 2]
    assert top_weights(w, 1, 2) == [(2, pytest.approx(0.7)), (1, pytest.approx(0.2))]


def test_parameter_free_attention_sends_it_to_the_not_animal():
    result = first_principles_attention(embed(LESSON, toy_vocabulary()).vectors)
    focus = attention_focus(result.weights, LESSON.index("it"), LESSON.index("animal"))
    assert LESSON[focus.strongest] == "the"
    assert focus.target_weight < focus.strongest_weight and focus.target_rank > 1


def test_hand_set_weights_renormalise():
    v = torch.eye(3)
    weights, output = attention_with_weights([[2.0, 1.0, 1.0], [0, 0, 0], [0.1, 0.0, 0.3]], v)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3))
    torch.testing.assert_close(weights[0], torch.tensor([0.5, 0.25, 0.25]))
    torch.testing.assert_close(weights[1], torch.full((3,), 1 / 3))  # all-zero row: uniform
    torch.testing.assert_close(output, weights)  # identity values: the output is the weights


def test_tiny_difference_for_people():
    assert tiny_difference(1.5e-7) == "less than one millionth"
    assert tiny_difference(0.0) == "less than one millionth"
    assert tiny_difference(0.0000123) == "0.000012"
    assert "e-" not in tiny_difference(2.5e-6)


# --- the page ---------------------------------------------------------------------------------------
def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def test_prediction_holds_back_steps_two_to_four():
    at = app_test(PAGE)
    assert not at.exception
    question = at.selectbox(key="fp_predict")  # 10 words: a menu
    assert question.value is None
    assert "3 · Weights: softmax" not in subheaders(at)
    assert "One word, with its numbers" not in subheaders(at)
    assert not [t for t in at.toggle if t.key in ("fp_weights_numbers", "fp_scores_numbers")]
    assert not any("Strongest link of each row: the →" in c.value for c in at.caption)
    question.set_value("the (2)").run()  # a tie with "the": counts as right
    assert not at.exception
    assert at.success and at.success[0].value.startswith("Right. You chose “the (2)”, nearly tied with “the”: “it”")
    assert {"2 · Scores: E·Eᵀ", "3 · Weights: softmax", "One word, with its numbers"} <= set(subheaders(at))
    weights = torch.tensor(at.session_state["fp_export"][0]["weights"])
    expected = first_principles_attention(embed(LESSON, toy_vocabulary()).vectors).weights
    torch.testing.assert_close(weights, expected, atol=1e-5, rtol=0)
    loop = next(m.value for m in at.markdown if "loop and the product" in m.value)
    assert "less than one millionth" in loop


def questions(at) -> list:
    return [w for w in [*at.radio, *at.selectbox] if str(w.key).startswith("fp_predict")]


def test_one_question_and_where_it_fails_waits_for_it():
    at = app_test(PAGE)
    assert [w.key for w in questions(at)] == ["fp_predict"]  # "which word will “it” attend to most?" once
    assert not any("attends most to" in m.value for m in at.markdown)  # its row would answer the question
    assert any("once you have answered the question" in c.value for c in at.caption)
    at.selectbox(key="fp_predict").set_value("animal").run()
    assert [w.key for w in questions(at)] == ["fp_predict"]
    assert not any("Choose an answer first" in c.value for c in at.caption)  # no second question left waiting
    result = first_principles_attention(embed(LESSON, toy_vocabulary()).vectors)
    focus = attention_focus(result.weights, LESSON.index("it"), LESSON.index("animal"))
    assert at.error[0].value.startswith(
        f"Not quite. You chose “animal”; “it” puts most weight on “the” and “the (2)” ({focus.strongest_weight:.2f} "
        "each, step 3)."
    )
    shown = next(m.value for m in at.markdown if "attends most to" in m.value)
    tied = [unique_labels(LESSON)[j] for j in near_ties(result.weights, LESSON.index("it"), 0.02)]
    assert tied == ["the", "the (2)"]  # the two "the" share one toy vector: a tie, said as one
    assert f"**“the” and “the (2)”** ({focus.strongest_weight:.2f})" in shown
    assert f"“animal” only {focus.target_weight:.2f}" in shown
    assert any(link.label.startswith("Learned queries and keys") for link in at.get("page_link"))


def test_the_two_banks_wait_for_the_question_when_one_is_the_sentence():
    at = app_test(PAGE)
    assert at.slider(key="fp_w_money_1_1")  # the lesson's sentence: the bank tables do not answer its question
    at.text_input(key="fp_sentence").set_value("money bank grows").run()
    assert not [s for s in at.slider if str(s.key).startswith("fp_w_")]  # "bank → bank 0.70" would answer it
    at.radio(key="fp_predict").set_value("money").run()
    assert at.slider(key="fp_w_money_1_1").value == pytest.approx(0.7)


@pytest.mark.parametrize(
    "sentence, word",
    [
        ("The animal didn't cross the road because it was tired", "it"),
        ("The student said he was tired", "he"),
        ("I put money in the bank by the river bank", "bank (2)"),
        ("money bank grows", "bank"),
        ("Humans love smartphones", "love"),
    ],
)
def test_a_typed_sentence_is_asked_about_its_most_interesting_word(sentence, word):
    at = app_test(PAGE)
    at.text_input(key="fp_sentence").set_value(sentence).run()
    question = questions(at)[0]
    assert f"which word will “{word}” attend to most?" in question.label


def test_focus_word_rule():
    assert focus_word(tokenize("The student said he was tired").words) == (3, "pronoun")
    assert focus_word(LESSON) == (LESSON.index("it"), "pronoun")  # not its last word
    assert focus_word("the bank near the river bank".split()) == (5, "repeated")  # "the" repeats too: no meaning
    assert focus_word("money bank grows".split()) == (1, "middle")
    assert focus_word("the cat sat on the mat".split()) == (2, "middle")  # cat, sat, mat: the middle one
    assert focus_word("of the".split()) == (0, "middle")  # function words only
    assert focus_word(["word"]) == (0, "middle")
    with pytest.raises(ValueError):
        focus_word([])


def test_every_control_at_both_ends():
    at = app_test(PAGE)
    at.selectbox(key="fp_predict").set_value("it").run()
    for key, value in (("fp_d", 1), ("fp_d", 32), ("fp_temperature", 0.1), ("fp_temperature", 5.0)):
        at.slider(key=key).set_value(value).run()
        assert not at.exception, key
    at.selectbox(key="fp_focus").set_value(0).run()
    assert not at.exception
    for key, value in (("fp_w_money_0_0", 0.0), ("fp_w_river_2_2", 1.0), ("fp_w_money_1_1", 0.0)):
        at.slider(key=key).set_value(value).run()
        assert not at.exception
    at.button(key="fp_preset_softmax").click().run()
    computed = first_principles_attention(embed(["money", "bank", "grows"], toy_vocabulary()).vectors).weights
    assert at.slider(key="fp_w_money_1_0").value == pytest.approx(float(computed[1, 0]))
    at.button(key="fp_preset_uniform").click().run()
    assert at.slider(key="fp_w_river_0_2").value == pytest.approx(1 / 3)
    assert not at.exception


def test_presenter_mode_with_fragments():

    at = presenting_test(PAGE)
    assert [h.value for h in at.header] == ["The four steps"]
    at.slider(key="fp_d").set_value(5).run()  # a fragment rerun keeps the next sections hidden
    assert [h.value for h in at.header] == ["The four steps"] and not at.exception
    at.button(key="present_next").click().run()
    assert [h.value for h in at.header] == ["The four steps", "Edit the weights yourself: two banks"]


def test_cosine_of_two_vectors_and_unknown_words():
    a, b = torch.tensor([1.0, 2.0, 0.0]), torch.tensor([2.0, 1.0, 1.0])
    assert cosine(a, b) == pytest.approx(float(torch.nn.functional.cosine_similarity(a, b, dim=0)))
    assert unknown_words(["the", "zorb", "cat", "zorb", "ab"], toy_vocabulary()) == ["ab", "zorb"]


def test_neighbours_after_attention_are_those_of_each_output():
    toy = toy_vocabulary()
    found = neighbours_after_attention(["break", "a", "leg"], toy, k=2)
    output = first_principles_attention(embed(["break", "a", "leg"], toy).vectors).output
    assert found[2] == nearest_neighbours(output[2], toy.vectors, toy.words, k=2) and len(found) == 3


def test_formulas_carry_the_numbers():
    row = formulas.first_principles_row(["a", "b", "c"], 1, torch.tensor([0.5, 1.25, 2.0]), [(2, 0.61), (1, 0.3)], 0.5)
    assert "0.50,\\ 1.25,\\ 2.00" in row and r"0.61\,e_{\text{c}}" in row and row.endswith(r"+ \dots \end{aligned}")
    assert row.count("{") == row.count("}")
    heading, step = formulas.qkv_step(2, d_k=16, scale=True, temperature=1.0, causal=False)
    assert heading == "Steps 1–3 below; the last, step 3" and step == r"S' = S / \sqrt{d_k} = S / 4.00"


def test_the_downloads_wait_for_the_question_because_they_hold_its_answer():
    def export_box(at) -> bool:
        return any(e.label == "Take these numbers with you" for e in at.expander)

    at = app_test(PAGE)
    assert not export_box(at) and any("Downloads of this page's numbers appear" in c.value for c in at.caption)
    at.button(key="fp_predict_reveal").click().run()
    assert export_box(at) and not any("Downloads of this page's numbers" in c.value for c in at.caption)


def test_shown_ties_name_every_word_equal_at_the_shown_decimals():
    from core.attention import shown_ties

    assert shown_ties(torch.tensor([0.1169, 0.05, 0.1171]), 2) == [0, 2]  # both print as 0.12
    assert shown_ties(torch.tensor([0.1169, 0.05, 0.1371]), 2) == [2]


def test_feedback_says_the_tie_and_why_from_the_numbers():
    """The trophy sentence: "it" ties on the two "the" (0.12) and its largest dot product is not with itself."""
    sentence = "The trophy didn't fit in the suitcase because it was too big"
    words = tokenize(sentence).words
    at = app_test(PAGE)
    at.text_input(key="fp_sentence").set_value(sentence).run()
    assert any("trophy" in c.value and "made from its spelling" in c.value for c in at.caption)
    at.selectbox(key="fp_predict").set_value("big").run()
    result = first_principles_attention(embed(words, toy_vocabulary()).vectors)
    it = words.index("it")
    weight, scores = float(result.weights[it].max()), result.scores[it]
    said = at.error[0].value
    assert f"“it” puts most weight on “the” and “the (2)” ({weight:.2f} each, step 3)" in said
    assert f"with “the” and “the (2)” ({float(scores.max()):.2f}), not with itself ({float(scores[it]):.2f})" in said
    assert "often with itself" not in said


def test_feedback_says_itself_only_when_the_numbers_do():
    words = "humans love smartphones".split()  # "love": its own dot product is its row's largest
    at = app_test(PAGE)
    at.text_input(key="fp_sentence").set_value("Humans love smartphones").run()
    at.radio(key="fp_predict").set_value("humans").run()
    scores = first_principles_attention(embed(words, toy_vocabulary()).vectors).scores[1]
    assert int(scores.argmax()) == 1
    said = (at.error or at.success)[0].value
    assert f"Its highest dot product (step 2) is with itself ({float(scores[1]):.2f})" in said


def test_the_idiom_sentence_follows_its_nearest_words():
    at = app_test(PAGE)
    at.selectbox(key="fp_predict").set_value("the").run()
    found = neighbours_after_attention(["break", "a", "leg"], toy_vocabulary())
    own = [
        f"{w} → {near[0][0]}" for w, near in zip(["break", "a", "leg"], found) if near[0][0] in ("break", "a", "leg")
    ]
    shown = next(m.value for m in at.markdown if "Break a leg" in m.value)
    assert f"{len(own)} of its 3 outputs" in shown and ", ".join(own) in shown
    assert "break → leg" in shown  # the table's first row: leg (0.77) ahead of break (0.73)
