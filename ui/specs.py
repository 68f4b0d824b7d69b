"""Chart specs: pure functions from numbers to Vega-Lite dicts (no Streamlit, no session state).

Charts are Vega-Lite specs, the grammar Altair writes, built as plain dicts because building and
validating Altair objects took most of a rerun's time, and every slider move redraws them.
tests/test_specs.py validates every builder's output against the Vega-Lite v6 schema.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from core.heads import head_name
from core.tensors import to_numpy
from ui import raster
from ui.session import presenting

CATEGORY_SCHEME = "tableau10"
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# Streamlit draws charts as SVG below 2000 marks: a 40×40 map then took 144 ms to redraw in Chromium,
# 82 ms on a canvas (bench/browser.py's method). Canvas for every chart; exports go through vl-convert.
CANVAS = {"embedOptions": {"renderer": "canvas"}}
# Streamlit's chart theme aligns the first and last label of every axis flush with its ends, which
# pushes a word axis' first label half a row off its row (and against the next one at 40 words).
WORD_AXES = {"axisDiscrete": {"labelFlush": False}}
# Presenter mode: axis and legend text at 14 px or more on a projector at 1920 px (Vega's defaults are 10-11 px).
PRESENTER_TEXT = {
    "axis": {"labelFontSize": 14, "titleFontSize": 15},
    "legend": {"labelFontSize": 14, "titleFontSize": 14},
    "header": {"labelFontSize": 15, "titleFontSize": 15},
}
DRAWING_FIELDS = ("dark_text", "highlighted", "chosen", "url")  # record fields that say how to draw, not data
PICTURE_CELLS = 1024  # a numbered map with more cells than this is drawn as a picture (_numbered_picture)
MAX_LABELLED = 64  # token axes keep every label up to this many tokens (a row step of 16 px fits them)
# Numbers written in cells: 11 px in a laptop's narrow column, growing with the cell up to 18 px, so that a
# projector's wide columns (presenter mode at 1920 px) write them at 14 px or more. "−0.12" at f px is about
# 3f px wide: a cell of w px fits f = w / 3.6 with a margin, and a row of h px fits f = 0.6 h.
CELL_FONT_MIN, CELL_FONT_MAX, CELL_FONT_PER_WIDTH, CELL_FONT_PER_HEIGHT = 11, 18, 3.6, 0.6


def _column_records(columns: dict[str, Sequence]) -> list[dict]:
    """A table given as its columns (name -> values: lists, ranges, arrays, tensors, a DataFrame's columns) as
    one record per row of plain numbers and text, NaN written as null. pandas' own conversion (`to_dict`) took a
    fifth of a positional-encoding rerun, whose dimension chart builds a wave for every dimension."""
    names = list(columns)
    # numpy arrays, tensors and pandas columns as plain numbers (a list, or a column of objects, may still hold
    # numpy scalars)
    values = [
        [v.item() if isinstance(v, np.generic) else v for v in (c.tolist() if hasattr(c, "tolist") else c)]
        for c in columns.values()
    ]
    return [
        {name: None if isinstance(v, float) and math.isnan(v) else v for name, v in zip(names, row, strict=True)}
        for row in zip(*values, strict=True)
    ]


def chart_spec(data: pd.DataFrame | list[dict], title: str = "", **body) -> dict:
    """A top-level Vega-Lite spec with the data inlined (NaN written as null).

    Streamlit sends top-level data apart from the rest of the spec, and the browser redraws a chart
    whose spec is unchanged by swapping its data, but builds it anew (compile, view, scales: ~15 ms
    more per chart) when anything else changed. So what a slider moves belongs in the records, not in
    the spec: builders order axes by the records (`"sort": None`) rather than by label lists, and
    write per-cell choices (text colour, highlighted row) as fields."""
    records = data if isinstance(data, list) else _column_records({name: data[name] for name in data.columns})
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": records},
        "usermeta": CANVAS,
        "config": _chart_config(),
        **body,
    }


def _chart_config() -> dict:
    """Vega-Lite's config for a chart drawn now: larger text while presenting (the scrub's shared specs
    are keyed on presenter mode too, ui.scrub)."""
    return {**WORD_AXES, **PRESENTER_TEXT} if presenting() else WORD_AXES


def _cells(values: np.ndarray, rows: list[str], cols: list[str], fmt: str, written: bool, stretch: bool) -> list[dict]:
    """One record per cell; masked (−∞) cells get no colour. `text` (written in the cell) only when the
    cells are big enough; `shade` (the cell over its row's largest weight) only for stretched rows."""
    isfinite = math.isfinite
    records = [
        {"row": r, "col": c, "value": round(v, 5) if isfinite(v) else None}
        for r, row_values in zip(rows, values.tolist(), strict=True)
        for c, v in zip(cols, row_values, strict=True)
    ]  # the plain case in one comprehension: a scrub chart builds 50 maps of 1,600 cells for one sentence
    if written or stretch:
        finite = np.where(np.isfinite(values), values, np.nan)
        row_max = np.nanmax(np.abs(finite), axis=1, initial=0.0).tolist() if stretch else None
        for k, v in enumerate(values.ravel().tolist()):
            if written:
                records[k]["text"] = format(v, fmt) if isfinite(v) else ("−∞" if v < 0 else "∞")
            if stretch:
                i = k // len(cols)
                records[k]["shade"] = round(v / row_max[i], 4) if isfinite(v) and row_max[i] > 0 else None
    return records


def row_step(n_rows: int) -> int:
    """Pixels per row: big cells for a few tokens, never below a readable 16 px for long sentences."""
    return int(np.clip(300 / max(n_rows, 1), 16, 44))


def heatmap(
    matrix: torch.Tensor | np.ndarray,
    rows: list[str],
    cols: list[str],
    *,
    palette: str,
    title: str = "",
    row_title: str = "",
    col_title: str = "",
    value_title: str = "value",
    fmt: str = ".2f",
    overlay: bool = True,
    highlight_row: str | None = None,
    domain: tuple[float, float] | None = None,
    stretch_rows: bool = False,
    max_height: int | None = None,
    highlight_param: str | None = None,
    width_step: int | None = None,
    sqrt_colours: bool = False,
    legend_values: tuple[float, ...] | None = None,
) -> dict:
    """An n×m matrix as coloured cells with labels on both axes, the value on hover and, when the
    cells are big enough, written in each cell.

    Width: the column it is drawn in ("container"); height: a step per row from the number of rows,
    so a 40-token map grows tall enough for every label instead of shrinking. Every row label is
    drawn up to MAX_LABELLED rows; every column label where the columns are wide enough for it (else, as for
    numbered columns, Vega thins them: a long sentence on a phone).
    `stretch_rows` colours each row relative to its own largest value (small weights visible) while
    the tooltip and the written numbers stay the real values. `max_height` (px of cells) caps a map
    of many numbered rows (positions): its rows get thinner and their labels are thinned.
    `highlight_param` outlines the row that a point selection of that name picks (ui.scrub: a token's
    row chosen in the browser) instead of a fixed `highlight_row`. `width_step`: pixels per column
    instead of the column's width (a map inside a concatenation, which has no container width).
    `sqrt_colours`: colours on a square-root scale, so that the small weights of a long sentence differ from 0
    (on a linear scale from 0 to 1 they all look like 0); the tooltip and the numbers stay the real values.
    `legend_values`: the numbers the colour legend labels (written with `fmt`), e.g. the two ends of `domain`.
    """
    values = to_numpy(matrix) if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)
    if max_height is not None and values.size > PICTURE_CELLS and palette in raster.PALETTE_STOPS:
        return _numbered_picture(values, palette, title, row_title, col_title, value_title, domain, max_height)
    step = row_step(len(rows)) if max_height is None else round(min(row_step(len(rows)), max_height / len(rows)), 2)
    written = overlay and len(cols) <= 8 and step >= 24
    grid = _cells(values, rows, cols, fmt, written, stretch_rows)
    numbered = all(str(c).isdigit() for c in cols)
    encoding = {
        "x": {
            "field": "col",
            "type": "nominal",
            "sort": None,  # the order of the records (row by row): labels stay out of the spec, see chart_spec
            "title": col_title,
            "axis": {
                "labelAngle": -90 if len(cols) > 10 else -45,
                "labelLimit": 110,
                # Upright labels (over 10 columns) that would run into each other in narrow cells (a long
                # sentence on a phone) are thinned to every k-th by Vega; where they fit, all are drawn.
                "labelOverlap": "greedy" if numbered or len(cols) > 10 else False,
            },
        },
        "y": {
            "field": "row",
            "type": "nominal",
            "sort": None,
            "title": row_title,
            "axis": {
                "labelLimit": 110,
                "labelOverlap": "greedy" if len(rows) > MAX_LABELLED or step < 14 else False,
            },
        },
    }
    colour_field, colour_title = ("shade", "share of the row's largest") if stretch_rows else ("value", value_title)
    scale = {"scheme": palette, **({"domain": [0, 1]} if stretch_rows else {"domain": list(domain)} if domain else {})}
    if sqrt_colours:
        scale["type"] = "sqrt"
        colour_title = f"{colour_title} (square-root scale)"
    tooltip_value = (
        {"field": "text", "title": value_title}
        if written
        else {"field": "value", "type": "quantitative", "format": fmt, "title": value_title}
    )
    layers = [
        {
            "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5 if len(cols) <= 48 and step >= 14 else 0},
            "encoding": {
                **encoding,
                "color": {
                    "field": colour_field,
                    "type": "quantitative",
                    "scale": scale,
                    "title": colour_title,
                    "legend": {
                        "orient": "bottom",
                        "direction": "horizontal",
                        "gradientLength": 140,
                        "titleLimit": 320,
                        **({"values": list(legend_values), "format": fmt} if legend_values else {}),
                    },
                },
                "tooltip": [
                    {"field": "row", "title": row_title or "row"},
                    {"field": "col", "title": col_title or "column"},
                    tooltip_value,
                ],
            },
        }
    ]
    if written:
        shades = [r[colour_field] for r in grid if r.get(colour_field) is not None]
        if stretch_rows or domain:
            low, high = (0, 1) if stretch_rows else domain
        else:
            low, high = min(shades, default=0), max(shades, default=0)
        for record in grid:  # dark text on the light end of the palette
            shade = record.get(colour_field)
            share = (shade - low) / ((high - low) or 1) if shade is not None else None
            record["dark_text"] = bool(share is not None and (max(share, 0) ** 0.5 if sqrt_colours else share) > 0.5)
        layers.append(
            {
                "mark": {"type": "text", "fontSize": _cell_font(len(cols), step, width_step)},
                "encoding": {
                    **encoding,
                    "text": {"field": "text"},
                    "color": {
                        "condition": {"test": "datum.dark_text", "value": "black"},
                        "value": "white",
                    },
                },
            }
        )
    if highlight_row is not None or highlight_param is not None:
        if highlight_param is None:
            for record in grid:
                record["highlighted"] = record["row"] == highlight_row
        by_field = {"field": "highlighted", "equal": True}
        picked = {"param": highlight_param, "empty": False} if highlight_param else by_field
        layers.append(
            {
                "transform": [{"filter": picked}],
                "mark": {"type": "rect", "fill": None, "stroke": "#e4572e", "strokeWidth": 2.5},
                "encoding": encoding,
            }
        )
    width = {"step": width_step} if width_step else "container"
    return chart_spec(grid, title, width=width, height={"step": step}, layer=layers)


