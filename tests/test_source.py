"""The "show the code" panels: what ui.source finds behind a page's calls, and that every lesson's panel
covers every core/ function the lesson itself uses."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from core.attention import AttentionResult, first_principles_attention, neighbours_after_attention, softmax
from core.embeddings import Vocabulary, nearest_neighbours, toy_vocabulary
from core.tensors import as_tensor
from ui.navigation import LESSONS
from ui.source import code_behind, named_in

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


def imported(module: str, name: str):
    """What `from module import name` gives: an attribute, or a submodule (`from core import heads`)."""
    owner = importlib.import_module(module)
    return getattr(owner, name) if hasattr(owner, name) else importlib.import_module(f"{module}.{name}")


def used_core_functions(path: Path) -> set:
    """The core/ functions a lesson imports by name, or reaches as `module.function` of an imported core module."""
    tree = ast.parse(path.read_text())
    found, modules = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("core"):
            for alias in node.names:
                thing = imported(node.module, alias.name)
                if inspect.ismodule(thing):
                    modules[alias.asname or alias.name] = thing
                elif inspect.isfunction(thing):
                    found.add(thing)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            thing = getattr(modules[node.value.id], node.attr)
            if inspect.isfunction(thing):
                found.add(thing)
    return found


def shown_by(path: Path) -> set:
    """Everything the lesson's show_code calls display (their arguments resolved in the lesson's imports)."""
    tree = ast.parse(path.read_text())
    namespace: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("core"):
            for alias in node.names:
                namespace[alias.asname or alias.name] = imported(node.module, alias.name)
    listed = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "show_code":
            for argument in node.args:
                owner = namespace.get(argument.value.id) if isinstance(argument, ast.Attribute) else None
                listed.append(getattr(owner, argument.attr) if owner else namespace[argument.id])
    return set(code_behind(*listed))


WORDS_NOT_NUMBERS = ("core.text", "core.numbers")  # splitting text into words, writing numbers for people


@pytest.mark.parametrize("page", [p.path for p in LESSONS])
def test_every_core_function_a_lesson_uses_is_in_its_code_panel(page):
    path = ROOT / page
    used = {f for f in used_core_functions(path) if f.__module__ not in WORDS_NOT_NUMBERS}
    missing = {f.__qualname__ for f in used - shown_by(path)}
    assert not missing, f"{page} uses but does not show: {sorted(missing)}"
