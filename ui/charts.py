"""One heatmap, one bar chart, one scatter and one line chart, reused by every page.

Charts are Vega-Lite specs: the grammar Altair writes, built here as plain dicts because building
and validating Altair objects took most of a rerun's time, and every slider move redraws them.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core.tensors import to_numpy
from ui import linked
from ui.export import chart_downloads
from ui.markdown import md_escape

SEQUENTIAL_PALETTES = ("viridis", "cividis", "magma", "greys")
CATEGORY_SCHEME = "tableau10"

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def render(
    spec: dict, *, key: str | None = None, width: str = "stretch", target=st, table: pd.DataFrame | None = None
) -> None:
    """Draw a chart spec into `target` (the page, a column or an st.empty slot); a chart with a
    key also gets PNG/SVG/CSV downloads (`table` is the CSV, by default the chart's data)."""
    target.vega_lite_chart(spec=spec, key=key, width=width)
    if key is not None:
        chart_downloads(spec, key=key, table=table, where=target)


def chart_spec(data: pd.DataFrame | list[dict], title: str = "", **body) -> dict:
    """A top-level Vega-Lite spec with the data inlined (NaN written as null)."""
    records = data if isinstance(data, list) else data.astype(object).where(data.notna(), None).to_dict("records")
    return {"$schema": SCHEMA, "title": title, "data": {"values": records}, **body}


def palette() -> str:
    """The colour scheme chosen for heatmaps (colour-blind-safe viridis by default)."""
    return st.session_state.get("palette", "viridis")


def matrix_frame(matrix: torch.Tensor | np.ndarray, rows: list[str], cols: list[str]) -> pd.DataFrame:
    """A square table with token labels: what "show numbers" displays and CSV exports."""
    values = to_numpy(matrix) if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)
    return pd.DataFrame(values, index=rows, columns=cols)


def _cells(values: np.ndarray, rows: list[str], cols: list[str], fmt: str | None) -> list[dict]:
    """One record per cell; masked (−∞) cells get no colour. With `fmt`, each cell also carries
    its printed value (written in the cell); without, records stay small for big matrices."""

    def cell(r: str, c: str, v: float) -> dict:
        record = {"row": r, "col": c, "value": round(v, 5) if math.isfinite(v) else None}
        if fmt:
            record["text"] = format(v, fmt) if math.isfinite(v) else ("−∞" if v < 0 else "∞")
        return record

    return [cell(r, c, v) for r, row_values in zip(rows, values.tolist()) for c, v in zip(cols, row_values)]


def heatmap(
    matrix: torch.Tensor | np.ndarray,
    rows: list[str],
    cols: list[str],
    *,
    title: str = "",
    row_title: str = "",
    col_title: str = "",
    value_title: str = "value",
    fmt: str = ".2f",
    overlay: bool = True,
    highlight_row: str | None = None,
    domain: tuple[float, float] | None = None,
    max_size: int = 270,
) -> dict:
    """An n×m matrix as coloured cells with token labels on both axes, the value on hover and,
    when the cells are big enough, written in each cell.

    Returned as a Vega-Lite spec (what Altair would emit): heatmaps are on every page and every
    rerun, and building them as Altair objects cost most of a rerun's time.
    """
    values = to_numpy(matrix) if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)
    cell = int(np.clip(max_size / max(len(rows), len(cols), 1), 6, 44))
    written = overlay and cell >= 26  # values printed inside the cells
    grid = _cells(values, rows, cols, fmt if written else None)
    overlap = "greedy" if cell < 12 else False  # tiny cells: let Vega thin out the labels
    encoding = {
        "x": {
            "field": "col",
            "type": "nominal",
            "sort": cols,
            "title": col_title,
            "axis": {"labelAngle": -45, "labelLimit": 120, "labelOverlap": overlap},
        },
        "y": {
            "field": "row",
            "type": "nominal",
            "sort": rows,
            "title": row_title,
            "axis": {"labelLimit": 120, "labelOverlap": overlap},
        },
    }
    scale = {"scheme": palette(), **({"domain": list(domain)} if domain else {})}
    layers = [
        {
            "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
            "encoding": {
                **encoding,
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "scale": scale,
                    "title": value_title,
                    "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 160},
                },
                "tooltip": [
                    {"field": "row", "title": row_title or "row"},
                    {"field": "col", "title": col_title or "column"},
                    {"field": "text", "title": value_title}
                    if written
                    else {"field": "value", "type": "quantitative", "format": fmt, "title": value_title},
                ],
            },
        }
    ]
    finite = values[np.isfinite(values)]
    if written:
        mid = sum(domain) / 2 if domain else (float(finite.min()) + float(finite.max())) / 2 if finite.size else 0.0
        layers.append(
            {
                "mark": {"type": "text", "fontSize": 10 if cell < 34 else 12},
                "encoding": {
                    **encoding,
                    "text": {"field": "text"},
                    "color": {"condition": {"test": f"datum.value > {mid!r}", "value": "black"}, "value": "white"},
                },
            }
        )
    if highlight_row is not None:
        layers.append(
            {
                "transform": [{"filter": {"field": "row", "equal": highlight_row}}],
                "mark": {"type": "rect", "fill": None, "stroke": "#e4572e", "strokeWidth": 2.5},
                "encoding": encoding,
            }
        )
    return chart_spec(grid, title, width={"step": cell}, height={"step": cell}, layer=layers)


