"""The course in one place: its order (ui.navigation's LESSONS), each lesson's steps on a map of the
transformer, the map itself, and the guided path (where a lesson is, what the next one adds).

Everything here is keyed by page id, so a lesson joins the course by adding its PageInfo to
ui.navigation.LESSONS: its steps and its Next text are read from here once it exists.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import streamlit as st

from ui.datasets import with_arrow_datasets
from ui.navigation import HOME, LESSONS, PageInfo
from ui.present import current_page
from ui.quiz import answered_pages, progress
from ui.session import presenting
from ui.specs import SCHEMA


class Step(NamedTuple):
    id: str
    label: str  # drawn on the map ("\n" breaks the line)
    words: str  # what it does, in words: the tooltip and the text alternative
    taught_in: tuple[str, ...]  # page ids; the first that is in the course is where the step links to

    @property
    def name(self) -> str:
        """The label on one line."""
        return self.label.replace("-\n", "-").replace("\n", " ")


# The transformer in data-flow order: what the map draws, one block after the other.
STEPS = (
    Step("tokens", "tokens", "the sentence, split into tokens", ("why",)),
    Step("embed", "embeddings", "each token's vector, read from a table", ("static",)),
    Step("pos", "+ positions", "a vector for each position, added to the token's", ("pe",)),
    Step("qkv", "Q, K, V", "queries, keys and values: three learned projections of each vector", ("qkv",)),
    Step("scores", "QKᵀ / √d_k", "scores: every query against every key, divided by √d_k", ("qkv",)),
    Step("mask", "causal\nmask", "a decoder's mask: no token sees the ones after it", ("gpt", "qkv")),
    Step("softmax", "softmax", "each row of scores turned into weights that sum to 1", ("fp",)),
    Step("mix", "weights · V", "each token's output: the values averaged with its weights", ("fp",)),
    Step("concat", "heads\nconcatenated", "several heads side by side", ("mha",)),
    Step("wo", "W_o", "the output projection that mixes the heads", ("mha",)),
    Step("norm", "+ residual,\nlayer norm", "the input added back, then normalised", ("real",)),
    Step("ffn", "feed-\nforward", "a small network applied to each token on its own", ("real",)),
    Step("layers", "next layer ↺", "the same block again, on this block's output", ("mha",)),
    Step("sentence", "sentence\nembedding", "an encoder's output: one vector for the sentence", ("real",)),
    Step("next_word", "next-word\nprobabilities", "a decoder's output: a probability for each next word", ("gpt",)),
)
# The map's arrows follow STEPS; the two outputs are alternatives ("or"), not one after the other.
ALTERNATIVES = {("sentence", "next_word")}
OPTIONAL = {"mask"}  # drawn dashed: only a decoder has it

ENCODER = ("tokens", "embed", "pos", "qkv", "scores", "softmax", "mix", "concat", "wo", "norm", "ffn", "layers")
# Each lesson's steps, lit on its map.
LIT = {
    "why": ("tokens", "scores", "mix"),
    "static": ("tokens", "embed"),
    "fp": ("embed", "scores", "softmax", "mix"),
    "pe": ("embed", "pos", "mix"),
    "qkv": ("qkv", "scores", "mask", "softmax", "mix"),
    "mha": ("qkv", "scores", "softmax", "mix", "concat", "wo", "layers"),
    "train": ("qkv", "scores", "softmax", "mix", "layers"),
    "real": (*ENCODER, "sentence"),
    "gpt": (*ENCODER, "mask", "next_word"),
    "cost": ("tokens", "scores", "softmax", "mix"),
}
# What each lesson adds that the one before it lacks: the course's thread, said on the way in.
ADDS = {
    "why": "why a sentence needs every pair of words at once: an RNN reads one word per step and forgets",
    "static": "words as vectors you can compare, though each word keeps one vector whatever the sentence",
    # (said at the foot of the static page, whose question asks whether "bank" depends on its sentence)
    "fp": "mixing with no parameters at all: each word borrows from the words of its sentence most like it",
    "pe": "word order: attention alone cannot tell “the cat sat on the mat” from “the mat sat on the cat”",
    "qkv": "learned projections: a word asks (query) and answers (key) differently from what it passes on "
    "(value), with scores scaled by √d_k",
    "mha": "many heads side by side, each free to look for something else, concatenated and projected",
    "train": "training: the weights stop being random, and a head learns what “it” refers to",
    "real": "a real pretrained encoder: residuals, layer norm and feed-forward blocks, and what its heads "
    "measurably do",
    "gpt": "a model that writes: the causal mask hides the future, and the last position predicts the next word",
    "cost": "the price of all pairs at once: time and memory that grow with n², measured against an RNN",
}


class Place(NamedTuple):
    number: int  # 1-based position in the course
    of: int
    previous: PageInfo | None
    next: PageInfo | None


def place(page_id: str) -> Place | None:
    """Where a lesson sits in the course (None for a page that is not a lesson, e.g. home)."""
    ids = [page.id for page in LESSONS]
    if page_id not in ids:
        return None
    i = ids.index(page_id)
    return Place(i + 1, len(LESSONS), LESSONS[i - 1] if i else None, LESSONS[i + 1] if i + 1 < len(LESSONS) else None)


def teacher(step: Step) -> PageInfo | None:
    """The lesson a step links to: the first of its lessons that is in the course."""
    by_id = {page.id: page for page in LESSONS}
    return next((by_id[i] for i in step.taught_in if i in by_id), None)


def lit_steps(page_id: str) -> tuple[str, ...]:
    return LIT.get(page_id, ())


class Layout(NamedTuple):
    columns: int
    row_px: int
    font_px: int


# Compact (the top of a lesson) and full (the home page), each for a wide and a phone-width column;
# presenter mode gets larger type. Columns snake (left to right, then right to left) so every arrow is short.
LAYOUTS = {
    ("compact", "wide"): Layout(8, 44, 11),
    ("compact", "narrow"): Layout(4, 44, 11),
    ("full", "wide"): Layout(5, 68, 13),
    ("full", "narrow"): Layout(3, 68, 12),
}
PRESENTER_SCALE = 1.5
LIT_FILL, LIT_TEXT = "#2b5f9e", "#ffffff"  # white on this blue: contrast 6.6:1
QUIET_FILL, QUIET_TEXT, QUIET_STROKE = "#eef0f4", "#4a5261", "#b9bfca"  # grey text on light grey: 7.3:1


def _cell(i: int, columns: int) -> tuple[int, int]:
    row, col = divmod(i, columns)
    return row, col if row % 2 == 0 else columns - 1 - col


def map_records(lit: set[str], answered: set[str], columns: int) -> tuple[list[dict], list[dict]]:
    """The map as records: one per step (its cell, whether lit, where it links) and one per arrow.

    Steps whose lesson is not in the course yet are drawn but link nowhere (`lesson` is "")."""
    nodes = []
    for i, step in enumerate(STEPS):
        row, col = _cell(i, columns)
        page = teacher(step)
        number = place(page.id).number if page else None
        nodes.append(
            {
                "step": step.id,
                "number": str(i + 1),
                "label": step.label,
                "lines": step.label.count("\n") + 1,
                "x": col + 0.07,
                "x2": col + 0.93,
                "nx": col + 0.07,  # the step's number, on the box's top-left corner (clear of its label)
                "ny": row + 0.12,
                "y": row + 0.12,
                "y2": row + 0.88,
                "cx": col + 0.5,
                "cy": row + 0.5,
                "lit": step.id in lit,
                "optional": step.id in OPTIONAL,
                "lesson": page.id if page else "",
                "where": f"lesson {number}{' ✓' if page.id in answered else ''}" if page else "",
                "tip": f"{step.words}. " + (f"Lesson {number}: {page.title}" if page else "Not in this course yet"),
            }
        )
    edges = []
    for a, b in zip(nodes, nodes[1:]):
        alternative = (a["step"], b["step"]) in ALTERNATIVES
        direction = ("right" if b["cx"] > a["cx"] else "left") if a["cy"] == b["cy"] else "down"
        edges.append(
            {
                "x": a["cx"],
                "y": a["cy"],
                "x2": b["cx"],
                "y2": b["cy"],
                "mx": (a["cx"] + b["cx"]) / 2,
                "my": (a["cy"] + b["cy"]) / 2,
                "shape": "" if alternative else f"triangle-{direction}",
                "word": "or" if alternative else "",
            }
        )
    return nodes, edges


def map_spec(page_id: str, *, full: bool, narrow: bool, answered: set[str], scale: float = 1.0) -> dict:
    """A Vega-Lite spec of the transformer: `page_id`'s steps lit (on the full map, the steps of the
    lessons answered), each step a point selection `step` carrying the lesson it links to."""
    layout = LAYOUTS[("full" if full else "compact", "narrow" if narrow else "wide")]
    lit = {s.id for s in STEPS if teacher(s) and teacher(s).id in answered} if full else set(lit_steps(page_id))
    nodes, edges = map_records(lit, answered, layout.columns)
    rows = -(-len(STEPS) // layout.columns)
    font = round(layout.font_px * scale)
    x = {"field": "x", "type": "quantitative", "scale": {"domain": [0, layout.columns]}, "axis": None}
    y = {"field": "y", "type": "quantitative", "scale": {"domain": [rows, 0]}, "axis": None}
    centre = {"x": {**x, "field": "cx"}, "y": {**y, "field": "cy"}}
    lit_test = "datum.lit"
    label_dy = round(-7 * scale) if full else 0  # the full map writes the lesson under the label
    layers = [
        {
            "data": {"values": edges},
            "mark": {"type": "rule", "color": QUIET_STROKE, "strokeWidth": 1.5},
            "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}},
        },
        {
            "data": {"values": [e for e in edges if e["shape"]]},
            "mark": {"type": "point", "filled": True, "color": "#6b7280", "size": round(60 * scale * scale)},
            "encoding": {
                "x": {**x, "field": "mx"},
                "y": {**y, "field": "my"},
                "shape": {"field": "shape", "type": "nominal", "scale": None},
            },
        },
        {
            "data": {"values": [e for e in edges if e["word"]]},
            "mark": {"type": "text", "fontSize": font, "color": QUIET_TEXT, "fontStyle": "italic"},
            "encoding": {"x": {**x, "field": "mx"}, "y": {**y, "field": "my"}, "text": {"field": "word"}},
        },
        {
            "params": [{"name": "step", "select": {"type": "point", "fields": ["step", "lesson"], "toggle": False}}],
            "mark": {"type": "rect", "cornerRadius": 6, "cursor": "pointer", "tooltip": True},
            "encoding": {
                "x": x,
                "x2": {"field": "x2"},
                "y": y,
                "y2": {"field": "y2"},
                "fill": {"condition": {"test": lit_test, "value": LIT_FILL}, "value": QUIET_FILL},
                "stroke": {"condition": {"test": lit_test, "value": LIT_FILL}, "value": QUIET_STROKE},
                "strokeDash": {"condition": {"test": "datum.optional", "value": [4, 3]}, "value": [1, 0]},
                "tooltip": {"field": "tip"},
            },
        },
    ]
    for lines in (1, 2):  # Vega centres a label's first line: a two-line label is lifted by half a line
        dy = label_dy + (round(-font * 0.6) if lines == 2 else 0)
        layers.append(
            {
                "transform": [{"filter": f"datum.lines == {lines}"}],
                "mark": {
                    "type": "text",
                    "fontSize": font,
                    "lineBreak": "\n",
                    "cursor": "pointer",
                    "dy": dy,
                },
                "encoding": {
                    **centre,
                    "text": {"field": "label"},
                    "color": {"condition": {"test": lit_test, "value": LIT_TEXT}, "value": QUIET_TEXT},
                    "tooltip": {"field": "tip"},
                },
            }
        )
    # Each box is numbered, on a badge at its corner: the rows snake (the second runs right to left), and the
    # numbers say the order.
    corner = {"x": {**x, "field": "nx"}, "y": {**y, "field": "ny"}, "tooltip": {"field": "tip"}}
    badge = round(font * 1.3) ** 2  # the circle's area: a two-digit number fits
    layers += [
        {
            "mark": {"type": "point", "shape": "circle", "filled": True, "size": badge, "cursor": "pointer"},
            "encoding": {
                **corner,
                "color": {"condition": {"test": lit_test, "value": LIT_FILL}, "value": "#ffffff"},
                "stroke": {"value": QUIET_STROKE},
            },
        },
        {
            "mark": {"type": "text", "fontSize": round(font * 0.75), "fontWeight": "bold", "cursor": "pointer"},
            "encoding": {
                **corner,
                "text": {"field": "number"},
                "color": {"condition": {"test": lit_test, "value": LIT_TEXT}, "value": QUIET_TEXT},
            },
        },
    ]
    if full:  # the table of contents: each step says its lesson, ticked once that lesson's question is answered
        layers.append(
            {
                "mark": {"type": "text", "fontSize": round(font * 0.85), "dy": round(17 * scale), "cursor": "pointer"},
                "encoding": {
                    **centre,
                    "text": {"field": "where"},
                    "color": {"condition": {"test": lit_test, "value": LIT_TEXT}, "value": QUIET_TEXT},
                    "tooltip": {"field": "tip"},
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "data": {"values": nodes},
        "width": "container",
        "height": round(rows * layout.row_px * scale),
        "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}, "course_map": True},
        "config": {"view": {"stroke": None}},
        "layer": layers,
    }


def map_in_words(page_id: str, *, full: bool, answered: set[str]) -> str:
    """The map as a sentence, for screen readers (the chart's description) and as the caption's source."""
    lit = set(lit_steps(page_id))
    parts = []
    for number, step in enumerate(STEPS, start=1):
        page = teacher(step)
        where = f" (lesson {place(page.id).number}{', answered' if page.id in answered else ''})" if page else ""
        mark = ", lit" if step.id in lit and not full else ""
        parts.append(f"{number}. {step.name}{mark}{where}")
    return "The transformer, step by step: " + "; ".join(parts) + "."


GOTO = "_course_goto"
# Constant CSS (no user text reaches it): each map is drawn twice, and the column's width decides
# which one shows: the phone layout below 640 px of window, the wide one above.
MAP_CSS = """<style>
@media (max-width: 640px) { [class*="st-key-course_map_wide_"] { display: none; } }
@media (min-width: 641px) { [class*="st-key-course_map_narrow_"] { display: none; } }
</style>"""


def _picked(key: str) -> None:
    """A step was clicked: remember its lesson; app.py switches to it (a switch inside a callback does not)."""
    picked = st.session_state[key].selection.get("step") or []
    if picked and picked[0].get("lesson"):
        st.session_state[GOTO] = picked[0]["lesson"]


def follow_map_click() -> None:
    """Called by app.py before the page runs: open the lesson whose step was clicked on the map."""
    target = st.session_state.pop(GOTO, None)
    page = next((p for p in [HOME, *LESSONS] if p.id == target), None)
    if page is not None and page.id != current_page():
        st.switch_page(page.path)


@st.cache_data(max_entries=256, show_spinner=False)
def map_chart(page_id: str, *, full: bool, narrow: bool, answered: tuple[str, ...], scale: float) -> dict:
    """`map_spec` with its records as Arrow, as the page sends it. Every page draws the map twice on every
    run, and only the answers and presenter mode change it: kept, it costs no run its ~2 ms of Arrow."""
    return with_arrow_datasets(map_spec(page_id, full=full, narrow=narrow, answered=set(answered), scale=scale))


def draw_map(page_id: str, *, full: bool) -> None:
    """The map, in the layout that fits the window (both are sent; CSS shows one)."""
    answered, scale = answered_pages(), PRESENTER_SCALE if presenting() else 1.0
    st.html(MAP_CSS)
    for narrow in (False, True):
        name = f"{'narrow' if narrow else 'wide'}_{'full' if full else page_id}"
        spec = map_chart(page_id, full=full, narrow=narrow, answered=tuple(sorted(answered)), scale=scale)
        key = f"course_map_{name}"  # its class in the page (st-key-…) is what the CSS above picks
        words = map_in_words(page_id, full=full, answered=answered)
        pick = partial(_picked, key)
        st.vega_lite_chart(spec, on_select=pick, selection_mode="step", key=key, width="stretch", alt=words)


def score_line() -> str:
    answered, correct = progress()
    lessons = len(answered_pages() & {page.id for page in LESSONS})
    if not answered:
        return "No prediction answered yet."
    return f"Predictions: **{correct} of {answered}** right, on {lessons} of {len(LESSONS)} lessons."


def lesson_map(page_id: str) -> None:
    """The compact map at the top of a lesson: its steps lit, where it is in the course, the score."""
    where = place(page_id)
    if where is None:
        return
    draw_map(page_id, full=False)
    # The lit steps are not named here: their names (“QKᵀ / √d_k”) use words an early lesson has not taught yet.
    lit = len(lit_steps(page_id))
    st.caption(
        f"**Lesson {where.number} of {where.of}.** Lit on the map: this lesson's {lit} steps. Click a step to "
        f"open the lesson that teaches it. {score_line()}"
    )


def footer(page_id: str) -> None:
    """The guided path under every page: Previous and Next in course order, and what Next adds."""
    where = place(page_id)
    st.divider()
    if where is None:  # home: where the course starts
        first = LESSONS[0]
        st.page_link(first.path, label=f"Start: 1. {first.title}", icon=":material/arrow_forward:")
        st.caption(f"It begins with {ADDS[first.id]}.")
        return
    back, forward = st.columns(2)
    if where.previous is None:
        back.page_link(HOME.path, label="Home: the map of the course", icon=":material/arrow_back:")
    else:
        label = f"Previous: {where.number - 1}. {where.previous.title}"
        back.page_link(where.previous.path, label=label, icon=":material/arrow_back:")
    if where.next is None:
        forward.page_link(HOME.path, label="The end of the course: back to the map", icon=":material/home:")
    else:
        forward.page_link(
            where.next.path, label=f"Next: {where.number + 1}. {where.next.title}", icon=":material/arrow_forward:"
        )
        forward.caption(f"Adds what this lesson lacks: {ADDS[where.next.id]}.")
    st.caption(f"Lesson {where.number} of {where.of}. {score_line()}")
