"""Widgets whose values live in the URL, so a link opens exactly the same view.

Use like the Streamlit widget, with the container first: linked.slider(st, "d_k", 1, 64, 4, key="qkv_d_k")
or linked.slider(columns[0], ...). Before the widget is first drawn in a session, a value from the
URL (checked against the widget's own range or options) becomes its starting value; after it is
drawn, its value is written back to the URL. Bad values are ignored with a small notice.
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
        value = kind(float(raw)) if kind is int and float(raw).is_integer() else kind(raw)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not a finite number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"outside {low}..{high}")
        return value

    return parse


def _option(params: dict) -> Callable[[str], Any]:
    options = list(params.get("options") or [])

    def parse(raw: str):
        for option in options:
            if str(option) == raw:
                return option
        raise ValueError("not one of the options")

    return parse


def _options(params: dict) -> Callable[[str], Any]:
    one = _option(params)

    def parse(raw: str):
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) > len(params.get("options") or []):
            raise ValueError("not a list of options")
        return [one(str(v)) for v in values]

    return parse


def _flag(params: dict) -> Callable[[str], Any]:
    def parse(raw: str):
        if raw.lower() in ("1", "true"):
            return True
        if raw.lower() in ("0", "false"):
            return False
        raise ValueError("not on/off")

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
    raw = st.query_params[key]
    try:
        st.session_state[key] = parse(raw)
    except (ValueError, TypeError, json.JSONDecodeError) as reason:
        st.session_state.setdefault(NOTICES, []).append(f"{key}: {reason}")


def publish(key: str, value: Any) -> None:
    encoded = _encode(value)
    if encoded is None:
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
        publish(key, value)
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
