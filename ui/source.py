"""Which core/ code a page runs, for its "show the code" panel, read from the code itself so the panel
cannot fall behind it: the core/ functions and classes a page's source names, each followed by the
core/ functions and classes that its own source names in turn (resolved in the module defining it).

Not found this way, so a page names them itself: what runs through an object (`encoder.run(...)`
inside ui.model_cache). Left out: type annotations (types, not code that runs), result records
(NamedTuple classes: fields, not computations) and core.tensors (the tensor conversions every
function makes).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable
from functools import cache

LEFT_OUT = ("core.tensors",)


@cache  # reading source files costs ~40 ms a page; the source does not change while the server runs
def source(function: Callable) -> str:
    return inspect.getsource(function)


def _shown(thing: object) -> bool:
    """A core/ function or class worth showing."""
    module = getattr(thing, "__module__", None) or ""
    if not module.startswith("core.") or module in LEFT_OUT:
        return False
    if inspect.isclass(thing):
        return not issubclass(thing, tuple)  # NamedTuple results
    return inspect.isfunction(thing)


def _resolve(node: ast.expr, namespace: dict) -> object | None:
    """What a name (`softmax`) or a module attribute (`heads.top_heads`) refers to in `namespace`."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        if inspect.ismodule(owner) or inspect.isclass(owner):
            return getattr(owner, node.attr, None)
    return None


def _without_annotations(tree: ast.AST) -> ast.AST:
    """Type annotations name classes as types, not as code that runs: they are left out."""
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant(None)
    return tree


@cache
def _names(text: str) -> tuple[ast.expr, ...]:
    """Every name and attribute that `text` (source code) reads, outside annotations, in order."""
    tree = _without_annotations(ast.parse(textwrap.dedent(text)))
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, ast.Load)]
    return tuple(sorted(nodes, key=lambda n: (n.lineno, n.col_offset)))


def named_in_source(text: str, namespace: dict) -> list[Callable]:
    """The core/ functions and classes that source `text` names (calls or passes on), resolved in
    `namespace` (the globals it runs with), in the order they first appear."""
    found: list[Callable] = []
    for node in _names(text):
        thing = _resolve(node, namespace)
        if _shown(thing) and thing not in found:
            found.append(thing)
    return found


@cache
def named_in(function: Callable) -> tuple[Callable, ...]:
    """The core/ functions and classes that `function`'s source names, itself left out."""
    namespace = vars(sys.modules[function.__module__])  # a method's names resolve in its class's module
    return tuple(f for f in named_in_source(source(function), namespace) if f is not function)


def code_behind(*functions: Callable) -> list[Callable]:
    """`functions` and every core/ function or class they reach by name, each once, each followed
    right after the first function that names it (depth first)."""
    shown: list[Callable] = []

    def visit(function: Callable) -> None:
        if function in shown:
            return
        shown.append(function)
        for callee in named_in(function):
            visit(callee)

    for function in functions:
        visit(function)
    return shown