def _cell_font(n_cols: int, row_px: float, col_px: int | None = None) -> float | dict:
    """The font size of numbers written in a heatmap's cells (see CELL_FONT_MIN): px for columns of a fixed
    `col_px`, else a Vega expression on the chart's width (a column's width is known only in the browser)."""
    high = round(min(CELL_FONT_MAX, CELL_FONT_PER_HEIGHT * row_px), 1)
    if col_px is not None:
        return round(min(high, max(CELL_FONT_MIN, col_px / CELL_FONT_PER_WIDTH)), 1)
    return {"expr": f"clamp(width / {n_cols} / {CELL_FONT_PER_WIDTH}, {CELL_FONT_MIN}, {high})"}


def concat(views: list[dict], direction: str = "hconcat", title: str = "") -> dict:
    """Several chart specs as one chart, side by side ("hconcat") or one under another ("vconcat"):
    one view for controls that move them together (ui.scrub). Each keeps its own scales and legends."""
    top_only = ("$schema", "usermeta", "config")
    return {
        "$schema": SCHEMA,
        "title": title,
        direction: [{k: v for k, v in view.items() if k not in top_only} for view in views],
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        "usermeta": CANVAS,
        "config": _chart_config(),
    }


def _numbered_picture(
    values: np.ndarray,
    palette: str,
    title: str,
    row_title: str,
    col_title: str,
    value_title: str,
    domain: tuple[float, float] | None,
    height: int,
) -> dict:
    """A large map of numbered rows and columns (positions × dimensions) as one image between numbered
    axes, with its colour legend. Thousands of cells of a few pixels cannot be read one by one, and
    as rectangles each one is evaluated by Vega's expression interpreter: a 50 × 64 map took 133 ms
    to redraw in Chromium as rectangles, 39 ms as a picture. The records hold the image and the
    colour range, so a slider that changes the map's size or values leaves the spec unchanged."""
    finite = values[np.isfinite(values)]
    low, high = domain or ((float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0))
    shade = (values - low) / ((high - low) or 1.0)
    n_rows, n_cols = values.shape
    # Drawn unsmoothed (sharp cell edges at any size); a few pixels per cell keep exports sharp too
    # (vl-convert may smooth), while the picture stays small to send and decode on every move.
    zoom = max(1, math.ceil(192 / max(n_cols, n_rows)))
    pixels = raster.colourise(np.nan_to_num(shade), palette).repeat(zoom, axis=0).repeat(zoom, axis=1)
    picture = {"url": raster.png_data_url(pixels), "x": -0.5, "x2": n_cols - 0.5, "y": -0.5, "y2": n_rows - 0.5}
    numbered = {
        "type": "quantitative",
        "scale": {"nice": False, "zero": False},
        "axis": {"format": "d", "tickMinStep": 1},
    }
    return chart_spec(
        [picture, {"value": round(low, 5)}, {"value": round(high, 5)}],
        title,
        width="container",
        height=height,
        layer=[
            {
                "transform": [{"filter": "isValid(datum.url)"}],
                "mark": {"type": "image", "aspect": False, "smooth": False},
                "encoding": {
                    "x": {"field": "x", **numbered, "title": col_title},
                    "x2": {"field": "x2"},
                    "y": {
                        "field": "y",
                        **numbered,
                        "scale": {**numbered["scale"], "reverse": True},
                        "title": row_title,
                    },
                    "y2": {"field": "y2"},
                    "url": {"field": "url", "type": "nominal"},
                },
            },
            {  # the legend: the two ends of the colour scale, drawn invisibly
                "transform": [{"filter": "isValid(datum.value)"}],
                "mark": {"type": "point", "opacity": 0},
                "encoding": {
                    "color": {
                        "field": "value",
                        "type": "quantitative",
                        "scale": {"scheme": palette},
                        "title": value_title,
                        "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 140},
                    }
                },
            },
        ],
    )


