"""One heatmap, one bar chart, one scatter and one line chart, reused by every page."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import torch

from core.tensors import to_numpy

SEQUENTIAL_PALETTES = ("viridis", "cividis", "magma", "greys")
CATEGORY_SCHEME = "tableau10"


def palette() -> str:
    """The colour scheme chosen for heatmaps (colour-blind-safe viridis by default)."""
    return st.session_state.get("palette", "viridis")


def matrix_frame(matrix: torch.Tensor | np.ndarray, rows: list[str], cols: list[str]) -> pd.DataFrame:
    """A square table with token labels: what "show numbers" displays and CSV exports."""
    values = to_numpy(matrix) if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)
    return pd.DataFrame(values, index=rows, columns=cols)


def _long_form(values: np.ndarray, rows: list[str], cols: list[str], fmt: str) -> pd.DataFrame:
    grid = pd.DataFrame(
        [(r, c, values[i, j]) for i, r in enumerate(rows) for j, c in enumerate(cols)],
        columns=["row", "col", "value"],
    )
    finite = np.isfinite(grid["value"])
    grid["text"] = [format(v, fmt) if ok else ("−∞" if v < 0 else "∞") for v, ok in zip(grid["value"], finite)]
    grid.loc[~finite, "value"] = np.nan  # masked cells: no colour, labelled −∞
    return grid


def heatmap(
    matrix: torch.Tensor | np.ndarray, rows: list[str], cols: list[str], *, title: str = "",
    row_title: str = "", col_title: str = "", value_title: str = "value", fmt: str = ".2f",
    overlay: bool = True, highlight_row: str | None = None, domain: tuple[float, float] | None = None,
    max_size: int = 270,
) -> alt.Chart:
    """An n×m matrix as coloured cells with token labels on both axes, the value on hover and,
    when the cells are big enough, written in each cell."""
    values = to_numpy(matrix) if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)
    grid = _long_form(values, rows, cols, fmt)
    cell = int(np.clip(max_size / max(len(rows), len(cols), 1), 6, 44))
    scale = alt.Scale(scheme=palette(), domain=list(domain) if domain else alt.Undefined)
    overlap = "greedy" if cell < 12 else False  # tiny cells: let Vega thin out the labels
    base = alt.Chart(grid).encode(
        x=alt.X("col:N", sort=cols, title=col_title, axis=alt.Axis(labelAngle=-45, labelLimit=120, labelOverlap=overlap)),
        y=alt.Y("row:N", sort=rows, title=row_title, axis=alt.Axis(labelLimit=120, labelOverlap=overlap)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("value:Q", scale=scale, title=value_title,
                        legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=160)),
        tooltip=[alt.Tooltip("row:N", title=row_title or "row"), alt.Tooltip("col:N", title=col_title or "column"),
                 alt.Tooltip("text:N", title=value_title)],
    )
    layers = [cells]
    if overlay and cell >= 26:
        mid = np.nanmean([np.nanmin(values[np.isfinite(values)], initial=0), np.nanmax(values[np.isfinite(values)], initial=0)]) \
            if domain is None else sum(domain) / 2
        layers.append(base.mark_text(fontSize=10 if cell < 34 else 12).encode(
            text="text:N",
            color=alt.condition(alt.datum.value > mid, alt.value("black"), alt.value("white")),
        ))
    if highlight_row is not None:
        layers.append(base.transform_filter(alt.datum.row == highlight_row)
                      .mark_rect(fill=None, stroke="#e4572e", strokeWidth=2.5))
    return alt.layer(*layers).properties(title=title, width=alt.Step(cell), height=alt.Step(cell))


def show_matrix(matrix: torch.Tensor | np.ndarray, rows: list[str], cols: list[str], *, key: str,
                caption: str | None = None, numbers: bool = True, **heatmap_options) -> pd.DataFrame:
    """Draw a heatmap at its natural size, with a "show numbers" switch that adds the exact table."""
    st.altair_chart(heatmap(matrix, rows, cols, **heatmap_options), key=f"{key}_chart", width="content")
    if caption:
        st.caption(caption)
    frame = matrix_frame(matrix, rows, cols)
    if numbers and st.toggle("Show numbers", key=f"{key}_numbers"):
        st.dataframe(frame.style.format("{:.4f}"), key=f"{key}_table")
    return frame


def vector_bars(vectors: dict[str, torch.Tensor], dimensions: list[str], *, title: str = "",
                value_title: str = "value") -> alt.Chart:
    """Vectors side by side, one bar per named dimension, one colour per vector."""
    frame = pd.DataFrame(
        [(name, dim, float(v)) for name, vec in vectors.items() for dim, v in zip(dimensions, to_numpy(vec))],
        columns=["vector", "dimension", "value"],
    )
    return alt.Chart(frame, title=title).mark_bar().encode(
        y=alt.Y("dimension:N", sort=list(dimensions), title=None),
        x=alt.X("value:Q", title=value_title),
        yOffset=alt.YOffset("vector:N", sort=list(vectors)),
        color=alt.Color("vector:N", sort=list(vectors), scale=alt.Scale(scheme=CATEGORY_SCHEME), title=None),
        tooltip=["vector", "dimension", alt.Tooltip("value:Q", format=".3f")],
    ).properties(height=alt.Step(max(6, 28 // max(len(vectors), 1))))


def scatter(coords: torch.Tensor | np.ndarray, labels: list[str], *, groups: list[str] | None = None,
            title: str = "", x_title: str = "component 1", y_title: str = "component 2",
            connect: bool = False) -> alt.Chart:
    """Labelled points in 2-D (optionally joined in order within each group)."""
    xy = to_numpy(coords) if isinstance(coords, torch.Tensor) else np.asarray(coords)
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "label": labels,
                          "group": groups if groups is not None else ["words"] * len(labels),
                          "order": range(len(labels))})
    base = alt.Chart(frame, title=title).encode(
        x=alt.X("x:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=alt.Color("group:N", scale=alt.Scale(scheme=CATEGORY_SCHEME), title=None,
                        legend=None if groups is None else alt.Legend()),
    )
    layers = [base.mark_circle(size=90).encode(tooltip=["label", "group",
                                                        alt.Tooltip("x:Q", format=".3f"), alt.Tooltip("y:Q", format=".3f")]),
              base.mark_text(align="left", dx=7, dy=-7, fontSize=12).encode(text="label:N")]
    if connect:
        layers.insert(0, base.mark_line(opacity=0.5).encode(order="order:Q", detail="group:N"))
    return alt.layer(*layers).properties(height=380)


def lines(frame: pd.DataFrame, x: str, y: str, *, color: str | None = None, title: str = "",
          x_title: str | None = None, y_title: str | None = None, log_x: bool = False,
          log_y: bool = False, points: bool = True) -> alt.Chart:
    """y against x, one line per `color` group, optional log axes."""
    encoding = {
        "x": alt.X(f"{x}:Q", title=x_title or x, scale=alt.Scale(type="log" if log_x else "linear")),
        "y": alt.Y(f"{y}:Q", title=y_title or y, scale=alt.Scale(type="log" if log_y else "linear", zero=False)),
        "tooltip": [c for c in frame.columns],
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", scale=alt.Scale(scheme=CATEGORY_SCHEME), title=None)
    return alt.Chart(frame, title=title).mark_line(point=points).encode(**encoding).properties(height=320)


def attention_grid(attentions: torch.Tensor, *, cell: int = 4) -> alt.Chart:
    """Every head of every layer as a small map: (layers, heads, n, n) -> a layers × heads grid."""
    layers, heads, n, _ = attentions.shape
    values = to_numpy(attentions)
    idx = np.indices(values.shape).reshape(4, -1)
    frame = pd.DataFrame({"layer": idx[0], "head": idx[1], "i": idx[2], "j": idx[3], "weight": values.ravel()})
    size = max(36, min(72, cell * n))
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("j:O", axis=None), y=alt.Y("i:O", axis=None),
        color=alt.Color("weight:Q", scale=alt.Scale(scheme=palette(), domain=[0, 1]), legend=None),
        tooltip=["layer", "head", "i", "j", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=size, height=size).facet(
        row=alt.Row("layer:O", title="layer", header=alt.Header(labelFontSize=11)),
        column=alt.Column("head:O", title="head", header=alt.Header(labelFontSize=11)),
        spacing=3,
    )


def bars(frame: pd.DataFrame, category: str, value: str, *, title: str = "", sort: list[str] | None = None,
         value_title: str | None = None, highlight: str | None = None) -> alt.Chart:
    """One horizontal bar per category (optionally one highlighted)."""
    colour = alt.value("#2a6f97") if highlight is None else alt.condition(
        alt.datum[category] == highlight, alt.value("#e4572e"), alt.value("#2a6f97"))
    return alt.Chart(frame, title=title).mark_bar().encode(
        y=alt.Y(f"{category}:N", sort=sort or "-x", title=None, axis=alt.Axis(labelOverlap=False)),
        x=alt.X(f"{value}:Q", title=value_title or value),
        color=colour,
        tooltip=[category, alt.Tooltip(f"{value}:Q", format=".3f")],
    ).properties(height=alt.Step(18))
