"""Predict, then reveal: a question asked before the page shows the answer, scored live.

The answer is never drawn before the student answers or presses *Reveal* (a teacher presenting
presses it for the room), and the choice is never kept in the URL: a shared link always starts
unanswered.
"""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

PROGRESS = "quiz_progress"
WAITING = "quiz_waiting"  # the questions asked so far in this run of the page and not yet answered


def start_run() -> None:
    """Called before each whole run of a page: no question asked yet."""
    st.session_state[WAITING] = set()


def waiting() -> bool:
    """Whether a question asked earlier in this run of the page is still unanswered: what follows it on the
    page and would answer it (its downloads, say) waits too."""
    return any(not answered(key) for key in st.session_state.get(WAITING, ()))


def _record(key: str, answer: str, also_right: tuple[str, ...], whole_page: bool) -> None:
    """Count an answer as it is chosen, before the rerun draws the page: the course map at its top
    already shows it."""
    choice = st.session_state.get(key)
    if choice is not None:
        st.session_state.setdefault(PROGRESS, {})[key] = choice == answer or choice in also_right
        st.session_state[f"{key}_rerun_page"] = whole_page


def _reveal(key: str, whole_page: bool) -> None:
    st.session_state[f"{key}_revealed"] = True
    st.session_state[f"{key}_rerun_page"] = whole_page


def answered(key: str) -> bool:
    """Whether the question `key` has been answered or revealed: for a section that answers it further down the
    page, outside the code that asked."""
    return st.session_state.get(key) is not None or st.session_state.get(f"{key}_revealed", False)


def feedback(choice: str | None, answer: str, fact: str = "", *, right: bool = False, tie_note: str = "") -> str:
    """The verdict in whole sentences that quote the student's choice and the answer.

    `fact` states the answer from the live numbers (e.g. "“it” puts most weight on “the” (0.21)"); without it
    the answer is quoted as an option. `right`: `choice` counts as right (the answer itself or a near-tie).
    """
    answer_is = fact or f"the answer is “{answer}”"
    if choice is None:  # revealed
        return f"{answer_is[0].upper()}{answer_is[1:]}."
    chose = f"You chose “{choice}”"
    if not right:
        return f"Not quite. {chose}; {answer_is}."
    if choice == answer:
        return f"Right. {chose}: {answer_is}."
    return f"Right. {chose}, nearly tied with “{answer}”: {answer_is}." + (f" {tie_note}" if tie_note else "")


def predict(
    key: str,
    question: str,
    options: list[str],
    answer: str,
    explanation: str,
    *,
    fact: str = "",
    also_right: Collection[str] = (),
    tie_note: str = "",
    waiting: str = "",
    whole_page: bool = True,
) -> bool:
    """Ask; once answered (or revealed), say whether it was right (the answer comes from the live
    numbers). `fact` states the answer in words from those numbers (see `feedback`); `also_right` lists
    options that count as right too (near-ties, stated in `tie_note`).

    Returns True once the question has been answered or revealed: the page draws what answers
    the question only then. Until then `waiting`, if given, says under the question what will appear.
    `whole_page` (the default): answering inside a fragment reruns the whole page once, so the progress line in
    the page's header and the sections outside the fragment that wait for this answer (see `answered`) follow it.
    False: only the fragment reruns (nothing outside it depends on the answer).
    """
    with st.container(border=True, key=f"predict_box_{key}"):  # the key marks it for the browser tests
        ask = st.radio if len(options) <= 8 else st.selectbox  # long lists fold into a menu
        record = dict(on_change=_record, args=(key, answer, tuple(also_right), whole_page))
        choice = ask(f"**Predict first:** {question}", options, index=None, key=key, **record)
        is_answered = answered(key)
        asked = st.session_state.setdefault(WAITING, set())
        (asked.discard if is_answered else asked.add)(key)
        if not is_answered:
            st.button(
                "Reveal the answer",
                key=f"{key}_reveal",
                on_click=_reveal,
                args=(key, whole_page),
                type="tertiary",
                icon=":material/visibility:",
            )
            st.caption("Choose an answer first (or reveal it): what shows the answer appears below once you have.")
        elif choice is None:
            st.info(f"{feedback(None, answer, fact)} {explanation}")
        else:
            right = choice == answer or choice in also_right
            said = feedback(choice, answer, fact, right=right, tie_note=tie_note)
            (st.success if right else st.error)(f"{said} {explanation}")
    if not is_answered and waiting:
        st.caption(waiting)  # outside the question's box, where the answer will appear
    if st.session_state.pop(f"{key}_rerun_page", False) and _in_fragment_run():
        st.rerun(scope="app")  # the header's progress line and the sections outside this fragment follow now
    return is_answered


def _in_fragment_run() -> bool:
    """Whether this run redraws only fragments (a widget inside one changed): the rest of the page is not
    redrawn unless asked."""
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def progress() -> tuple[int, int]:
    """(answered, correct) across every page this session."""
    results = st.session_state.get(PROGRESS, {})
    return len(results), sum(results.values())


def answered_pages() -> set[str]:
    """The ids of the pages with a question answered this session (a question's key starts with its page's id)."""
    return {str(key).split("_", 1)[0] for key in st.session_state.get(PROGRESS, {})}