def _category_colour(field: str, sort: list[str] | None = None, legend: bool = True) -> dict:
    return {
        "field": field,
        "type": "nominal",
        "scale": {"scheme": CATEGORY_SCHEME},
        "title": None,
        **({"sort": sort} if sort else {}),
        **({} if legend else {"legend": None}),
    }


VECTOR_LEGEND = {"orient": "bottom", "direction": "vertical", "labelLimit": 320}


def vector_bars(
    vectors: dict[str, torch.Tensor],
    dimensions: list[str],
    *,
    title: str = "",
    value_title: str = "value",
    domain: tuple[float, float] | None = None,
) -> dict:
    """Vectors side by side, one bar per named dimension, one colour per vector. `domain`: a fixed
    value axis (bars that move with a control keep one scale instead of rescaling at every position)."""
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
            "y": {"field": "dimension", "type": "nominal", "sort": None, "title": None},  # record order
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": value_title,
                **({"scale": {"domain": list(domain)}} if domain else {}),
            },
            "yOffset": {"field": "vector", "type": "nominal", "sort": None},
            # legend below: beside the bars, a longer name ("h after “because”") would narrow them and move zero
            "color": {**_category_colour("vector"), "sort": None, "legend": VECTOR_LEGEND},
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
    places: list[str | None] | None = None,
) -> dict:
    """Labelled points in 2-D (optionally joined in order within each group).

    Labels stay on the chart and apart: scales padded by 28 px, points in the right half labelled to
    their left (no label runs off the edge), and neighbours along x labelled alternately above and
    below, so a row of points keeps readable labels. `places`: each label's place from label_places
    instead (None: the point is drawn without its label, which its tooltip still gives).
    """
    xy = to_numpy(coords) if isinstance(coords, torch.Tensor) else np.asarray(coords)
    middle = (xy[:, 0].min() + xy[:, 0].max()) / 2 if len(xy) else 0.0
    rank_along_x = np.argsort(np.argsort(xy[:, 0], kind="stable"), kind="stable")
    alternating = [
        ("right" if x > middle else "left") + (" above" if rank % 2 == 0 else " below")
        for x, rank in zip(xy[:, 0], rank_along_x, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "label": labels,
            "group": groups if groups is not None else ["words"] * len(labels),
            "order": range(len(labels)),
            "place": alternating if places is None else [place or "unlabelled" for place in places],
        }
    )
    axis = {"format": ".1f", "tickMinStep": 0.1}
    encoding = {
        "x": {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "padding": 28},
              "axis": axis},
        "y": {"field": "y", "type": "quantitative", "title": y_title, "scale": {"zero": False, "padding": 28},
              "axis": axis},
        "color": _category_colour("group", legend=groups is not None),
    }  # fmt: skip
    labels_layers = [
        {
            "transform": [{"filter": f"datum.place == '{side} {level}'"}],
            "mark": {"type": "text", "fontSize": 12, "align": "right" if side == "right" else "left",
                     "dx": -7 if side == "right" else 7, "dy": -7 if level == "above" else 13},
            "encoding": {**encoding, "text": {"field": "label"}},
        }
        for side in ("left", "right")
        for level in ("above", "below")
    ]  # fmt: skip
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
        *labels_layers,
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