def strongest_links(frame: pd.DataFrame, limit: int = 6) -> str | None:
    """For attention weights (rows summing to 1): each row's largest weight, in words."""
    values = frame.to_numpy(dtype=float)
    if values.size == 0 or not np.isfinite(values).all() or not np.allclose(values.sum(1), 1, atol=1e-3):
        return None
    parts = [
        f"{md_escape(str(row))} → {md_escape(str(frame.columns[j]))} ({values[i, j]:.2f})"
        for i, (row, j) in enumerate(zip(frame.index, values.argmax(1)))
        if i < limit
    ]
    more = f"; … {len(frame) - limit} more rows" if len(frame) > limit else ""
    return "Strongest link of each row: " + "; ".join(parts) + more + "."


def show_matrix(
    matrix: torch.Tensor | np.ndarray,
    rows: list[str],
    cols: list[str],
    *,
    key: str,
    caption: str | None = None,
    numbers: bool = True,
    **heatmap_options,
) -> pd.DataFrame:
    """Draw a heatmap at its natural size, with a text summary for attention weights (no
    information by colour alone) and a "show numbers" switch that adds the exact table."""
    frame = matrix_frame(matrix, rows, cols)
    render(heatmap(matrix, rows, cols, **heatmap_options), key=f"{key}_chart", width="content", table=frame)
    for text in (caption, strongest_links(frame)):
        if text:
            st.caption(text)
    if numbers and linked.toggle(st, "Show numbers", key=f"{key}_numbers"):
        st.dataframe(frame.style.format("{:.4f}"), key=f"{key}_table")
    return frame


def _category_colour(field: str, sort: list[str] | None = None, legend: bool = True) -> dict:
    return {
        "field": field,
        "type": "nominal",
        "scale": {"scheme": CATEGORY_SCHEME},
        "title": None,
        **({"sort": sort} if sort else {}),
        **({} if legend else {"legend": None}),
    }


def vector_bars(
    vectors: dict[str, torch.Tensor], dimensions: list[str], *, title: str = "", value_title: str = "value"
) -> dict:
    """Vectors side by side, one bar per named dimension, one colour per vector."""
    frame = pd.DataFrame(
        [(name, dim, float(v)) for name, vec in vectors.items() for dim, v in zip(dimensions, to_numpy(vec))],
        columns=["vector", "dimension", "value"],
    )
    return chart_spec(
        frame,
        title,
        mark="bar",
        height={"step": max(6, 28 // max(len(vectors), 1))},
        encoding={
            "y": {"field": "dimension", "type": "nominal", "sort": list(dimensions), "title": None},
            "x": {"field": "value", "type": "quantitative", "title": value_title},
            "yOffset": {"field": "vector", "type": "nominal", "sort": list(vectors)},
            "color": _category_colour("vector", sort=list(vectors)),
            "tooltip": [
                {"field": "vector"},
                {"field": "dimension"},
                {"field": "value", "type": "quantitative", "format": ".3f"},
            ],
        },
    )


def scatter(
    coords: torch.Tensor | np.ndarray,
    labels: list[str],
    *,
    groups: list[str] | None = None,
    title: str = "",
    x_title: str = "component 1",
    y_title: str = "component 2",
    connect: bool = False,
) -> dict:
    """Labelled points in 2-D (optionally joined in order within each group)."""
    xy = to_numpy(coords) if isinstance(coords, torch.Tensor) else np.asarray(coords)
    frame = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "label": labels,
            "group": groups if groups is not None else ["words"] * len(labels),
            "order": range(len(labels)),
        }
    )
    encoding = {
        "x": {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False}},
        "y": {"field": "y", "type": "quantitative", "title": y_title, "scale": {"zero": False}},
        "color": _category_colour("group", legend=groups is not None),
    }
    layers = [
        {
            "mark": {"type": "circle", "size": 90},
            "encoding": {
                **encoding,
                "tooltip": [
                    {"field": "label"},
                    {"field": "group"},
                    {"field": "x", "type": "quantitative", "format": ".3f"},
                    {"field": "y", "type": "quantitative", "format": ".3f"},
                ],
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7, "fontSize": 12},
            "encoding": {**encoding, "text": {"field": "label"}},
        },
    ]
    if connect:
        layers.insert(
            0,
            {
                "mark": {"type": "line", "opacity": 0.5},
                "encoding": {
                    **encoding,
                    "order": {"field": "order", "type": "quantitative"},
                    "detail": {"field": "group"},
                },
            },
        )
    return chart_spec(frame, title, height=380, layer=layers)


