"""Widgets whose values live in the URL, so a link opens exactly the same view.

Use like the Streamlit widget, with the container first: url_state.slider(st, "d_k", 1, 64, 4, key="qkv_d_k")
or url_state.slider(columns[0], ...). Each widget is Streamlit's own, bound with `bind="query-params"`:
Streamlit seeds it from the URL on a page's first run, writes every change to the address bar, and
leaves a value out of the URL while it equals the widget's default, so a link carries only what was
changed. Predict-first questions are never URL widgets (a shared link must not carry an answer).

This wrapper adds only what the binding cannot do: a plain-words notice for a link value that cannot
be used as it stands (Streamlit drops it, cuts a text, reads 2.5 as 2 or leaves out unknown choices,
silently), checked against the widget's own range or options before the widget is drawn. Presenter
mode is not a bound widget: its links say `?presenter=1`, which the binding would not read (ui.present).

The binding changes the address bar in the browser; the server's `st.query_params` does not follow
a widget's change on the same page, so the "Share this view" link (ui.sidebar) is read in the
browser, from the address bar, and tests that need a link's round trip open one (tests/test_classroom.py).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import streamlit as st

MAX_TEXT = 2000


class UsedAs(ValueError):
    """A link value the binding uses changed (a text cut, 2.5 read as 2, unknown choices left out)."""


def _number(params: dict) -> Callable[[list[str]], Any]:
    low, high = params.get("min_value"), params.get("max_value")
    kind = float if any(isinstance(v, float) for v in (low, high, params.get("value"), params.get("step"))) else int

    def parse(raw: list[str]):
        try:
            number = float(raw[-1])
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        value = kind(number)  # Streamlit reads 2.5 as 2 on a whole-number slider
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"outside {low} to {high}")
        if value != number:
            raise UsedAs(f"not a whole number; {value} is used")
        return value

    return parse


def _option(params: dict) -> Callable[[list[str]], Any]:
    options = {str(option): option for option in params.get("options") or []}

    def parse(raw: list[str]):
        if raw[-1] not in options:
            raise ValueError("not one of the choices")
        return options[raw[-1]]

    return parse


def _options(params: dict) -> Callable[[list[str]], Any]:
    """One URL value per chosen option (?words=king&words=queen); Streamlit keeps the known ones."""
    options = {str(option): option for option in params.get("options") or []}

    def parse(raw: list[str]):
        unknown = [value for value in raw if value not in options]
        if unknown and len(unknown) == len(raw):
            raise ValueError("none of them is one of the choices")
        if unknown:
            raise UsedAs(f"{', '.join(unknown)[:60]}: not among the choices, left out")
        return [options[value] for value in raw]

    return parse


def _flag(params: dict) -> Callable[[list[str]], Any]:
    def parse(raw: list[str]):
        if raw[-1].lower() not in ("true", "false"):
            raise ValueError("not on or off (true or false)")
        return raw[-1].lower() == "true"

    return parse


def _text(params: dict) -> Callable[[list[str]], Any]:
    limit = params.get("max_chars") or MAX_TEXT

    def parse(raw: list[str]):
        if len(raw[-1]) > limit:
            raise UsedAs(f"longer than {limit} characters; its first {limit} are used")
        return raw[-1]

    return parse


PARSERS = {
    "slider": _number,
    "number_input": _number,
    "select_slider": _option,
    "selectbox": _option,
    "radio": _option,
    "segmented_control": _option,
    "multiselect": _options,
    "toggle": _flag,
    "checkbox": _flag,
    "text_input": _text,
    "text_area": _text,
}


def _check_link_value(key: str, parse: Callable[[list[str]], Any]) -> None:
    """On a link's first load of the widget, before it is drawn: a notice for a value the binding will
    not use as it stands."""
    if key in st.session_state or key not in st.query_params:
        return
    try:
        parse(st.query_params.get_all(key))
    except UsedAs as reason:
        notice(f"A value in the link was adjusted ({key}: {reason}).")
    except (ValueError, TypeError) as reason:
        notice(f"A value in the link was ignored ({key}: {reason}); the default is used.")


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
        _check_link_value(key, PARSERS[kind](params))
        if kind in ("slider", "number_input"):
            _keep_in_range(key, params)
        value = getattr(where, kind)(*args, bind="query-params", **kwargs)
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