LABEL_FONT_PX, LABEL_CHAR_PX, POINT_RADIUS_PX = 12, 6.6, 6  # scatter's label text and circles, as drawn


def label_places(
    coords: torch.Tensor | np.ndarray, labels: list[str], *, width: int = 300, height: int = 300
) -> list[str | None]:
    """A place for each label of `scatter` ("right above": text left of and above its point, as scatter
    names them) such that no label covers another label or a point on a plot area about width × height
    px (a phone's, the smallest it gets), or None where every place is taken: the point is then drawn
    unlabelled. Labels are placed in order, so the first words keep theirs."""
    xy = to_numpy(coords) if isinstance(coords, torch.Tensor) else np.asarray(coords, dtype=float)
    if not len(xy):
        return []
    low, span = xy.min(0), np.maximum(xy.max(0) - xy.min(0), 1e-12)
    inner = np.array([width - 56, height - 56])  # scatter pads its scales by 28 px a side
    px = 28 + (xy - low) / span * inner
    px[:, 1] = height - px[:, 1]  # y grows downwards on screen
    points = [(x - POINT_RADIUS_PX, y - POINT_RADIUS_PX, x + POINT_RADIUS_PX, y + POINT_RADIUS_PX) for x, y in px]
    taken: list[tuple[float, float, float, float]] = []

    def free(box: tuple[float, float, float, float], own: int) -> bool:
        inside = box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
        others = [p for j, p in enumerate(points) if j != own] + taken
        return inside and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in others)

    middle = (xy[:, 0].min() + xy[:, 0].max()) / 2
    places: list[str | None] = []
    for i, ((x, y), label) in enumerate(zip(px, labels, strict=True)):
        wide = len(label) * LABEL_CHAR_PX
        sides = ("right", "left") if xy[i, 0] > middle else ("left", "right")
        chosen = None
        for side in sides:
            left = x - 7 - wide if side == "right" else x + 7  # scatter's dx: ±7 px
            for level in ("above", "below"):
                middle_y = y - 7 if level == "above" else y + 13  # scatter's dy; text is centred on it
                box = (left, middle_y - LABEL_FONT_PX / 2 - 1, left + wide, middle_y + LABEL_FONT_PX / 2 + 1)
                if free(box, i):
                    chosen = f"{side} {level}"
                    taken.append(box)
                    break
            if chosen:
                break
        places.append(chosen)
    return places


THEORY_LINE = {"strokeDash": [6, 4], "strokeWidth": 1.5}  # thinner than a measured line, which stays visible