def lines(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    log_x: bool = False,
    log_y: bool = False,
    points: bool = True,
) -> dict:
    """y against x, one line per `color` group, optional log axes."""
    encoding = {
        "x": {
            "field": x,
            "type": "quantitative",
            "title": x_title or x,
            "scale": {"type": "log" if log_x else "linear"},
        },
        "y": {
            "field": y,
            "type": "quantitative",
            "title": y_title or y,
            "scale": {"type": "log" if log_y else "linear", "zero": False},
        },
        "tooltip": [{"field": c} for c in frame.columns],
    }
    if color:
        encoding["color"] = _category_colour(color)
    return chart_spec(frame, title, height=320, mark={"type": "line", "point": points}, encoding=encoding)


# Colour stops of the palettes (as drawn by Vega), for the one chart drawn as an image.
PALETTE_STOPS = {
    "viridis": [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)],
    "cividis": [(0, 32, 77), (65, 77, 108), (124, 123, 120), (187, 175, 113), (255, 233, 69)],
    "magma": [(0, 0, 4), (81, 18, 124), (183, 55, 121), (252, 137, 97), (252, 253, 191)],
    "greys": [(255, 255, 255), (190, 190, 190), (120, 120, 120), (60, 60, 60), (0, 0, 0)],
}


def colourise(values: np.ndarray, scheme: str) -> np.ndarray:
    """Values in [0, 1] -> RGB bytes, by linear interpolation between the palette's stops."""
    stops = np.array(PALETTE_STOPS.get(scheme, PALETTE_STOPS["viridis"]), dtype=float)
    position = np.clip(values, 0, 1) * (len(stops) - 1)
    low = np.minimum(position.astype(int), len(stops) - 2)
    t = (position - low)[..., None]
    return ((1 - t) * stops[low] + t * stops[low + 1]).astype(np.uint8)


def attention_grid_png(attentions: torch.Tensor, scheme: str, gap: int = 3) -> bytes:
    """Every head of every layer as one picture: a layers × heads grid of n×n maps (weights 0..1).

    Drawn as an image rather than a chart: 72 maps of n² cells would be tens of thousands of
    chart records sent on every rerun.
    """
    from PIL import Image  # Streamlit's own image library

    values = to_numpy(attentions)
    layers, heads, n, _ = values.shape
    scale = max(2, 56 // n)
    size = n * scale
    canvas = np.full((layers * (size + gap) - gap, heads * (size + gap) - gap, 3), 255, dtype=np.uint8)
    for layer in range(layers):
        for head in range(heads):
            tile = colourise(np.kron(values[layer, head], np.ones((scale, scale))), scheme)
            top, left = layer * (size + gap), head * (size + gap)
            canvas[top : top + size, left : left + size] = tile
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


def bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    *,
    title: str = "",
    sort: list[str] | None = None,
    value_title: str | None = None,
    highlight: str | None = None,
) -> dict:
    """One horizontal bar per category (optionally one highlighted)."""
    colour = (
        {"value": "#2a6f97"}
        if highlight is None
        else {"condition": {"test": {"field": category, "equal": highlight}, "value": "#e4572e"}, "value": "#2a6f97"}
    )
    return chart_spec(
        frame,
        title,
        mark="bar",
        height={"step": 18},
        padding={"left": 12, "right": 5},
        encoding={
            "y": {
                "field": category,
                "type": "nominal",
                "sort": sort or "-x",
                "title": None,
                "axis": {"labelOverlap": False},
            },
            "x": {"field": value, "type": "quantitative", "title": value_title or value},
            "color": colour,
            "tooltip": [{"field": category}, {"field": value, "type": "quantitative", "format": ".3f"}],
        },
    )


def column_blocks(n_columns: int, group_of: list[str], *, title: str = "", x_title: str = "column") -> dict:
    """One coloured cell per column, coloured by the group (head) that owns it."""
    frame = pd.DataFrame({"column": range(n_columns), "head": group_of})
    return chart_spec(
        frame,
        title,
        mark="rect",
        height=40,
        width={"step": max(8, 480 // n_columns)},
        encoding={
            "x": {"field": "column", "type": "ordinal", "title": x_title},
            "color": _category_colour("head", sort=list(dict.fromkeys(group_of))),
            "tooltip": [{"field": "column"}, {"field": "head"}],
        },
    )
