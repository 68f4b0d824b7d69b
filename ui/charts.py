"""Drawing charts on a page: a spec with its downloads, and attention matrices with their
words-and-numbers companions (text summary, "show numbers" table)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st
import torch

from core.tensors import to_numpy
from ui import session, url_state
from ui.datasets import with_arrow_datasets
from ui.export import chart_downloads
from ui.markdown import md_escape
from ui.specs import heatmap

LINKS = "Strongest link of each row"  # attention weights a model computed: trained, or from the vectors alone
# Random weights nobody trained: their largest weight is chance, not a link the model learned.
UNTRAINED_LINKS = "Largest weight of each row (untrained weights: chance, not a learned link)"
DIVERGING = "blueorange"  # for signed values (changes): a domain symmetric around 0 puts "no change" in the middle


def render(
    spec: dict, *, key: str | None = None, width: str = "stretch", target=st, table: pd.DataFrame | None = None
) -> None:
    """Draw a chart spec into `target` (the page, a column, or `slot.container()` for an st.empty
    slot); a chart with a key also gets PNG/SVG/CSV downloads (`table` is the CSV, by default the
    chart's data).

    The title is drawn as text above the chart, not inside it: titles carry numbers and names that
    controls change (“E: 10 words × 11 features”, a head's name), and a changed spec makes the
    browser build the chart anew instead of swapping its data (~20–40 ms per chart, bench.browser).
    Text also wraps where a narrow column would cut a chart title. Downloads keep the title."""
    if title := spec.get("title"):
        target.markdown(f"**{md_escape(title)}**")
    untitled = {k: v for k, v in spec.items() if k != "title"}
    target.vega_lite_chart(spec=with_arrow_datasets(untitled), key=key, width=width)  # records as Arrow: fast
    if key is not None:
        chart_downloads(spec, key=key, table=table, where=target)


def kept_place(target=st):
    """A place in the page that exists on every run, filled or not: for anything that comes and goes (a
    caption, a radio, the weight editors) above charts.

    The browser matches each element and block of a rerun to the last run's by its place among its
    siblings. One caption that appears above a row of columns moves that row one place down, and the
    browser builds everything in it anew, every chart included (compile, view, scales), instead of
    swapping the charts' data (bench.browser counts the charts drawn anew per press). An st.empty()
    left empty keeps the place and shows nothing."""
    return target.empty()


def matrix_frame(matrix: torch.Tensor | np.ndarray, rows: list[str], cols: list[str]) -> pd.DataFrame:
    """A square table with token labels: what "show numbers" displays and CSV exports."""
    values = to_numpy(matrix) if isinstance(matrix, torch.Tensor) else np.asarray(matrix, dtype=float)
    return pd.DataFrame(values, index=rows, columns=cols)


def strongest_links(frame: pd.DataFrame, limit: int = 6, lead: str = LINKS) -> str | None:
    """For attention weights (rows summing to 1): each row's largest weight, in words, after `lead` (LINKS, or
    UNTRAINED_LINKS under random weights)."""
    values = frame.to_numpy(dtype=float)
    if values.size == 0 or not np.isfinite(values).all() or not np.allclose(values.sum(1), 1, atol=1e-3):
        return None
    shown = values.round(2)  # a tie as the two decimals show it is said as a tie, not as one winner

    def link(i: int, row: str) -> str:
        best = [md_escape(str(frame.columns[j])) for j in np.flatnonzero(shown[i] == shown[i].max())]
        top = f"{shown[i].max():.2f}"
        if len(best) == 1:
            return f"{md_escape(row)} → {best[0]} ({top})"
        named = ", ".join(best[:3]) + (", …" if len(best) > 3 else "")
        return f"{md_escape(row)} → a tie of {len(best)} ({named}, {top} each)"

    parts = [link(i, str(row)) for i, row in enumerate(frame.index) if i < limit]
    more = f"; … {len(frame) - limit} more rows" if len(frame) > limit else ""
    return f"{lead}: " + "; ".join(parts) + more + "."


def show_matrix(
    matrix: torch.Tensor | np.ndarray,
    rows: list[str],
    cols: list[str],
    *,
    key: str,
    caption: str | None = None,
    numbers: bool = True,
    signed: bool = False,
    cells_follow_switch: bool = False,
    links: str | None = LINKS,
    **heatmap_options,
) -> pd.DataFrame:
    """Draw a heatmap as wide as its column, with a text summary for attention weights (no
    information by colour alone) and a "show numbers" switch that adds the exact table. `signed`
    values (changes around 0) get a diverging palette instead of the sidebar's, by default on a
    scale symmetric around 0. `cells_follow_switch`: the switch also writes the numbers in the cells (off: colours
    only), for a page where numbers in every cell while "Show numbers" is off would contradict the switch.
    `links`: the words before the row summary (see matrix_companions), None for none."""
    frame = matrix_frame(matrix, rows, cols)
    if cells_follow_switch and numbers:
        chart = st.container()  # filled once the switch under it is read: its cells follow the switch
        matrix_companions(frame, key=key, caption=caption, numbers=False, links=links)
        heatmap_options["overlay"] = url_state.toggle(st, "Show numbers", key=f"{key}_numbers")  # reruns the chart
        if heatmap_options["overlay"]:
            exact_table(frame, key=key)
        draw_matrix(frame, matrix, rows, cols, key=key, target=chart, signed=signed, **heatmap_options)
        return frame
    draw_matrix(frame, matrix, rows, cols, key=key, signed=signed, **heatmap_options)
    matrix_companions(frame, key=key, caption=caption, numbers=numbers, links=links)
    return frame


def draw_matrix(frame: pd.DataFrame, matrix, rows: list[str], cols: list[str], *, key: str, target=st,
                signed: bool = False, **heatmap_options) -> None:  # fmt: skip
    """The heatmap of show_matrix, into `target`."""
    if signed and heatmap_options.get("domain") is None:  # symmetric around 0: "no change" is the middle colour
        reach = signed_reach(frame.to_numpy(), heatmap_options.get("fmt", ".2f"))
        heatmap_options["domain"] = (-reach, reach)
        heatmap_options["legend_values"] = (-reach, 0.0, reach)  # its ends labelled, not Vega's rounder ticks inside
    attention = heatmap_options.get("domain") == (0, 1) and strongest_links(frame) is not None
    spec = heatmap(
        matrix,
        rows,
        cols,
        palette=DIVERGING if signed else session.palette(),
        stretch_rows=attention and session.rows_stretched(),
        **heatmap_options,
    )
    render(spec, key=f"{key}_chart", table=frame, target=target)


def signed_reach(values, fmt: str = ".2f") -> float:
    """The end of a signed colour scale (−reach to +reach): the largest |value| rounded up to the decimals of
    `fmt`, so that the largest change a caption writes in those decimals lies on the scale, not past its end."""
    decimals = int(re.fullmatch(r"\.(\d+)f", fmt).group(1))
    step = 10.0**-decimals
    largest = float(np.abs(np.asarray(values, dtype=float)).max(initial=0.0))
    return max(math.ceil(round(largest / step, 6)), 1) * step  # round(): 0.006 / 0.001 is 6.000000000000001


def matrix_companions(
    frame: pd.DataFrame, *, key: str, caption: str | None = None, numbers: bool = True, links: str | None = LINKS
) -> None:
    """What follows a matrix chart: its caption, the strongest links in words (for attention weights),
    and the "Show numbers" switch. Also under a scrub chart (ui.scrub), for the position the server heard.
    `links`: the words before each row's largest weight (strongest_links), UNTRAINED_LINKS under random weights;
    None where the matrix is no attention (a cosine-similarity map, whose one-hot rows also sum to 1)."""
    for text in (caption, strongest_links(frame, lead=links) if links else None):
        if text:
            st.caption(text)
    if numbers:
        numbers_table(frame, key=key)


@st.fragment  # its own: the switch redraws only its table, not the section around the chart
def numbers_table(frame: pd.DataFrame | Callable[[], pd.DataFrame], *, key: str) -> None:
    """A "Show numbers" switch that adds the exact table under a chart (four decimals). `frame`: the table, or a
    function that builds it (`functools.partial`, which holds its numbers) for only while the switch is on."""
    if url_state.toggle(st, "Show numbers", key=f"{key}_numbers"):
        exact_table(frame() if callable(frame) else frame, key=key)


def exact_table(frame: pd.DataFrame, *, key: str) -> None:
    """The numbers of a chart's matrix, four decimals."""
    number = st.column_config.NumberColumn(format="%.4f")
    st.dataframe(frame, column_config={column: number for column in frame.columns}, key=f"{key}_table")


def attention_map(
    weights: torch.Tensor | np.ndarray, labels: list[str], *, key: str, asking: str = "", attended: str = "", **options
) -> pd.DataFrame:
    """show_matrix for attention weights (n, n): rows the `asking` tokens, columns the `attended` ones,
    coloured 0 to 1 (or each row stretched, as the sidebar says) with the strongest links in words."""
    titles = {"row_title": asking, "col_title": attended, "value_title": "weight"}
    return show_matrix(weights, labels, labels, key=key, domain=(0, 1), **titles, **options)


def show_ranking(ranked: list[tuple[str, float]], columns: list[str], *, key: str, where=st) -> None:
    """(name, score) pairs, best first, as a two-column table without an index, scores to 3 decimals."""
    score = st.column_config.NumberColumn(format="%.3f")
    names, scores = zip(*ranked, strict=True) if ranked else ((), ())
    # an Arrow table as Streamlit sends it: from a DataFrame, its conversion took ~2 ms of a rerun
    table = pa.table({columns[0]: pa.array(names, pa.string()), columns[1]: pa.array(scores, pa.float64())})
    where.dataframe(table, hide_index=True, column_config={columns[1]: score}, key=key)


SIDE_BY_SIDE_MAX_TOKENS = 12


def side_by_side(count: int, n_tokens: int, limit: int = SIDE_BY_SIDE_MAX_TOKENS) -> list:
    """Places for `count` token-by-token charts: columns while every label fits in half a page,
    one under the other beyond `limit` tokens (or columns) a chart (each then gets the full width)."""
    if n_tokens <= limit:
        return list(st.columns(count))
    with st.container():  # one block either way: the places after it keep theirs (see kept_place)
        return [st.container() for _ in range(count)]