def lines(
    frame: pd.DataFrame | dict[str, Sequence],
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    log_x: bool = False,
    log_y: bool = False,
    log_base: int = 10,
    points: bool = True,
    integer_x: bool = False,
    x_ticks: Sequence[float] | None = None,
    tick_format: str = "d",
    slanted_ticks: bool = False,
    y_format: str | None = None,
    y_ticks: Sequence[float] | None = None,
    x_domain: tuple[float, float] | None = None,
    y_domain: tuple[float, float] | None = None,
    marker_x: float | None = None,
    color_sort: list[str] | None = None,
    legend_columns: int | None = None,
    dashed: str | None = None,
) -> dict:
    """y against x, one line per `color` group, optional log axes (`log_base` for x). `frame`: a table,
    or its columns by name. `integer_x`: whole-number ticks (steps, layers); `x_ticks`: x labelled at
    exactly these values (`tick_format`, e.g. ",d" for 32,768), `slanted_ticks` keeps every one of them
    at −45°; `y_format`: a d3 format for the y labels; `y_ticks`: y labelled at exactly these values;
    `x_domain`/`y_domain`: fixed ranges (values beyond y's are clamped to its edge, so one spike does not
    flatten the rest); `marker_x`: a dashed rule at that x (e.g. "now"); `color_sort`: the groups' order
    (dim 4 before dim 10); `legend_columns`: the legend below the chart in that many columns; `dashed`: a
    true/false column whose true rows are drawn thin, dashed and under the others (a theory line that
    would otherwise hide the measured one it matches)."""
    names = [c for c in (frame.columns if isinstance(frame, pd.DataFrame) else frame) if c != dashed]
    frame = frame if isinstance(frame, pd.DataFrame) else _column_records(frame)
    x_scale = {"type": "log" if log_x else "linear", **({"domain": list(x_domain), "nice": False} if x_domain else {})}
    if log_x and log_base != 10:
        x_scale["base"] = log_base
    y_scale = {"type": "log" if log_y else "linear", "zero": False}
    encoding = {
        "x": {"field": x, "type": "quantitative", "title": x_title or x, "scale": x_scale},
        "y": {"field": y, "type": "quantitative", "title": y_title or y,
              "scale": {**y_scale, "domain": list(y_domain), "clamp": True} if y_domain else y_scale},
        "tooltip": [{"field": c} for c in names],
    }  # fmt: skip
    if integer_x:
        encoding["x"]["axis"] = {"format": "d", "tickMinStep": 1}
    if x_ticks is not None:
        slant = {"labelAngle": -45, "labelOverlap": False} if slanted_ticks else {}
        encoding["x"]["axis"] = {"values": list(x_ticks), "format": tick_format, **slant}
    if y_format or y_ticks is not None:
        encoding["y"]["axis"] = {
            **({"format": y_format} if y_format else {}),
            **({"values": list(y_ticks)} if y_ticks is not None else {}),
        }
    if color:
        encoding["color"] = _category_colour(color, sort=color_sort)
        if legend_columns:
            encoding["color"]["legend"] = {"orient": "bottom", "columns": legend_columns}
    line = {"mark": {"type": "line", "point": points}, "encoding": encoding}
    if dashed:  # a field, not a test naming the groups: see chart_spec
        under = {"transform": [{"filter": f"datum.{dashed}"}], "mark": {"type": "line", **THEORY_LINE}}
        over = {"transform": [{"filter": f"!datum.{dashed}"}], "mark": line.pop("mark")}
        line["layer"] = [under, over]
    if marker_x is None:
        return chart_spec(frame, title, height=320, **line)
    rule = {
        "data": {"values": [{x: marker_x}]},
        "mark": {"type": "rule", "color": "#222", "strokeWidth": 2, "strokeDash": [5, 3]},
        "encoding": {"x": {"field": x, "type": "quantitative"}},
    }
    return chart_spec(frame, title, height=320, layer=[line, rule])


def series_lines(
    xs: Sequence[float],
    series: dict[str, Sequence[float]],
    *,
    x: str,
    y: str,
    group: str = "series",
    dashed: Sequence[str] = (),
    **options,
) -> dict:
    """Several named series measured at the same xs, one line each: the long table (one row per
    point: x, y, group) is built here, then drawn by `lines` (its keyword options apply). `dashed`: the
    series drawn thin, dashed and under the others (theory under what was measured)."""
    columns = _long_columns(xs, series, x, y, group)
    if not dashed:
        return lines(columns, x, y, color=group, **options)
    columns["dashed"] = [name in dashed for name in series for _ in xs]
    return lines(columns, x, y, color=group, dashed="dashed", **options)


def _long_columns(xs: Sequence[float], series: dict[str, Sequence[float]], x: str, y: str, group: str) -> dict:
    """Named series measured at the same xs as the long table's columns: one row per point (x, y, group)."""
    if any(len(values) != len(xs) for values in series.values()):
        raise ValueError("every series needs one value per x")
    return {
        x: [at for _ in series for at in xs],
        y: [value for values in series.values() for value in values],
        group: [name for name in series for _ in xs],
    }


def sampled_waves(
    xs: Sequence[float],
    series: dict[str, Sequence[float]],
    sampled: Sequence[bool],
    *,
    x: str,
    y: str,
    group: str,
    **options,
) -> dict:
    """Continuous curves (series finely sampled at xs), one colour each, with the points where `sampled`
    is True (e.g. the whole positions a model uses) drawn as dots on them; `lines`' keyword options apply."""
    if len(sampled) != len(xs):
        raise ValueError("`sampled` needs one flag per x")
    columns = {**_long_columns(xs, series, x, y, group), "sampled": [dot for _ in series for dot in sampled]}
    spec = lines(columns, x, y, color=group, points=False, **options)
    value = {"field": y, "type": "quantitative", "format": ".3f"}
    spec["encoding"]["tooltip"] = [{"field": group}, {"field": x}, value]
    dot = {"type": "circle", "size": 36 if sum(sampled) <= 32 else 14, "opacity": 1}
    spec["layer"] = [{"mark": spec.pop("mark")}, {"transform": [{"filter": "datum.sampled"}], "mark": dot}]
    return spec


def training_curves(
    losses: list[float], accuracies: list[float], steps: int, *, cap: float, title: str = "", now: int | None = None
) -> dict:
    """Loss and batch accuracy after each training step so far, on an axis of all `steps` steps, the loss
    capped at `cap` (a spike would flatten the rest); `now`: a dashed rule at that step."""
    curves, done = {"loss": losses, "accuracy": accuracies}, range(1, len(losses) + 1)
    axes = dict(integer_x=True, x_domain=(0, steps), y_domain=(0, cap), marker_x=now, y_title="loss · accuracy")
    return series_lines(done, curves, x="step", y="value", group="curve", points=False, title=title, **axes)


def bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    *,
    title: str = "",
    sort: list[str] | str | None = None,
    value_title: str | None = None,
    highlight: str | None = None,
) -> dict:
    """One horizontal bar per category (optionally one highlighted). `sort`: the categories' order, a
    Vega-Lite sort such as "-x" (largest first, the default) or "records" (the frame's order, which
    keeps the spec unchanged when the categories change: see chart_spec)."""
    colour = {"value": "#2a6f97"}
    if highlight is not None:  # a field, not a test naming the category: see chart_spec
        frame = frame.assign(highlighted=frame[category] == highlight)
        colour = {"condition": {"test": "datum.highlighted", "value": "#e4572e"}, "value": "#2a6f97"}
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
                "sort": None if sort == "records" else sort or "-x",
                "title": None,
                "axis": {"labelOverlap": False},
            },
            "x": {"field": value, "type": "quantitative", "title": value_title or value},
            "color": colour,
            "tooltip": [{"field": category}, {"field": value, "type": "quantitative", "format": ".3f"}],
        },
    )


def weight_bars(words: list[str], weights: torch.Tensor, *, title: str = "", highlight: str | None = None) -> dict:
    """One row of attention weights (n,): a bar per word, in the sentence's order (one highlighted)."""
    frame = pd.DataFrame({"word": words, "weight": to_numpy(weights)})
    return bars(frame, "word", "weight", title=title, sort="records", value_title="weight", highlight=highlight)


def column_blocks(owner_of: Sequence[int], *, title: str = "", x_title: str = "column") -> dict:
    """One coloured cell per column, coloured by the head that owns it (owner_of[c], counted from 0,
    named head 1, head 2, …): up to 20 heads in distinct colours, the legend below in rows of 8."""
    heads = [f"head {h + 1}" for h in owner_of]
    frame = pd.DataFrame({"column": range(len(heads)), "head": heads})
    colour = {**_category_colour("head", sort=list(dict.fromkeys(heads))), "scale": {"scheme": "tableau20"}}
    return chart_spec(
        frame,
        title,
        mark="rect",
        height=40,
        width="container",
        autosize={"type": "fit-x", "contains": "padding"},  # Streamlit's default "fit" squeezes the row to 0 px
        encoding={
            "x": {"field": "column", "type": "ordinal", "title": x_title},
            "color": {**colour, "legend": {"orient": "bottom", "columns": 8}},
            "tooltip": [{"field": "column"}, {"field": "head"}],
        },
    )


