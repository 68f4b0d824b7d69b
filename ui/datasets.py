"""A chart's records as the browser is sent them: Arrow datasets named by their view.

Streamlit converts a spec's records on every run (through pandas, 1.5–5 ms a chart) unless they come as
Arrow bytes in `datasets`, which it sends as they are. Named by the view's place, new numbers of the same
shape leave the spec as it was, so the browser swaps a chart's data instead of building it anew.
"""

from __future__ import annotations

import json

import pyarrow as pa
from streamlit import dataframe_util

COMPOSED = ("layer", "hconcat", "vconcat", "concat")


def views(spec: dict) -> list[dict]:
    """A spec and every view inside it (layers, concatenations), in order."""
    return [spec, *(node for kind in COMPOSED for child in spec.get(kind, []) for node in views(child))]


def without_data(spec: dict) -> dict:
    """The spec with every view's records left out (not copied: a 72-position chart has 10⁴–10⁵)."""
    bare = {k: v for k, v in spec.items() if k != "data"}
    for kind in COMPOSED:
        if kind in spec:
            bare[kind] = [without_data(child) for child in spec[kind]]
    return bare


def arrow_bytes(records: list[dict]) -> bytes:
    """Records as the Arrow stream Streamlit sends a chart (every field any record has, None where one
    lacks it). Built with pyarrow directly: 0.16 ms for a 12-word map's 144 records where Streamlit's
    own conversion of a list (through pandas) took 1.6, and 3.7 ms for the course map's 15; a column
    pyarrow cannot type (numbers and text mixed) goes through Streamlit's conversion instead."""
    fields = dict.fromkeys(name for record in records for name in record)
    try:
        table = pa.table({name: [record.get(name) for record in records] for name in fields})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return dataframe_util.convert_anything_to_arrow_bytes(records)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return sink.getvalue().to_pybytes()


def with_arrow_datasets(spec: dict) -> dict:
    """The spec with each view's records moved into named Arrow datasets (Streamlit sends bytes as they
    are, where it would convert a list of records on every rerun). Each is named by its view's place, so
    new numbers of the same shape leave the spec as it was and the browser swaps the data in place."""
    bare, datasets = json.loads(json.dumps(without_data(spec))), {}
    for i, (node, original) in enumerate(zip(views(bare), views(spec), strict=True)):
        if "values" in original.get("data", {}):
            name = f"view{i}"
            node["data"] = {"name": name}
            datasets[name] = arrow_bytes(original["data"]["values"])
    return {**bare, "datasets": datasets} if datasets else bare
