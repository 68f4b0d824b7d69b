"""Charts whose choose-only controls answer in the browser, while they are dragged ("scrub").

A control that only picks among numbers already computed (a layer, a head, a training step, a
token's row) need not cost a server rerun: the chart carries the numbers for every position of its
controls, computed by `core/` and sent once, and its controls are Vega-Lite inputs bound inside the
chart that pick among those numbers in the browser (no script run, ~10–25 ms a repaint while dragging).

One builder for every such chart: `scrub_chart(build, scrubs, key=...)` calls the page's own spec
builder (ui/specs.py) once per position, checks that the specs differ only in their data and title,
and joins them into one spec that carries every position's numbers: one record a cell, with a column a
position for each field that moves (a weight), or, where the records do not line up from one position
to the next, every record tagged with its position. Nothing is computed in Vega that `core/` did not
compute: the expressions only pick the column of the inputs' position, or compare a record's position
with the inputs'. Each input is a point selection bound to a range or select input, so Streamlit's `on_select`
also tells the server where it ended (after the repaint): the page's text follows, and the value is
written to the address bar (a teacher's link restores "layer 5, head 11"; a default is left out).

The spec the browser gets must stay byte-identical across reruns, or the chart is built anew and the
input jumps back while it is dragged: each input's starting value is kept in session state, not taken
from where the input is now, and changes only when the browser builds the chart anew anyway (its first
draw, new numbers of another shape, a server-side `move`, a redraw after a run without the chart): then
it is where the page has the input. New numbers of the same shape (another d_k, the same options) keep
the spec: the browser swaps the data and the input stays where the student left it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui import session
from ui.datasets import COMPOSED, views, with_arrow_datasets, without_data
from ui.url_state import notice

# Records a chart may carry for all its positions (cells × positions). Beyond this the outermost
# controls become ordinary server-side sliders, so a long sentence never sends megabytes per chart.
MAX_RECORDS = 120_000
# Joined specs kept for every session of this server (a class opens the same pages on the same
# sentences: each chart is joined and converted to Arrow once, not once per student). A 40-word real
# model head map is ~1 MB of Arrow; 48 of the largest stay under ~50 MB.
SHARED_SPECS = 48
_STATE = "_scrub_state"  # chart key -> {"start": {field: value}, "seen": {field: value}} (this module's own)


@dataclass(frozen=True)
class Scrub:
    """One control that chooses among numbers already computed.

    key: the URL parameter and session key (f"{page}_layer"); label: what the student reads beside
    the input; options: every position, in order (evenly spaced numbers become a range input,
    anything else a drop-down); default: where a fresh page opens; names: how a drop-down shows each
    option (the records and the link carry the option itself).

    column: a column the chart's records already have (a token's row): the control then picks
    records by that column, and the builder is called once, not once per option; its spec marks the
    picked records with `{"param": field}` (ui.specs.heatmap's `highlight_param`)."""

    key: str
    label: str
    options: tuple
    default: Any
    names: tuple[str, ...] | None = None
    column: str | None = None

    @property
    def field(self) -> str:
        """The records' column and the Vega-Lite param: the key as an identifier."""
        return re.sub(r"\W", "_", self.key)

    @property
    def step(self) -> float | None:
        """The spacing of evenly spaced numbers (whole numbers in a row: 1; temperatures 0.1 … 5.0: 0.1), drawn
        as a range input; None for anything else (a drop-down)."""
        if not all(isinstance(o, (int, float)) and not isinstance(o, bool) for o in self.options):
            return None
        if len(self.options) == 1:
            return 1
        gaps = [b - a for a, b in zip(self.options, self.options[1:])]
        even = gaps[0] > 0 and all(math.isclose(gap, gaps[0], rel_tol=1e-6) for gap in gaps)
        return (int(gaps[0]) if float(gaps[0]).is_integer() else round(gaps[0], 9)) if even else None

    @property
    def is_range(self) -> bool:
        return self.step is not None

    def option(self, raw: Any) -> Any | None:
        """The option a link's text or the browser's value names, or None. Numbers compare as numbers: a
        link's "2" (as a Streamlit slider wrote 2.0) and the browser's 2 both name the option 2.0."""
        for option in self.options:
            if str(option) == str(raw):
                return option
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return None
        numeric = (o for o in self.options if isinstance(o, (int, float)) and not isinstance(o, bool))
        return next((o for o in numeric if math.isclose(o, number, rel_tol=1e-9, abs_tol=1e-12)), None)

    def binding(self) -> dict:
        if self.is_range:
            low, high = self.options[0], self.options[-1]
            return {"input": "range", "min": low, "max": high, "step": self.step, "name": self.label}
        names = list(self.names) if self.names else [str(o) for o in self.options]
        return {"input": "select", "options": list(self.options), "labels": names, "name": self.label}

    def param(self, start: Any) -> dict:
        """A point selection bound to this control's input, starting at `start`. Clicks on marks pick
        their own position (the one shown), never clear it."""
        field = self.column or self.field
        return {
            "name": self.field,
            "value": [{field: start}],
            "select": {"type": "point", "fields": [field], "on": "click", "clear": False, "toggle": False},
            "bind": self.binding(),
        }

    def from_link(self) -> Any | None:
        """The link's value for this control, if it names one of its options (else a notice)."""
        raw = st.query_params.get(self.key)
        if raw is None:
            return None
        if (option := self.option(raw)) is not None:
            return option
        notice(
            f"The link's value for “{self.label}” ({raw[:40]}) is not one of its choices; the page uses {self.default}."
        )
        return None


def _state(key: str) -> dict:
    return st.session_state.setdefault(_STATE, {}).setdefault(key, {})


def _selected(key: str, scrubs: Sequence[Scrub]) -> dict:
    """Where the student left each input, as the chart's last selection event reported it."""
    selection = getattr(st.session_state.get(key), "selection", None) or {}
    chosen = {}
    for scrub in scrubs:
        points = selection.get(scrub.field) or []
        field = scrub.column or scrub.field
        if points and field in points[0]:
            option = scrub.option(points[0][field])
            chosen[scrub.field] = scrub.default if option is None else option
    return chosen


def positions_now(key: str, scrubs: Sequence[Scrub]) -> dict[str, Any]:
    """Each control's position (Scrub.key -> option): the student's last move in the chart, else
    where the chart started (a link's value, the default, or a server-side `move`)."""
    state, selected = _state(key), _selected(key, scrubs)
    start, now = state.setdefault("start", {}), state.setdefault("now", {})
    for scrub in scrubs:
        if start.get(scrub.field) not in scrub.options:  # first draw, or its options changed (a new sentence)
            linked = scrub.from_link() if scrub.field not in start else None
            start[scrub.field] = linked if linked is not None else scrub.default
            now.setdefault(scrub.field, start[scrub.field])
    seen = state.setdefault("seen", {})
    now.update({f: v for f, v in selected.items() if seen.get(f) != v})  # only what moved since the last event
    state["seen"] = selected
    for scrub in scrubs:  # a choice the new options lack (a word not in the new sentence) goes back to the default
        if now.get(scrub.field) not in scrub.options:
            now[scrub.field] = scrub.default
    return {scrub.key: now[scrub.field] for scrub in scrubs}


def move(key: str, positions: dict[Scrub, Any]) -> None:
    """Set controls from the server (a click elsewhere on the page): the chart starts anew there."""
    state = _state(key)
    for scrub, value in positions.items():
        state.setdefault("start", {})[scrub.field] = value
        state.setdefault("now", {})[scrub.field] = value


def _write_link(scrubs: Sequence[Scrub], now: dict[str, Any]) -> None:
    """Each control's position in the address bar, defaults left out (as bound widgets do)."""
    for scrub in scrubs:
        value, linked = now[scrub.key], st.query_params.get(scrub.key)
        if value == scrub.default and linked is not None:
            del st.query_params[scrub.key]
        elif value != scrub.default and linked != str(value):
            st.query_params[scrub.key] = str(value)


def _count(scrubs: Sequence[Scrub]) -> int:
    return math.prod(len(scrub.options) for scrub in scrubs if scrub.column is None)


def _shape(spec: dict) -> str:
    """What a spec draws apart from its records and its (outer) title."""
    return json.dumps({k: v for k, v in without_data(spec).items() if k != "title"}, sort_keys=True)


def joined_spec(build: Callable[..., dict], scrubs: Sequence[Scrub], start: dict[str, Any]) -> dict:
    """One spec for every position: `build(**position)` (position: Scrub.key -> option, for the
    scrubs without a column) once each, every view's records tagged with the position, and one bound
    input per scrub that filters them (or, for a column scrub, picks records by that column).

    The specs must be the same apart from their records and titles (a builder that changed its layout
    with the position could not be repainted by a filter); titles that differ become an expression
    that looks up the position's own title. Layered and concatenated specs work alike: every view
    with records gets all positions' records, every drawn view the filter."""
    tagged_scrubs = [scrub for scrub in scrubs if scrub.column is None]
    combos = itertools.product(*(scrub.options for scrub in tagged_scrubs))
    positions = [dict(zip((s.key for s in tagged_scrubs), combo, strict=True)) for combo in combos]
    specs = [build(**position) for position in positions]
    first, shape = specs[0], _shape(specs[0])
    if any(_shape(spec) != shape for spec in specs[1:]):
        raise ValueError("a scrub chart's builder must give the same spec at every position, apart from its data")
    joined = json.loads(shape)
    per_position = [[node.get("data", {}).get("values", []) for node in views(spec)] for spec in specs]
    # A view whose records are the same at every position (a training curve under a moving "now" rule) goes
    # once, untagged and unfiltered: the browser then filters only what the inputs change.
    varies = [any(values[i] != per_position[0][i] for values in per_position[1:]) for i in range(len(per_position[0]))]
    varies = varies if any(varies) else [True] * len(varies)
    names = [_title_key(position, tagged_scrubs) for position in positions]
    lookup = " + ',' + ".join(f"{scrub.field}_{scrub.field}" for scrub in tagged_scrubs)  # a position's name, in Vega
    records: list[list[dict]] = [[] for _ in views(first)]
    picks: list[list[dict]] = [[] for _ in views(first)]  # the transforms that show one position of a view's records
    for i in range(len(records)):
        at_each = [values[i] for values in per_position]
        if not varies[i]:
            records[i] = at_each[0]
        elif (wide := _wide(at_each, names)) is not None:
            records[i], moving = wide
            picks[i] = [{"calculate": f"datum[{json.dumps(k + '@')} + {lookup}]", "as": k} for k in moving]
            # the position as a field of its own, for a click on a mark (its point selection reads the datum)
            picks[i] += [{"calculate": f"{scrub.field}_{scrub.field}", "as": scrub.field} for scrub in tagged_scrubs]
        else:  # records that do not line up from one position to the next: each tagged, and filtered
            for view_values, position in zip(at_each, positions, strict=True):
                tag = {scrub.field: position[scrub.key] for scrub in tagged_scrubs}
                records[i] += [{**r, **tag} for r in view_values]
            # Each record is tested against the input's own signal (Vega-Lite names it {param}_{field}): a plain
            # comparison, several times faster over 10⁴–10⁵ records than a selection test (vlSelectionTest).
            picks[i] = [
                {"filter": f"datum[{scrub.field!r}] === {scrub.field}_{scrub.field}"} for scrub in tagged_scrubs
            ]
    nodes, owners = views(joined), _data_owners(first)
    drawn = [(node, owner) for node, owner in zip(nodes, owners, strict=True) if "mark" in node and varies[owner]]
    params = [scrub.param(start[scrub.key]) for scrub in reversed(scrubs)]  # Vega lists inputs last-first
    # on a view whose records carry the position: a click on a mark there picks the position it shows
    drawn[0][0]["params"] = [*drawn[0][0].get("params", []), *params]
    for node, owner in drawn:
        node["transform"] = [*picks[owner], *node.get("transform", [])]
    for node, original, values in zip(nodes, views(first), records, strict=True):
        if "data" in original:
            node["data"] = {"values": values}
    titles = {_title_key(p, tagged_scrubs): spec.get("title", "") for spec, p in zip(specs, positions, strict=True)}
    if len(set(titles.values())) > 1:
        joined["params"] = [*joined.get("params", []), {"name": "titles", "value": titles}]
        joined["title"] = {"text": {"expr": f"titles[{lookup}]"}, "anchor": "start", "fontSize": 14}
    elif first.get("title"):
        joined["title"] = first["title"]
    return joined


def _wide(at_each: list[list[dict]], names: list[str]) -> tuple[list[dict], list[str]] | None:
    """A view's records at every position as one record a cell: what stays the same (a cell's row and column)
    once, and each field that moves once per position, as `field@name` (name: the position as the title
    lookup writes it). None when the records do not line up (another count or other fields at some position).

    The browser then converts and keeps n² records instead of n² × positions (Streamlit turns every cell of an
    Arrow table into a record field, one call each), and the inputs only pick a column: 3.1 MB for a 40-word
    map at 50 temperatures as tagged records, 0.8 MB this way."""
    first = at_each[0]
    first_fields = [record.keys() for record in first]
    if any(len(values) != len(first) or [r.keys() for r in values] != first_fields for values in at_each[1:]):
        return None
    fields = list(dict.fromkeys(field for record in first for field in record))
    # each field as one list a position (compared and copied in C: a 40-word map has 80,000 records)
    columns = {field: [[record.get(field) for record in values] for values in at_each] for field in fields}
    moving = [field for field in fields if any(column != columns[field][0] for column in columns[field][1:])]
    wide = [{k: v for k, v in record.items() if k not in moving} for record in first]
    for field in moving:
        for name, column in zip(names, columns[field], strict=True):
            picked = f"{field}@{name}"
            for cell, value in zip(wide, column, strict=True):
                cell[picked] = value
    return wide, moving


def _data_owners(spec: dict) -> list[int]:
    """For each view of `views(spec)`, the index of the view whose records it draws: its own, else the
    nearest enclosing view's (a layer inherits its parent's data)."""
    owners, here = [], 0

    def walk(node: dict, inherited: int) -> None:
        nonlocal here
        index = here
        here += 1
        own = index if "data" in node else inherited
        owners.append(own)
        for kind in COMPOSED:
            for child in node.get(kind, []):
                walk(child, own)

    walk(spec, 0)
    return owners


def _title_key(position: dict, scrubs: Sequence[Scrub]) -> str:
    """How the title lookup names a position: its options joined by commas, as the expression builds it
    (JavaScript writes the number 2.0 as "2")."""
    return ",".join(_as_javascript_writes(position[scrub.key]) for scrub in scrubs)


def _as_javascript_writes(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def scrub_chart(
    build: Callable[..., dict],
    scrubs: Sequence[Scrub],
    *,
    key: str,
    cells: int,
    data_id: Any,
    target=st,
    width: str = "stretch",
) -> dict[str, Any]:
    """Draw `build`'s chart with `scrubs` as inputs bound inside it, and return each control's position
    (Scrub.key -> option) for the page's text, which follows once the server hears where it ended.

    cells: the records one position's chart has. When all positions together would pass MAX_RECORDS,
    the first scrubs become server-side sliders instead and only the rest answer in the browser.
    data_id: a value naming every input of `build`'s numbers apart from the sidebar's settings (the
    sentence, a switch, the numbers themselves; never an object's id): the joined spec is rebuilt only
    when it changes, and every session of the server with the same data_id shares one. width: "stretch" (the
    column's), or "content" for a concatenation of fixed-size views (ui.specs.concat)."""
    fixed, scrubbed = [], list(scrubs)
    while _count(scrubbed) > 1 and cells * _count(scrubbed) > MAX_RECORDS:
        fixed.append(scrubbed.pop(next(i for i, s in enumerate(scrubbed) if s.column is None)))
    chosen = {scrub.key: _server_slider(target, scrub, key) for scrub in fixed}
    now = positions_now(key, scrubbed)
    state = _state(key)
    numbers = (data_id, _sidebar_settings(), tuple(chosen.items()), tuple(s.options for s in scrubbed))
    if key not in st.session_state:
        # Drawn for the first time, or again after a run without it: the browser builds it from the spec's
        # starting values, so they are where the page has the inputs now.
        state["start"].update({scrub.field: now[scrub.key] for scrub in scrubbed})
    start = {scrub.key: state["start"][scrub.field] for scrub in scrubbed}
    if state.get("numbers") != numbers or state.get("built_from") != start:  # (or a server-side move)
        # What the spec depends on: the page's data_id, the sidebar's settings any builder may read (palette,
        # colour scale, model, device, seed, presenter: a session with other settings never gets another's
        # spec), the server sliders, the inputs' options and where they start.
        shared_key = (key, _builder_name(build), numbers, tuple(start.items()))
        spec = _shared_spec(
            _digest(shared_key), lambda: joined_spec(lambda **position: build(**chosen, **position), scrubbed, start)
        )
        here = {scrub.key: now[scrub.key] for scrub in scrubbed}
        if "spec" in state and _bare(spec) != _bare(state["spec"]) and here != start:
            # New numbers of another shape (a title, a scale, a drop-down's options): the browser builds the
            # chart anew from the spec's starting values, so they move to where the page has the inputs now.
            # (New numbers of the same shape keep the spec: the browser swaps the data, the inputs stay.)
            spec, start = _starting_at(spec, scrubbed, here), here
            state["start"].update({scrub.field: here[scrub.key] for scrub in scrubbed})
        state["spec"], state["built_from"] = spec, start
    state["numbers"] = numbers
    fields = [scrub.field for scrub in scrubbed]
    if fields:
        target.vega_lite_chart(state["spec"], key=key, on_select="rerun", selection_mode=fields, width=width)
    else:  # every control became a server slider (too many records): nothing to select in the chart
        target.vega_lite_chart(state["spec"], key=key, width=width)
    _write_link([*fixed, *scrubbed], {**chosen, **now})
    return {**chosen, **now}


def _bare(spec: dict) -> dict:
    """What the browser compares to decide between swapping a chart's data and building it anew."""
    return {k: v for k, v in spec.items() if k != "datasets"}


def _starting_at(spec: dict, scrubs: Sequence[Scrub], start: dict[str, Any]) -> dict:
    """A copy of a joined spec whose inputs start at `start` (its Arrow datasets shared, not copied)."""
    moved = json.loads(json.dumps(_bare(spec)))
    fields = {scrub.field: scrub for scrub in scrubs}
    for node in views(moved):
        for param in node.get("params", []):
            if (scrub := fields.get(param["name"])) is not None and "bind" in param:
                param["value"] = [{scrub.column or scrub.field: start[scrub.key]}]
    return {**moved, "datasets": spec["datasets"]} if "datasets" in spec else moved


def _builder_name(build: Callable) -> str:
    code = getattr(build, "__code__", None)
    return f"{build.__module__}.{build.__qualname__}:{code.co_firstlineno if code else ''}"


def _sidebar_settings() -> tuple:
    return (session.palette(), session.rows_stretched(), session.model_name(), str(session.device()),
            session.seed(), session.presenting())  # fmt: skip


def _digest(key: tuple) -> str:
    """A short name for a key that holds a map's numbers: Streamlit's cache hashes a tuple number by number
    (20 ms for a 40-word map's 1,600 scores), a digest of its text (exact for every number) takes 2 ms."""
    return hashlib.blake2b(repr(key).encode()).hexdigest()


@st.cache_resource(max_entries=SHARED_SPECS, show_spinner=False)
def _shared_spec(key: tuple, _join: Callable[[], dict]) -> dict:
    """`_join()`'s spec with its records as Arrow, built once per server for each `key` and shared by
    every session (never mutated after). The underscore keeps the builder out of Streamlit's hash."""
    return with_arrow_datasets(_join())


def _server_slider(where, scrub: Scrub, key: str) -> Any:
    """A scrub the browser cannot hold (too many records): a Streamlit slider over its options, with
    its value in the link under the same name."""
    widget = f"{key}_{scrub.field}_server"
    if widget not in st.session_state:
        linked = scrub.from_link()
        st.session_state[widget] = linked if linked is not None else scrub.default
    elif st.session_state[widget] not in scrub.options:
        st.session_state[widget] = scrub.default
    names = dict(zip(scrub.options, scrub.names or [str(o) for o in scrub.options], strict=True))
    return where.select_slider(scrub.label, scrub.options, key=widget, format_func=names.get)