def head_grid(weights: torch.Tensor, labels: list[str], *, palette: str, width: int, title: str = "Every head") -> dict:
    """Small multiples: every head's (n, n) map of weights (heads, n, n), words on the axes, big enough to
    compare: two per row in about `width` px while there are at most 12 heads (more: four per row, smaller).
    Coloured 0 to 1 on a square-root scale, so that the small weights of a long sentence still differ
    from 0 (on a linear scale they all look like 0); the legend and the tooltip give the real weights."""
    heads, n, _ = weights.shape
    columns = min(heads, 2 if heads <= 12 else 4)
    label_room = min(110, 7 * max((len(w) for w in labels), default=1) + 20)  # the row labels, left of the maps
    size = int(max(60, min(480, (width - label_room) // columns - 12)))
    values = to_numpy(weights).round(4)
    data = [
        {"head": f"head {h + 1}", "row": labels[i], "col": labels[j], "value": float(values[h, i, j])}
        for h in range(heads)
        for i in range(n)
        for j in range(n)
    ]
    readable = size / max(n, 1) >= 12  # a label per row and column while each has 12 px
    axis = {"labelLimit": 100, "labelOverlap": False, "ticks": False, "title": None} if readable else {"labels": False}
    axis = {**axis, "ticks": False, "title": None, "domain": False}
    return chart_spec(
        data,
        title,
        columns=columns,
        spacing=12,
        facet={
            "field": "head",
            "type": "nominal",
            "sort": [f"head {h + 1}" for h in range(heads)],
            "title": None,
            "header": {"labelFontSize": 13, "labelFontWeight": "bold"},
        },
        spec={
            "width": size,
            "height": size,
            "mark": "rect",
            "encoding": {
                "x": {"field": "col", "type": "nominal", "sort": None, "axis": {**axis, "labelAngle": -45}},
                "y": {"field": "row", "type": "nominal", "sort": None, "axis": axis},
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "scale": {"scheme": palette, "domain": [0, 1], "type": "sqrt"},
                    "title": "weight (square-root scale)",
                    "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 200, "titleLimit": 320},
                },
                "tooltip": [
                    {"field": "head"},
                    {"field": "row", "title": "word attending"},
                    {"field": "col", "title": "attended to"},
                    {"field": "value", "type": "quantitative", "format": ".2f", "title": "weight"},
                ],
            },
        },
    )


def powers_of_ten_axis(spec: dict, channel: str = "y") -> dict:
    """A copy of a single-view spec whose log axis is labelled 10⁻²⁰ at powers of ten only (not 1e-20)."""
    power = "round(log(datum.value) / LN10)"
    exponent = f"'' + {power}"
    for digit, superscript in zip("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹", strict=True):
        exponent = f"replace({exponent}, regexp('{digit}', 'g'), '{superscript}')"
    is_power = f"abs(log(datum.value) / LN10 - {power}) < 0.001"
    encoding = dict(spec["encoding"])
    encoding[channel] = {**encoding[channel], "axis": {"labelExpr": f"{is_power} ? '10' + {exponent} : ''"}}
    return {**spec, "encoding": encoding}


ROLE_COLOURS = ("#e15759", "#4e79a7", "#59a14f", "#bab0ac", "#f28e2b", "#b07aa1", "#76b7b2")


def head_atlas(
    heads: list,
    links: list[list[tuple[str, str, float]]],
    *,
    roles: tuple[str, ...],
    selected: tuple[int, int] | None = None,
    param: str = "head",
    title: str = "",
) -> dict:
    """Every head of a model as one cell, layers down, heads across, coloured by its role.

    heads: one record per head with .layer, .head, .role (one of `roles`) and .score (0..1), e.g.
    core.heads.HeadRole (a role and score measured on average over the sentence's tokens); `roles`: every
    role in a fixed order, which gives each its colour (the legend lists those some head has); links: each
    head's strongest links as (from, to, weight), written in its tooltip. A click selects a head: the point
    selection `param` carries its layer and head (Streamlit's on_select hands them back). The `selected`
    head is outlined.
    """
    records = [
        {
            "layer": h.layer,
            "head": h.head,
            "name": head_name(h.layer, h.head),
            "role": h.role,
            "score": round(h.score, 3),
            "text": f"{h.score:.2f}",
            "links": "; ".join(f"{a} → {b} {w:.2f}" for a, b, w in pairs) or "no word pair",
            "chosen": selected == (h.layer, h.head),  # a field, not a test in the spec: see chart_spec
        }
        for h, pairs in zip(heads, links, strict=True)
    ]
    n_heads = len({h.head for h in heads})
    # the legend lists only the roles some head has; each role keeps its colour whichever others are there
    shown = [
        (role, colour) for role, colour in zip(roles, ROLE_COLOURS, strict=False) if role in {h.role for h in heads}
    ]
    encoding = {
        "x": {"field": "head", "type": "ordinal", "title": "head", "axis": {"labelAngle": 0, "orient": "top"}},
        "y": {"field": "layer", "type": "ordinal", "title": "layer"},
    }
    return chart_spec(
        records,
        title,
        width="container",
        height={"step": 34},
        layer=[
            {
                "params": [{"name": param, "select": {"type": "point", "fields": ["layer", "head"]}}],
                "mark": {"type": "rect", "cursor": "pointer", "tooltip": True},
                "encoding": {
                    **encoding,
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "scale": {"domain": [role for role, _ in shown], "range": [colour for _, colour in shown]},
                        "title": "role (averaged over every token)",
                        "legend": {
                            "orient": "bottom",
                            "titleLimit": 320,  # Vega cuts a title past 180 px with "…"
                            "columns": {"expr": "width < 480 ? 2 : 3"},  # a phone's column fits two
                            "labelLimit": 160,
                            "labelFontSize": 12,
                            "symbolSize": 160,
                            "symbolType": "square",
                        },
                    },
                    "stroke": {"condition": {"test": "datum.chosen", "value": "black"}, "value": "white"},
                    "strokeWidth": {"condition": {"test": "datum.chosen", "value": 3}, "value": 1},
                    "tooltip": [
                        {"field": "name", "title": "head"},
                        {"field": "role", "title": "role (average over the tokens)"},
                        {"field": "score", "type": "quantitative", "format": ".2f", "title": "score"},
                        {"field": "links", "title": "strongest links"},
                    ],
                },
            },
            {
                # the score in the cell while it fits at a readable size; on a phone's column, in the tooltip
                "mark": {
                    "type": "text",
                    "fontSize": {"expr": f"width / {n_heads} >= 34 ? 12 : 10"},
                    "color": "black",
                    "opacity": {"expr": f"width / {n_heads} >= 24 ? 1 : 0"},
                },
                "encoding": {**encoding, "text": {"field": "text"}},
            },
        ],
    )


def attention_lines(
    weights: torch.Tensor | np.ndarray,
    tokens: list[str],
    *,
    selected: int | None = None,
    min_weight: float = 0.05,
    title: str = "",
) -> dict:
    """One head's weights as lines from each asking token (left column) to the tokens it attends to
    (right column), thicker and darker for more weight: readable where a heatmap's labels are not.

    Only links of at least `min_weight` are drawn; with `selected` (a token index) only that
    token's row, down to 0.01. Height: 22 px per token.
    """
    values = to_numpy(weights) if isinstance(weights, torch.Tensor) else np.asarray(weights, dtype=float)
    n = len(tokens)
    rows = [selected] if selected is not None else range(n)
    floor = 0.01 if selected is not None else min_weight
    links = []
    for i in rows:
        for j in range(n):
            w = float(values[i, j])
            if w >= floor:
                pair = len(links) // 2
                common = {"pair": pair, "from": tokens[i], "to": tokens[j], "weight": round(w, 4)}
                links += [{**common, "side": 0, "pos": i}, {**common, "side": 1, "pos": j}]
    labels = [
        {"side": side, "pos": p, "token": t, "picked": p == selected and side == 0}
        for side in (0, 1)
        for p, t in enumerate(tokens)
    ]
    pad = min(110, 7 * max((len(t) for t in tokens), default=1) + 14)  # room for the longest label on each side
    x = {"field": "side", "type": "quantitative", "axis": None, "scale": {"domain": [0, 1]}}
    y = {"field": "pos", "type": "quantitative", "axis": None, "scale": {"domain": [-0.5, n - 0.5], "reverse": True}}
    return chart_spec(
        links,
        title,
        width="container",
        height=22 * n + (30 if title else 10),
        padding={"left": pad, "right": pad, "top": 5, "bottom": 5},
        layer=[
            {
                "mark": {"type": "line", "color": "#2a6f97"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "detail": {"field": "pair", "type": "nominal"},
                    "opacity": {
                        "field": "weight",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "range": [0.15, 1]},
                        "legend": None,
                    },
                    "strokeWidth": {
                        "field": "weight",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "range": [0.5, 7]},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "from", "title": "token asking"},
                        {"field": "to", "title": "attends to"},
                        {"field": "weight", "type": "quantitative", "format": ".2f"},
                    ],
                },
            },
            *[
                {
                    "data": {"values": labels},
                    "transform": [{"filter": f"datum.side == {side}"}],
                    "mark": {
                        "type": "text",
                        "fontSize": 12,
                        "limit": pad - 8,
                        "baseline": "middle",
                        "align": "right" if side == 0 else "left",
                        "dx": -6 if side == 0 else 6,
                    },
                    "encoding": {
                        "x": x,
                        "y": y,
                        "text": {"field": "token"},
                        "size": {"condition": {"test": "datum.picked", "value": 14}, "value": 12},
                        "color": {"condition": {"test": "datum.picked", "value": "#e4572e"}, "value": "black"},
                    },
                }
                for side in (0, 1)
            ],
        ],
    )


