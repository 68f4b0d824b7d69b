"""Presenter mode: bigger type, explanations folded, sections revealed one at a time."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui import quiz
from ui.session import PRESENTER, PRESENTER_LINK, presenting
from ui.url_state import notice

CURRENT_PAGE = "_current_page"
SECTION_COUNT = "_section_count"
# Constant CSS (no user text ever reaches it), on every page: a wide formula scrolls inside its own
# box instead of being cut off at a phone's edge; on a phone, narrow margins, and a chart of fixed
# width (small multiples) scrolls inside its own box instead of the page scrolling sideways, and formulas are
# set at the text's size (KaTeX's 1.21 em put the page's longest formulas past a phone's edge).
# Inputs bound inside a chart (ui.scrub) go above it (Streamlit's chart element is the .vega-embed itself),
# at most as wide as a Streamlit slider's track, narrower in a narrow column with the value on the same line,
# and large enough to drag with a finger.
SHARED_CSS = """
.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 2px; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1rem !important; padding-right: 1rem !important; }
  [data-testid="stVegaLiteChart"] { max-width: 100%; overflow-x: auto; }
  .katex-display > .katex { font-size: 1em; }
}
/* only charts with inputs: an ordinary chart of its content's width collapsed to 0 px in a flex box */
.stVegaLiteChart.vega-embed:has(.vega-bind) { display: inline-flex; flex-direction: column; max-width: 100%;
  overflow-x: auto; }
.stVegaLiteChart.vega-embed .vega-bindings { order: -1; display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem;
  margin-bottom: 0.5rem; }
.stVegaLiteChart.vega-embed .vega-bindings:empty { display: none; }
.stVegaLiteChart.vega-embed .vega-bind { max-width: 28rem; }
.stVegaLiteChart.vega-embed .vega-bind label { flex-wrap: nowrap; width: 100%; }
.stVegaLiteChart.vega-embed .vega-bind-name { min-width: 3.5rem; }
.stVegaLiteChart.vega-embed .vega-bind input[type="range"] { flex: 1 1 8rem; min-width: 5rem; height: 1.75rem;
  cursor: pointer; }
.stVegaLiteChart.vega-embed .vega-bind select { font-size: 0.875rem; padding: 0.25rem; min-height: 2rem;
  max-width: 100%; }
.stVegaLiteChart.vega-embed .vega-bind :focus-visible { outline: 2px solid #ff4b4b; outline-offset: 2px; }
"""
# Narrower side margins than Streamlit's default, so a 1024 px laptop with the sidebar open gives the
# lesson about 680 px instead of 560.
PAGE_CSS = f"""<style>
[data-testid="stMainBlockContainer"] {{ padding-left: 2rem; padding-right: 2rem; max-width: 1400px; }}
{SHARED_CSS}</style>"""
# Constant CSS for projection. Charts are not zoomed: they take their column's width, so larger type
# alone keeps them inside the screen with their legends.
PRESENTER_CSS = f"""<style>
html {{ font-size: 20px; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100%; padding-left: 2rem; padding-right: 2rem; }}
{SHARED_CSS}</style>"""


def current_page() -> str:
    """The id of the page this run draws (set by start_page)."""
    return st.session_state.get(CURRENT_PAGE, "home")


def _step_key() -> str:
    return f"present_step_{current_page()}"


def start_page(page_id: str) -> None:
    """Called by app.py before each page runs: which page, and no sections seen yet. Styled from the
    first run of a `?presenter=1` link, before the sidebar toggle exists."""
    st.session_state[CURRENT_PAGE] = page_id
    st.session_state[SECTION_COUNT] = 0
    quiz.start_run()
    st.html(PRESENTER_CSS if presenting() else PAGE_CSS)


def _move(delta: int) -> None:
    key = _step_key()
    st.session_state[key] = max(1, st.session_state.get(key, 1) + delta)


def presenter_toggle() -> None:
    """The sidebar's presenter switch, kept in the address as `?presenter=1`. Not a bound widget
    (ui.url_state): the binding reads only true/false, and teachers' links say 1. Written on every
    full run while presenting, as a page switch drops query parameters that no widget is bound to."""
    in_link = st.query_params.get(PRESENTER)
    if PRESENTER not in st.session_state and in_link is not None and in_link.lower() not in PRESENTER_LINK:
        notice(f"A value in the link was ignored ({PRESENTER}: not 1 or 0); presenter mode stays off.")
    st.toggle(
        "Presenter mode",
        value=PRESENTER_LINK.get((in_link or "").lower(), False),
        key=PRESENTER,
        help="For a projector: larger type, explanations folded, and each page's sections revealed one at a time.",
    )
    if presenting():
        if in_link != "1":
            st.query_params[PRESENTER] = "1"
    elif in_link is not None:
        del st.query_params[PRESENTER]


def sidebar_controls() -> None:
    """Previous / next / show all, in the sidebar, while presenting."""
    if not presenting():
        return
    step = st.session_state.get(_step_key(), 1)
    st.caption(f"Showing sections 1–{step} of this page.")
    back, forward = st.columns(2)
    back.button("◀ Previous", key="present_previous", on_click=_move, args=(-1,), width="stretch", disabled=step <= 1)
    forward.button("Next ▶", key="present_next_sidebar", on_click=_move, args=(1,), width="stretch")
    st.button("Show every section", key="present_all", on_click=_move, args=(100,), width="stretch")


def _show_step(key: str, step: str) -> None:
    st.session_state[key] = step


def step_button(key: str, steps: Sequence[str], shown: int, adds: Sequence[str] | None = None) -> None:
    """While presenting, a button under a section's revealed steps that reveals the next one (steps[shown + 1]):
    it moves the section's own step control (the widget `key`, choosing among `steps`), so the control and
    the link follow. Nothing once the last step is shown, or when not presenting (the control does it all).
    adds: what each step adds, for the button's label (cumulative steps "Q", "Q, K": "K"); default the steps."""
    if presenting() and shown < len(steps) - 1:
        st.button(
            f"Next step: {(adds or steps)[shown + 1]}",
            key=f"{key}_next",
            on_click=_show_step,
            args=(key, steps[shown + 1]),
            type="primary",
            icon=":material/arrow_downward:",
        )


def section(title: str) -> None:
    """A page section's heading. While presenting, later sections wait behind a Next button."""
    st.session_state[SECTION_COUNT] = st.session_state.get(SECTION_COUNT, 0) + 1
    if presenting() and st.session_state[SECTION_COUNT] > st.session_state.get(_step_key(), 1):
        st.divider()
        st.button(
            f"Next: {title}",
            key="present_next",
            on_click=_move,
            args=(1,),
            type="primary",
            icon=":material/arrow_forward:",
        )
        st.stop()
    st.header(title)
