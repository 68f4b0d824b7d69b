"""Widgets whose values live in the URL, so a link opens exactly the same view.

Use like the Streamlit widget, with the container first: url_state.slider(st, "d_k", 1, 64, 4, key="qkv_d_k")
or url_state.slider(columns[0], ...). Each widget is Streamlit's own, bound with `bind="query-params"`:
Streamlit seeds it from the URL on a page's first run, writes every change to the address bar, and
leaves a value out of the URL while it equals the widget's default, so a link carries only what was
changed. Predict-first questions are never URL widgets (a shared link must not carry an answer).

This wrapper adds only what the binding cannot do: a plain-words notice when a link's value is not
what the widget shows (Streamlit silently drops a value outside the widget's range or options, cuts a
long text, reads 2.5 as 2, leaves out unknown choices), and keeping a number inside a range that
shrank (Streamlit refuses it). Presenter mode is not a bound widget: its links say `?presenter=1`,
which the binding would not read (ui.present).

The binding changes the address bar in the browser; the server's `st.query_params` does not follow
a widget's change on the same page, so the "Share this view" link (ui.sidebar) is read in the
browser, from the address bar, and tests that need a link's round trip open one (tests/test_classroom.py).
"""

from __future__ import annotations

import inspect
from typing import Any

import streamlit as st


def _same(raw: str, value: Any) -> bool:
    """Whether a link's text is this value as the binding writes it (5 and 5.0 alike, True and true alike)."""
    if isinstance(value, bool):
        return raw.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(raw) == value
        except ValueError:
            return False
    return raw == str(value)


def _used_as_given(raw: list[str], value: Any) -> bool:
    if isinstance(value, (list, tuple)):  # one URL value per chosen option (?words=king&words=queen)
        return len(raw) == len(value) and all(map(_same, raw, value))
    return _same(raw[-1], value)


def _short(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def notice(text: str) -> None:
    """A small plain-words notice about a link value."""
    st.toast(text if len(text) < 200 else text[:199] + "…", icon=":material/link_off:")


def _keep_in_range(key: str, params: dict) -> None:
    """A number whose range shrank (the Step slider of a shorter sentence) moves to the nearest end:
    the bound widget keeps its value by key, and Streamlit refuses one outside the new range."""
    low, high, value = params.get("min_value"), params.get("max_value"), st.session_state.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if low is not None and value < low:
            st.session_state[key] = low
        elif high is not None and value > high:
            st.session_state[key] = high


def _linked(kind: str):
    signature = inspect.signature(getattr(st, kind))

    def widget(where, *args, **kwargs):
        params = signature.bind_partial(*args, **kwargs).arguments
        key = params["key"]
        # the cheap test first: `in st.session_state` copies the whole state on every call
        first_from_link = key in st.query_params and key not in st.session_state
        from_link = st.query_params.get_all(key) if first_from_link else []
        if kind in ("slider", "number_input"):
            _keep_in_range(key, params)
        value = getattr(where, kind)(*args, bind="query-params", **kwargs)
        if from_link and not _used_as_given(from_link, value):
            notice(
                f"The link's value for “{params.get('label', key)}” ({_short(from_link[-1])}) could not be used as "
                f"it was ({key}); the page uses {_short(value) or 'nothing'}."
            )
        return value

    widget.__name__ = kind
    widget.__doc__ = f"st.{kind} bound to the URL (see the module docstring)."
    return widget


slider = _linked("slider")
select_slider = _linked("select_slider")
selectbox = _linked("selectbox")
multiselect = _linked("multiselect")
radio = _linked("radio")
segmented_control = _linked("segmented_control")
toggle = _linked("toggle")
number_input = _linked("number_input")
text_input = _linked("text_input")
text_area = _linked("text_area")