def head_ranking(top: list[tuple[int, int, float]], *, title: str = "", value_title: str = "score") -> dict:
    """Heads as (layer, head, value), largest first (core.heads.top_heads) -> one bar per head, "L5 H11"."""
    frame = pd.DataFrame({"head": [head_name(layer, head) for layer, head, _ in top], "value": [v for *_, v in top]})
    return bars(frame, "head", "value", title=title, value_title=value_title)


def token_shares(
    series: dict[str, torch.Tensor], tokens: list[str], *, limit: int = 24, title: str = "", value_title: str = "share"
) -> dict:
    """Per-token shares side by side (e.g. rollout vs last layer): the `limit` tokens with the largest
    share in the first series, largest first, so a 256-token sentence stays a readable chart."""
    first = to_numpy(next(iter(series.values())))
    keep = sorted(range(len(tokens)), key=lambda k: -first[k])[:limit]
    picked = {name: torch.as_tensor(to_numpy(values)[keep]) for name, values in series.items()}
    return vector_bars(picked, [tokens[k] for k in keep], title=title, value_title=value_title)


def layer_path(coords: torch.Tensor | np.ndarray, n_depths: int, *, title: str = "") -> dict:
    """One token's 2-D positions at depths 0..n_depths-1 in two sentences (core.contextual.path_through_layers),
    joined in order and labelled L0, L1, …"""
    labels = [f"L{depth}" for depth in range(n_depths)] * 2
    groups = ["sentence 1"] * n_depths + ["sentence 2"] * n_depths
    return scatter(coords, labels, groups=groups, connect=True, title=title)


AFTER_CUTS = "after the cuts"  # the legend's name for the blue bars
# the legend: the blue bar after the cuts, then the light bars before them (a word's `cut`)
CUT_COLOURS = {AFTER_CUTS: "#2a6f97", "kept": "#d9d9d9", "cut by top-k": "#f4a582", "cut by top-p": "#fdd49e"}


def next_word_bars(words: list[str], tempered: Sequence[float], kept: Sequence[float], cut: Sequence[str]) -> dict:
    """The next word's probabilities as bars, most probable first: a light bar before the cuts (softmax of
    the logits over the temperature: grey, or red where top-k cut the word and orange where top-p did),
    and over it a blue bar after them (core.sampling.reshape), labelled past the longer of the two."""
    records = [
        {
            "word": w, "before": round(float(b), 4), "after": round(float(a), 4), "cut": c,
            "label": f"{float(a):.0%}", "end": round(max(float(a), float(b)), 4),
        }
        for w, b, a, c in zip(words, tempered, kept, cut, strict=True)
    ]  # fmt: skip
    y = {"field": "word", "type": "nominal", "sort": None, "title": None, "axis": {"labelOverlap": False}}
    x = {"type": "quantitative", "scale": {"domain": [0, 1]}, "title": "probability of being the next word"}
    tooltip = [
        {"field": "word"},
        {"field": "before", "type": "quantitative", "format": ".3f", "title": "before the cuts"},
        {"field": "after", "type": "quantitative", "format": ".3f", "title": "drawn from"},
        {"field": "cut"},
    ]
    colour = {
        "field": "cut",
        "type": "nominal",
        "scale": {"domain": list(CUT_COLOURS), "range": list(CUT_COLOURS.values())},
        "title": None,
        "legend": {
            "orient": "bottom",
            "columns": 2,  # two by two: four names in one row run past a phone's chart
            "labelExpr": "datum.label === 'kept' ? 'before the cuts' : datum.label",  # a kept word's light bar
        },
    }
    return chart_spec(
        records,
        "",
        width="container",
        height={"step": 22},
        layer=[
            {"mark": "bar", "encoding": {"y": y, "x": {**x, "field": "before"}, "color": colour, "tooltip": tooltip}},
            {
                "mark": {"type": "bar", "height": 12},
                "encoding": {
                    "y": y,
                    "x": {**x, "field": "after"},
                    "color": {"datum": AFTER_CUTS, "type": "nominal"},  # the layers share the scale and its legend
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
                "encoding": {"y": y, "x": {**x, "field": "end"}, "text": {"field": "label"}},
            },
        ],
    )
