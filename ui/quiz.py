"""Predict, then reveal: a question asked before the page shows the answer, scored live.

The answer is never drawn before the student answers or presses *Reveal* (a teacher presenting
presses it for the room), and the choice is never kept in the URL: a shared link always starts
unanswered.
"""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

PROGRESS = "quiz_progress"


def _record(key: str, answer: str, also_right: tuple[str, ...]) -> None:
    """Count an answer as it is chosen, before the rerun draws the page: the course map at its top
    already shows it."""
    choice = st.session_state.get(key)
    if choice is not None:
        st.session_state.setdefault(PROGRESS, {})[key] = choice == answer or choice in also_right


def _reveal(key: str) -> None:
    st.session_state[f"{key}_revealed"] = True


def predict(
    key: str,
    question: str,
    options: list[str],
    answer: str,
    explanation: str,
    *,
    also_right: Collection[str] = (),
    tie_note: str = "",
    waiting: str = "",
) -> bool:
    """Ask; once answered (or revealed), say whether it was right (the answer comes from the live
    numbers). `also_right` lists options that count as right too (near-ties, stated in `tie_note`).

    Returns True once the question has been answered or revealed: the page draws what answers
    the question only then. Until then `waiting`, if given, says under the question what will appear.
    """
    with st.container(border=True, key=f"predict_box_{key}"):  # the key marks it for the browser tests
        ask = st.radio if len(options) <= 8 else st.selectbox  # long lists fold into a menu
        record = dict(on_change=_record, args=(key, answer, tuple(also_right)))
        choice = ask(f"**Predict first:** {question}", options, index=None, key=key, **record)
        answered = choice is not None or st.session_state.get(f"{key}_revealed", False)
        if not answered:
            st.button(
                "Reveal the answer",
                key=f"{key}_reveal",
                on_click=_reveal,
                args=(key,),
                type="tertiary",
                icon=":material/visibility:",
            )
            st.caption("Answer first: what answers the question appears below once you have chosen.")
        elif choice is None:
            st.info(f"The answer: **{answer}**. {explanation}")
        else:
            correct = choice == answer or choice in also_right
            if correct:
                verdict = "Right. " if choice == answer else f"Right: **{choice}** and **{answer}** are nearly tied. "
                st.success(verdict + (tie_note + " " if choice != answer and tie_note else "") + explanation)
            else:
                st.error(f"Not quite: it is **{answer}**. {explanation}")
    if not answered and waiting:
        st.caption(waiting)  # outside the question's box, where the answer will appear
    return bool(answered)


def progress() -> tuple[int, int]:
    """(answered, correct) across every page this session."""
    results = st.session_state.get(PROGRESS, {})
    return len(results), sum(results.values())


def answered_pages() -> set[str]:
    """The ids of the pages with a question answered this session (a question's key starts with its page's id)."""
    return {str(key).split("_", 1)[0] for key in st.session_state.get(PROGRESS, {})}
