"""Predict, then reveal: a question asked before the page shows the answer, scored live."""

from __future__ import annotations

import streamlit as st

from ui import linked

PROGRESS = "quiz_progress"


def predict(key: str, question: str, options: list[str], answer: str, explanation: str) -> bool:
    """Ask; once answered, say whether it was right (the answer comes from the live numbers).

    Returns True once the question has been answered, so a page can hold back its reveal.
    """
    with st.container(border=True):
        ask = linked.radio if len(options) <= 8 else linked.selectbox  # long lists fold into a menu
        choice = ask(st, f"**Predict first:** {question}", options, index=None, key=key)
        if choice is None:
            st.caption("Answer to reveal what the computation says.")
            return False
        correct = choice == answer
        st.session_state.setdefault(PROGRESS, {})[key] = correct
        (st.success if correct else st.error)(
            ("Right. " if correct else f"Not quite: it is **{answer}**. ") + explanation
        )
        return True


def progress() -> tuple[int, int]:
    """(answered, correct) across every page this session."""
    results = st.session_state.get(PROGRESS, {})
    return len(results), sum(results.values())
