"""The "show the code" panels: what ui.source finds in a page and behind its calls."""

from pathlib import Path

from core.attention import (
    AttentionResult,
    first_principles_attention,
    near_ties,
    neighbours_after_attention,
    softmax,
    top_weights,
    weighted_sum_loop,
)
from core.embeddings import Vocabulary, embed, nearest_neighbours, toy_vocabulary, unknown_vector
from core.tensors import as_tensor
from ui.source import code_behind, named_in, named_in_source, source

ROOT = Path(__file__).resolve().parents[1]


def test_calls_are_followed_depth_first_each_once():
    shown = code_behind(neighbours_after_attention, first_principles_attention)
    assert shown[:4] == [neighbours_after_attention, first_principles_attention, softmax, shown[3]]
    assert nearest_neighbours in shown and len(shown) == len(set(shown))
    assert as_tensor not in shown  # tensor conversions are left out
    assert AttentionResult not in named_in(first_principles_attention)  # result records too


def test_annotations_are_not_code_that_runs():
    assert Vocabulary not in named_in(neighbours_after_attention)  # only named as the type of an argument
    assert Vocabulary in named_in(toy_vocabulary)  # built there


PAGE = """
from core.attention import first_principles_attention
from core.embeddings import Vocabulary, embed, toy_vocabulary


def probe(vocabulary: Vocabulary) -> None:
    return first_principles_attention(embed(["a"], vocabulary).vectors)
"""


def test_a_page_shows_what_its_source_names_in_order_not_its_annotations():
    namespace: dict = {}
    exec(PAGE, namespace)
    assert named_in_source(PAGE, namespace) == [first_principles_attention, embed]


def test_every_core_function_of_a_page_is_in_its_code_panel():
    from conftest import app_test, open_code_panel

    page = "lessons/first_principles.py"
    shown = {c.value for c in open_code_panel(app_test(page), page).code}
    for function in (top_weights, near_ties, softmax, weighted_sum_loop, unknown_vector):  # named, or reached
        assert source(function).strip() in shown, function.__name__
    assert source(as_tensor).strip() not in shown
