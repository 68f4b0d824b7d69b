"""Downloads: every chart as PNG, SVG and CSV; every page's numbers as JSON with a snippet that
reproduces them. Files are made only when a download button is pressed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
import torch

from ui import quiz
from ui.memory import return_freed_memory
from ui.specs import DRAWING_FIELDS
from ui.widgets import folded

EXPORT_SUFFIX = "_export"


EXPORT_WIDTH = 640  # pixels, for charts that take their column's width on the page


def _sized(spec: dict) -> dict:
    """A file has no column to fill: a chart as wide as its container gets a fixed width."""
    return {**spec, "width": EXPORT_WIDTH} if spec.get("width", "container") == "container" else spec


def png_bytes(spec: dict) -> bytes:
    import vl_convert  # offline renderer of Vega-Lite; imported on first download only

    png = vl_convert.vegalite_to_png(_sized(spec), scale=2)
    return_freed_memory()
    return png


def svg_text(spec: dict) -> str:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(_sized(spec))
    return_freed_memory()
    return svg


def spec_table(spec: dict) -> pd.DataFrame:
    """The data a chart draws, as a table, without the fields that only say how to draw it."""
    table = pd.DataFrame(spec.get("data", {}).get("values", []))
    return table.drop(columns=[c for c in DRAWING_FIELDS if c in table.columns])


def chart_downloads(
    spec: dict | Callable[[], dict],
    *,
    key: str,
    table: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
    where=st,
) -> None:
    """A small menu under a chart: PNG, SVG, and its data as CSV. Its buttons are built only while
    the menu is open (opening it reruns the page), so an ordinary rerun sends one widget, not four.
    `spec`: the chart, or a function that builds it: a chart drawn in the browser for every position of its
    inputs (ui.scrub) is downloaded at one position, whose spec is built only once the menu is open. `table`: the
    CSV (by default the spec's records), or a function that builds it."""
    name = key.removesuffix("_chart")
    menu = where.popover(
        "Download",
        icon=":material/download:",
        type="tertiary",
        key=f"{key}_downloads",
        help="This chart as PNG or SVG, and its numbers as CSV.",
        on_change="rerun",
    )
    if not menu.open:
        return
    spec = spec() if callable(spec) else spec
    table = table() if callable(table) else table
    csv = (lambda: table.to_csv()) if table is not None else (lambda: spec_table(spec).to_csv(index=False))
    downloads = (
        ("PNG image", lambda: png_bytes(spec), "png", "image/png", ":material/image:"),
        ("SVG image", lambda: svg_text(spec), "svg", "image/svg+xml", ":material/draw:"),
        ("Data (CSV)", csv, "csv", "text/csv", ":material/table:"),
    )
    with menu:
        for label, data, suffix, mime, icon in downloads:
            st.download_button(label, data=data, file_name=f"{name}.{suffix}", mime=mime, key=f"{key}_{suffix}",
                               on_click="ignore", icon=icon)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def page_export(page: str, numbers: dict[str, Any], snippet: str | None = None) -> None:
    """The page's current numbers as JSON, and (where the page is pure math) a short torch
    script that recomputes them from the same inputs."""
    payload = {"page": page, **_plain(numbers)}
    st.session_state[f"{page}{EXPORT_SUFFIX}"] = (payload, snippet)  # what the downloads hold (and tests read)
    if quiz.waiting():  # its numbers hold the answer to a question above
        st.caption(
            "Downloads of this page's numbers appear once you have answered the question above: they hold its answer."
        )
        return
    # Built only while open: the script spells out the page's tensors in highlighted code.
    box = folded("Take these numbers with you", key=f"{page}_export_open", icon=":material/download:")
    if box is None:
        return
    with box:
        st.download_button(
            "All numbers on this page (JSON)",
            data=lambda: json.dumps(payload, indent=1),
            file_name=f"{page}.json",
            mime="application/json",
            key=f"{page}_json",
            on_click="ignore",
        )
        if snippet:
            st.caption("This script recomputes the same numbers with plain torch, from the page's current inputs:")
            st.code(snippet, language="python")
            st.download_button(
                "The script (.py)",
                data=snippet,
                file_name=f"{page}.py",
                mime="text/x-python",
                key=f"{page}_snippet",
                on_click="ignore",
            )


def literal(tensor: torch.Tensor, digits: int = 6) -> str:
    """A tensor written as Python source, rounded so a snippet stays readable."""
    return f"torch.tensor({json.dumps(torch.round(tensor.detach().cpu().double(), decimals=digits).tolist())})"
