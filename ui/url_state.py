"""Widgets whose values live in the URL, so a link opens exactly the same view.

Use like the Streamlit widget, with the container first: url_state.slider(st, "d_k", 1, 64, 4, key="qkv_d_k")
or url_state.slider(columns[0], ...). Before the widget is first drawn in a session, a value from the
URL (checked against the widget's own range or options) becomes its starting value; after each run
its value is written back to the URL, or removed from it when it equals the widget's default, so a
link carries only what was changed. A bad value falls back to the default with a plain-words notice.

Why not Streamlit's own `bind="query-params"`: its URL updates happen in the browser, so neither
`st.query_params` (the "Share this view" link) nor `AppTest` (the link round-trip tests) see them,
and it drops a bad value silently where a student should be told why the link did not apply.
Predict-first questions are never URL widgets (a shared link must not carry an answer).
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from typing import Any

import streamlit as st

MAX_TEXT = 2000
NOTICES = "_url_notices"


def _number(params: dict) -> Callable[[str], Any]:
    low, high = params.get("min_value"), params.get("max_value")
    kind = float if any(isinstance(v, float) for v in (low, high, params.get("value"), params.get("step"))) else int

    def parse(raw: str):
        try:
            number = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        if kind is int and not number.is_integer():
            raise ValueError("not a whole number")
        value = kind(number)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"outside {low} to {high}")
        return value

    return parse


def _option(params: dict) -> Callable[[str], Any]:
    options = list(params.get("options") or [])

    def parse(raw: str):
        for option in options:
            if str(option) == raw:
                return option
        raise ValueError("not one of the choices")

    return parse


def _options(params: dict) -> Callable[[str], Any]:
    one = _option(params)

    def parse(raw: str):
        try:
            values = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError("not a list of choices") from None
        limit = params.get("max_selections") or len(params.get("options") or [])
        if not isinstance(values, list) or len(values) > limit:
            raise ValueError(f"not a list of at most {limit} choices")
        return [one(str(v)) for v in values]

    return parse


def _flag(params: dict) -> Callable[[str], Any]:
    def parse(raw: str):
        if raw.lower() in ("1", "true"):
            return True
        if raw.lower() in ("0", "false"):
            return False
        raise ValueError("not on or off")

    return parse


def _text(params: dict) -> Callable[[str], Any]:
    limit = params.get("max_chars") or MAX_TEXT

    def parse(raw: str):
        if len(raw) > limit:
            raise ValueError(f"longer than {limit} characters")
        return raw

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


def default_value(kind: str, params: dict) -> Any:
    """The value the widget shows when nothing was chosen: what a link leaves out."""
    options = list(params.get("options") or [])
    if kind in ("slider", "number_input"):
        return params.get("value", params.get("min_value"))
    if kind == "select_slider":
        return params.get("value", options[0] if options else None)
    if kind in ("selectbox", "radio"):
        index = params.get("index", 0)
        return options[index] if index is not None and options else None
    if kind in ("toggle", "checkbox"):
        return params.get("value", False)
    if kind in ("text_input", "text_area"):
        return params.get("value", "")
    if kind == "multiselect":
        return list(params.get("default") or [])
    return params.get("default")


def _encode(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return json.dumps([str(v) for v in value], ensure_ascii=False)
    return str(value)


def restore(key: str, parse: Callable[[str], Any]) -> None:
    """Start the widget `key` from the URL's value, once per session, if that value is valid."""
    if key in st.session_state or key not in st.query_params:
        return
    try:
        st.session_state[key] = parse(st.query_params[key])
    except (ValueError, TypeError) as reason:
        st.session_state.setdefault(NOTICES, []).append(f"{key}: {reason}")
        del st.query_params[key]


def publish(key: str, value: Any, default: Any) -> None:
    """Write the value to the URL, or take it out when it is the default."""
    encoded = _encode(value)
    if encoded is None or encoded == _encode(default):
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != encoded:
        st.query_params[key] = encoded


def show_notices() -> None:
    """One small notice for every link value that was ignored (called once per run, by app.py)."""
    for notice in st.session_state.pop(NOTICES, []):
        st.toast(f"A value in the link was ignored ({notice[:120]}); the default is used.", icon=":material/link_off:")


def _linked(kind: str):
    signature = inspect.signature(getattr(st, kind))

    def widget(where, *args, **kwargs):
        params = signature.bind_partial(*args, **kwargs).arguments
        key = params["key"]
        restore(key, PARSERS[kind](params))
        value = getattr(where, kind)(*args, **kwargs)
        publish(key, value, default_value(kind, params))
        return value

    widget.__name__ = kind
    widget.__doc__ = f"st.{kind}, with its value kept in the URL (see the module docstring)."
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
