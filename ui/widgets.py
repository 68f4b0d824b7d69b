"""Inputs and panels every page uses: the sentence box, the code panel, the question box."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import streamlit as st

from core.text import MAX_TOKENS, Tokens, tokenize
from ui import linked
from ui.present import presenting
from ui.state import PAGE_SENTENCE_SUFFIX, shared_sentence


def page_header(title: str, lead: str) -> None:
    st.title(title)
    st.markdown(lead)


def _set_value(key: str, value) -> None:
    st.session_state[key] = value


def sentence_input(
    page: str, *, label: str = "Sentence", max_tokens: int = MAX_TOKENS, examples: tuple[str, ...] = ()
) -> Tokens | None:
    """The page's sentence (starting from the sidebar's), split into words, with buttons that
    load example sentences.

    Shows a warning when words were cut off and a friendly note (returning None) when no
    word is left, so pages never see bad input.
    """
    key = f"{page}{PAGE_SENTENCE_SUFFIX}"
    text = linked.text_input(st, label, shared_sentence(), key=key, max_chars=2000)
    if examples:
        columns = st.columns(len(examples))
        for i, (column, example) in enumerate(zip(columns, examples)):
            column.button(
                example,
                key=f"{page}_example_{i}",
                on_click=_set_value,
                args=(key, example),
                width="stretch",
                help="Use this example sentence",
            )
    try:
        tokens = tokenize(text, max_tokens=max_tokens)
    except ValueError as reason:
        st.info(f"{reason} For example: *money bank grows*.")
        return None
    if tokens.truncated:
        st.warning(f"This page uses the first {max_tokens} words only; the rest were left out.")
    return tokens


def show_code(*functions: Callable, title: str = "Show the code this page runs") -> None:
    """The real source of the core/ functions behind the numbers on screen."""
    with st.expander(title, icon=":material/code:"):
        for function in functions:
            st.code(inspect.getsource(function), language="python")


def explain(text: str, *, title: str = "In plain words") -> None:
    """The page's explanation in plain words (folded while presenting: the teacher says it)."""
    with st.expander(title, expanded=not presenting(), icon=":material/lightbulb:"):
        st.markdown(text)
