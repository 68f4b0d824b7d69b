"""Inputs and panels every page uses: the sentence box, the code panel, the question box."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import streamlit as st
import torch

from core.text import MAX_TOKENS, tokenize
from ui import url_state
from ui.course import lesson_map
from ui.glossary import words_box
from ui.present import current_page
from ui.session import shared_sentence
from ui.sidebar import page_sentence_key
from ui.source import code_behind, named_in_source, source


def page_header(title: str, lead: str) -> None:
    """A lesson's title, its place on the course map (ui.course), its opening paragraph, and the technical
    words the page uses with their meanings (ui.glossary)."""
    st.title(title)
    lesson_map(current_page())
    st.markdown(lead)
    words_box(current_page())


def set_value(key: str, value) -> None:
    """Put `value` into the widget `key` (a button's on_click, before the widget is drawn)."""
    st.session_state[key] = value


class Sentence(NamedTuple):
    text: str  # as typed (what a model tokenises itself)
    words: list[str]  # core.text.tokenize's words, at most max_tokens
    truncated: bool  # words were left out


def sentence_input(
    page: str, *, label: str = "Sentence", max_tokens: int = MAX_TOKENS, examples: tuple[str, ...] = ()
) -> Sentence | None:
    """The page's sentence (starting from the sidebar's), split into words, with buttons that
    load example sentences.

    Shows a warning when words were cut off and a friendly note (returning None) when no
    word is left, so pages never see bad input.
    """
    key = page_sentence_key(page)
    text = url_state.text_input(st, label, shared_sentence(), key=key, max_chars=2000)
    if examples:
        row = st.container(horizontal=True)  # buttons as wide as their sentence, wrapping: none cut short
        for i, example in enumerate(examples):
            row.button(
                example,
                key=f"{page}_example_{i}",
                on_click=set_value,
                args=(key, example),
                width="content",
                help="Use this example sentence",
            )
    try:
        tokens = tokenize(text, max_tokens=max_tokens)
    except ValueError as reason:
        st.info(f"{reason} For example: *money bank grows*.")
        return None
    if tokens.truncated:
        st.warning(f"This page uses the first {max_tokens} words only; the rest were left out.")
    return Sentence(text, tokens.words, tokens.truncated)


@cache  # the lesson files do not change while the server runs
def _page_source(path: str) -> str:
    return Path(path).read_text()


def folded(label: str, *, key: str, icon: str | None = None):
    """An expander whose contents are built only while it is open (opening it reruns the section
    that draws it): the expander when open, else None. For heavy contents (highlighted code, tables),
    which a collapsed expander would still send and draw on every rerun (~10–20 ms each in Chromium)."""
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    return box if box.open else None


def show_code(*also: Callable, title: str = "Show the code this page runs", whole_page: bool = True) -> None:
    """The real source of the core/ code behind the numbers on screen: every core/ function and class
    the calling page names (read from its own source), then `also` (what runs for it elsewhere, e.g.
    through ui.model_cache), each followed by the core/ code it uses in turn (ui.source).
    `whole_page=False`: `also` only, for a section's own panel."""
    page = sys._getframe(1)  # the lesson (or one of its functions) that called show_code
    box = folded(title, key=code_panel_key(page.f_code.co_filename, title), icon=":material/code:")
    if box is None:
        return
    named = named_in_source(_page_source(page.f_code.co_filename), page.f_globals) if whole_page else []
    for function in code_behind(*named, *also):
        box.code(source(function), language="python")


def code_panel_key(path: str, title: str) -> str:
    """The session key of a page's code panel (tests open it through this)."""
    return f"code_{Path(path).stem}_{'_'.join(title.lower().split())}"


def sentence_pair(
    labels: tuple[str, str], defaults: tuple[str, str], keys: tuple[str, str], max_chars: int = 300
) -> tuple[str, str]:
    """Two text boxes side by side (kept in the URL), for pages that compare two sentences."""
    return tuple(
        url_state.text_input(column, label, default, key=key, max_chars=max_chars)
        for column, label, default, key in zip(st.columns(2), labels, defaults, keys, strict=True)
    )


def token_picker(where, label: str, options: list[str], key: str, preferred: tuple[str, ...] = ()) -> str:
    """A token choice that follows the sentence: it opens on the first `preferred` token present, else
    on the first word (not "every token", not [CLS]); a choice the new sentence lacks goes back to that."""
    words = [i for i, option in enumerate(options) if option != "every token" and not option.startswith("[")]
    index = next((options.index(w) for w in preferred if w in options), words[0] if words else 0)
    if key in st.session_state and st.session_state[key] not in options:
        # set, not deleted: a deleted key left the browser's box showing the old token beside a chart
        # of the new one. Back at its default, the bound widget leaves the URL.
        st.session_state[key] = options[index]
    return url_state.selectbox(where, label, options, index=index, key=key)


def matrix_editor(where, matrix: torch.Tensor, rows: list[str], *, key: str, height: int = 260) -> torch.Tensor:
    """An editable table of `matrix` (n, m) in `where`, rows labelled, columns numbered 0…m−1: the
    edited numbers as a float32 tensor (n, m), an emptied cell read as 0."""
    frame = pd.DataFrame(matrix.detach().cpu().numpy(), index=rows, columns=[str(j) for j in range(matrix.shape[1])])
    edited = where.data_editor(frame, key=key, height=height)
    return torch.tensor(edited.fillna(0.0).to_numpy(dtype="float64")).float()


def slider_grid(words: list[str], defaults: list[list[float]], *, key: str) -> list[list[float]]:
    """A 0-to-1 slider for every pair of words ("money → bank"), one row of columns per word, keys
    f"{key}_{i}_{j}": the values as a table (rows: the word asking)."""
    return [
        [
            url_state.slider(cell, f"{word} → {other}", 0.0, 1.0, defaults[i][j], 0.01, key=f"{key}_{i}_{j}")
            for j, (cell, other) in enumerate(zip(st.columns(len(words)), words))
        ]
        for i, word in enumerate(words)
    ]


def set_slider_grid(key: str, table: list[list[float]]) -> None:
    """Move every slider of slider_grid(..., key=key) to `table` (a button's on_click)."""
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            st.session_state[f"{key}_{i}_{j}"] = float(value)


def explain(text: str, *, title: str = "In plain words") -> None:
    """The page's explanation in plain words (folded while presenting: the teacher says it)."""
    # Folded: opened on request, it cannot give a predict-first answer away before the question.
    with st.expander(title, expanded=False, icon=":material/lightbulb:"):
        st.markdown(text)
