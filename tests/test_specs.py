"""Every chart builder in ui.specs returns a spec that is valid Vega-Lite v6 (the schema altair ships)."""

import inspect
import json
from functools import cache
from pathlib import Path

import altair
import jsonschema
import numpy as np
import pandas as pd
import pytest
import torch

from core.heads import ROLES, HeadRole
from ui import specs

WORDS = ["the", "animal", "was", "tired"]
WEIGHTS = torch.softmax(torch.randn(4, 4, generator=torch.Generator().manual_seed(0)), -1)


@cache
def validator() -> jsonschema.Draft7Validator:
    path = Path(altair.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json"
    return jsonschema.Draft7Validator(json.loads(path.read_text()))


COORDS = torch.tensor([[0.0, 0.0], [0.01, 0.0], [0.0, 0.01], [1.0, 1.0]])  # three share a spot


def theory_under_measured() -> dict:
    """The Q, K, V page's spread plot in small: a theory line that the measured one follows closely."""
    spread = {"raw q·k": [1.5, 2.1, 2.7], "q·k / √d_k": [1.05, 0.96, 1.0], "theory: √d_k": [1.41, 2.0, 2.83]}
    return specs.series_lines(
        [2, 4, 8], spread, x="d_k", y="std", log_x=True, log_y=True, y_ticks=[0.5, 1, 2, 4], y_domain=(0.5, 4),
        dashed=["theory: √d_k"],
    )  # fmt: skip


SPECS = {
    "heatmap": lambda: specs.heatmap(WEIGHTS, WORDS, WORDS, palette="viridis", domain=(0, 1), highlight_row="was"),
    "heatmap, rows stretched": lambda: specs.heatmap(WEIGHTS, WORDS, WORDS, palette="magma", stretch_rows=True),
    "heatmap, square-root colours": lambda: specs.heatmap(
        WEIGHTS, WORDS, WORDS, palette="viridis", domain=(0, 1), sqrt_colours=True
    ),
    "heatmap, 40 × 384": lambda: specs.heatmap(
        np.random.default_rng(0).normal(size=(40, 384)),
        [f"w{i}" for i in range(40)],
        [str(j) for j in range(384)],
        palette="cividis",
    ),  # fmt: skip
    "heatmap, masked": lambda: specs.heatmap(
        torch.tensor([[0.0, float("-inf")], [1.0, 2.0]]), ["a", "b"], ["a", "b"], palette="greys"
    ),
    "vector_bars": lambda: specs.vector_bars({"e": torch.ones(3), "y": torch.zeros(3)}, ["x", "y", "z"]),
    "next_word_bars": lambda: specs.next_word_bars(
        ["she", "they", "he"], [0.6, 0.3, 0.1], [2 / 3, 1 / 3, 0.0], ["kept", "kept", "cut by top-k"]
    ),
    "concat": lambda: specs.concat(
        [
            specs.heatmap(WEIGHTS, WORDS, WORDS, palette="viridis", width_step=20),
            specs.lines({"x": [0, 1], "y": [1, 2]}, "x", "y"),
        ],
        "vconcat",
        title="two views",
    ),
    "scatter": lambda: specs.scatter(torch.randn(4, 2), WORDS, connect=True, groups=["a", "a", "b", "b"]),
    "label_places, on a scatter": lambda: specs.scatter(
        COORDS, WORDS, places=specs.label_places(COORDS, WORDS, width=120, height=120)
    ),
    "lines": lambda: specs.lines(
        pd.DataFrame({"n": [1, 2, 4], "ms": [1.0, 2.0, 4.0], "kind": "rnn"}), "n", "ms", color="kind", log_x=True
    ),
    "bars": lambda: specs.bars(
        pd.DataFrame({"token": WORDS, "weight": [0.1, 0.2, 0.3, 0.4]}), "token", "weight", highlight="was"
    ),  # fmt: skip
    "lines, marked": lambda: specs.lines(
        pd.DataFrame({"step": [1, 2, 3], "value": [2.0, 1.0, 0.5]}),
        "step",
        "value",
        integer_x=True,
        x_domain=(0, 3),
        y_domain=(0, 2.5),
        marker_x=2,
    ),  # fmt: skip
    "powers_of_ten_axis": lambda: specs.powers_of_ten_axis(
        specs.lines(pd.DataFrame({"n": [2, 8], "norm": [1e-3, 1e-20]}), "n", "norm", log_y=True)
    ),
    "heatmap, 64 positions capped": lambda: specs.heatmap(
        np.zeros((64, 16)),
        [str(i) for i in range(64)],
        [str(j) for j in range(16)],
        palette="viridis",
        max_height=400,
    ),  # fmt: skip
    "heatmap, 128 positions as a picture": lambda: specs.heatmap(
        np.linspace(-1, 1, 128 * 64).reshape(128, 64),
        [str(i) for i in range(128)],
        [str(j) for j in range(64)],
        palette="magma",
        domain=(-1, 1),
        max_height=400,
    ),  # fmt: skip
    "heatmap, signed with its legend's ends": lambda: specs.heatmap(
        WEIGHTS - 0.25, WORDS, WORDS, palette="blueorange", domain=(-0.75, 0.75), legend_values=(-0.75, 0, 0.75)
    ),
    "column_blocks": lambda: specs.column_blocks([c // 2 for c in range(8)]),
    "head_grid": lambda: specs.head_grid(torch.stack([WEIGHTS, WEIGHTS.T]), WORDS, palette="viridis", width=640),
    "head_atlas": lambda: specs.head_atlas(
        [HeadRole(layer, head, ROLES[(layer + head) % 6], 0.5, "") for layer in range(2) for head in range(3)],
        [[("it", "animal", 0.65)]] * 6,
        roles=ROLES,
        selected=(1, 2),
    ),
    "attention_lines": lambda: specs.attention_lines(torch.full((3, 3), 1 / 3), ["a", "b", "c"]),
    "attention_lines, one row": lambda: specs.attention_lines(torch.full((3, 3), 1 / 3), list("abc"), selected=1),
    "lines, log ticks": lambda: specs.lines(
        {"d_k": [2, 4, 8], "std": [1.4, 2.0, 2.8], "series": "raw"},
        "d_k",
        "std",
        color="series",
        log_x=True,
        log_base=2,
        x_ticks=[2, 4, 8],
        tick_format=",d",
        slanted_ticks=True,
        y_format="~g",
        color_sort=["raw"],
        legend_columns=2,
    ),
    "series_lines": lambda: specs.series_lines(
        [1, 2, 3], {"loss": [2.3, 1.0, 0.4], "accuracy": [0.5, 0.7, 1.0]}, x="step", y="value"
    ),
    "series_lines, a dashed theory under the measured, y ticks": lambda: theory_under_measured(),
    "sampled_waves": lambda: specs.sampled_waves(
        [0, 0.5, 1, 1.5, 2],
        {"dim 0": [0, 0.48, 0.84, 1.0, 0.91]},
        [True, False, True, False, True],
        x="position",
        y="PE",
        group="dimension",
        integer_x=True,
        title="Each dimension is a wave",
    ),
    "training_curves": lambda: specs.training_curves([2.3, 1.0], [0.5, 0.9], 10, cap=2.5, now=2),
    "weight_bars": lambda: specs.weight_bars(WORDS, WEIGHTS[0], title="the row of “the”", highlight="animal"),
    "head_ranking": lambda: specs.head_ranking([(5, 11, 0.65), (3, 1, 0.61)], title="it → animal"),
    "token_shares": lambda: specs.token_shares(
        {"a": torch.tensor([0.1, 0.6, 0.3]), "b": torch.tensor([0.2, 0.2, 0.6])}, ["x", "y", "z"]
    ),
    "layer_path": lambda: specs.layer_path(torch.randn(6, 2, generator=torch.Generator().manual_seed(0)), 3),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_spec_is_valid_vega_lite_v6(name):
    spec = SPECS[name]()
    errors = sorted(validator().iter_errors(spec), key=lambda e: list(e.path))
    assert not errors, f"{name}: {errors[0].message[:300]} at {list(errors[0].path)}"
    views = [*spec.get("vconcat", []), *spec.get("hconcat", [])] or [spec]  # a concatenation's data is in its views
    assert all(view["data"]["values"] for view in views), f"{name}: no data"


def test_every_builder_is_tested():
    defined_here = {name for name, f in vars(specs).items() if inspect.isfunction(f) and f.__module__ == specs.__name__}
    builders = {name for name in defined_here if not name.startswith("_")} - {"chart_spec", "row_step"}  # helpers
    tested = {name.split(",")[0] for name in SPECS}
    assert builders <= tested, f"builders without a schema test: {sorted(builders - tested)}"


def without_data(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key != "data"}


def test_a_heatmap_whose_values_change_keeps_its_spec():
    """The browser swaps the data of a chart whose spec is unchanged instead of rebuilding it."""
    before = specs.heatmap(WEIGHTS, WORDS, WORDS, palette="viridis", domain=(0, 1), highlight_row="was")
    after = specs.heatmap(WEIGHTS.flip(-1), WORDS, WORDS, palette="viridis", domain=(0, 1), highlight_row="tired")
    assert without_data(before) == without_data(after)
    assert before["data"] != after["data"]
    highlighted = [r["col"] for r in after["data"]["values"] if r["highlighted"]]
    assert len(highlighted) == len(WORDS)


def test_a_large_numbered_map_is_one_picture_whose_spec_does_not_depend_on_its_size():
    def picture(n: int, d: int) -> dict:
        return specs.heatmap(
            np.ones((n, d)), [str(i) for i in range(n)], [str(j) for j in range(d)], palette="viridis",
            domain=(-1, 1), max_height=400,
        )  # fmt: skip

    small, large = picture(50, 64), picture(51, 64)
    assert without_data(small) == without_data(large)
    image = small["data"]["values"][0]
    assert image["url"].startswith("data:image/png;base64,") and (image["x2"], image["y2"]) == (63.5, 49.5)
    assert [r.get("value") for r in small["data"]["values"][1:]] == [-1, 1]  # the legend's two ends


@pytest.mark.parametrize("name", list(SPECS))
def test_spec_compiles_and_draws(name):
    """The schema accepts some specs Vega-Lite cannot compile (a colour with `"scale": null` did):
    vl-convert (the export's engine, Vega-Lite 6) must draw every one."""
    vl_convert = pytest.importorskip("vl_convert")
    assert "<svg" in vl_convert.vegalite_to_svg(SPECS[name]())


def test_weight_bars_keep_their_spec_when_the_sentence_or_highlight_changes():
    before = specs.weight_bars(WORDS, WEIGHTS[0], highlight="was")
    after = specs.weight_bars(["a", "dog", "ran"], WEIGHTS[1, :3], highlight="dog")
    assert without_data(before) == without_data(after)
    assert [r["word"] for r in after["data"]["values"] if r["highlighted"]] == ["dog"]


def test_word_axes_keep_their_first_label_on_its_row():
    """Streamlit's chart theme flushes an axis' first and last labels to its ends, which pushed a map's
    first word half a row off (against the second word at 40 words): every word axis opts out."""
    vl_convert = pytest.importorskip("vl_convert")
    spec = specs.heatmap(WEIGHTS, WORDS, WORDS, palette="viridis")
    axes = vl_convert.vegalite_to_vega({**spec, "config": {"axis": {"labelFlush": True}, **spec["config"]}})["axes"]
    assert [axis.get("labelFlush") for axis in axes] == [False, False]


def test_numbers_in_cells_grow_with_the_cell_to_projector_size():
    """The cells' font is a Vega expression on the chart's width (Python's syntax too): 11 px in a laptop's third
    of a page, at least 14 px in a projector's (presenter mode at 1920 px: a Q map of 4 columns gets ~400 px)."""
    spec = specs.heatmap(WEIGHTS, WORDS, WORDS, palette="viridis", domain=(0, 1))
    font = next(layer["mark"]["fontSize"] for layer in spec["layer"] if layer["mark"]["type"] == "text")

    def at_width(width: float) -> float:
        return eval(font["expr"], {"clamp": lambda v, low, high: min(max(v, low), high), "width": width})

    assert at_width(140) == 11 and at_width(400) >= 14 and at_width(4000) <= 18
    fixed = specs.heatmap(WEIGHTS, WORDS, WORDS, palette="viridis", width_step=60)
    assert next(layer["mark"]["fontSize"] for layer in fixed["layer"] if layer["mark"]["type"] == "text") >= 14


def test_heatmap_column_labels_thin_only_where_upright_labels_can_collide():
    from ui.specs import heatmap

    def overlap(n: int):
        words = [f"w{i}" for i in range(n)]
        return heatmap(np.zeros((n, n)), words, words, palette="viridis")["layer"][0]["encoding"]["x"]["axis"]

    assert overlap(3)["labelOverlap"] is False and overlap(10)["labelOverlap"] is False  # slanted: all drawn
    assert overlap(12)["labelOverlap"] == "greedy" and overlap(40)["labelOverlap"] == "greedy"  # narrow cells


def test_presenter_mode_writes_axis_and_legend_labels_at_14_px(monkeypatch):
    import ui.specs
    from ui.specs import concat, heatmap

    words = "the cat sat".split()
    assert "axis" not in heatmap(np.eye(3), words, words, palette="viridis")["config"]  # Vega's own sizes
    monkeypatch.setattr(ui.specs, "presenting", lambda: True)
    spec = heatmap(np.eye(3), words, words, palette="viridis")
    for config in (spec["config"], concat([spec, spec])["config"]):
        assert config["axis"]["labelFontSize"] >= 14 and config["axis"]["titleFontSize"] >= 14
        assert config["legend"]["labelFontSize"] >= 14
    assert not any("labelFontSize" in layer["encoding"]["x"]["axis"] for layer in spec["layer"][:1])
    assert not list(validator().iter_errors(spec))  # the presenter's config is valid Vega-Lite


def test_the_next_word_bars_legend_names_the_blue_bars_too():
    """The blue bars (what the next word is drawn from) are in the legend beside the light ones before the cuts:
    a legend of the light bars alone read "kept" beside a blue bar (beginner review)."""
    spec = specs.next_word_bars(["she", "they"], [0.6, 0.4], [1.0, 0.0], ["kept", "cut by top-k"])
    before, after, _ = spec["layer"]
    assert after["encoding"]["color"] == {"datum": specs.AFTER_CUTS, "type": "nominal"}
    scale = before["encoding"]["color"]["scale"]
    assert scale["domain"][0] == specs.AFTER_CUTS and scale["range"][0] == "#2a6f97"  # blue, named first
    assert "color" not in after["mark"]  # its colour comes from the shared scale


def test_lines_from_columns_hold_the_records_a_table_would():
    """Columns (lists, ranges, numpy arrays, tensors) become the records pandas made of the same table, without
    pandas: plain numbers, NaN as null, one record per row."""
    columns = {
        "x": range(3),
        "tensor": torch.tensor([0.5, float("nan"), 0.25]),
        "array": np.array([1.5, 2.5, np.nan]),
        "list": [np.float64(0.1), 0.2, 0.3],
        "word": ["a", "b", "c"],
    }
    from_columns = specs.lines(columns, "x", "tensor", color="word")
    from_table = specs.lines(pd.DataFrame(columns), "x", "tensor", color="word")
    assert json.dumps(from_columns) == json.dumps(from_table)
    assert from_columns["data"]["values"][1] == {"x": 1, "tensor": None, "array": 2.5, "list": 0.2, "word": "b"}
    assert specs.series_lines([1, 2], {"a": [0.1, 0.2], "b": [0.3, 0.4]}, x="n", y="v")["data"]["values"][2] == {
        "n": 1, "v": 0.3, "series": "b"
    }  # fmt: skip
    with pytest.raises(ValueError):
        specs.sampled_waves([0, 1], {"a": [0.1]}, [True, False], x="x", y="y", group="g")


def test_a_dashed_theory_line_is_drawn_thin_under_the_measured_ones_and_the_y_ticks_are_kept():
    """A theory line the measured one matches would hide it: it is drawn first (under), dashed and thinner,
    and the measured lines keep their points; the y axis is labelled at the ticks asked for (1 among them)."""
    spec = theory_under_measured()
    under, over = spec["layer"]
    assert under["transform"] == [{"filter": "datum.dashed"}] and over["transform"] == [{"filter": "!datum.dashed"}]
    assert under["mark"]["strokeDash"] and under["mark"]["strokeWidth"] < 2 and "point" not in under["mark"]
    assert over["mark"] == {"type": "line", "point": True}
    dashed = {r["series"] for r in spec["data"]["values"] if r["dashed"]}
    assert dashed == {"theory: √d_k"}  # only the theory: a field, so the spec names no series
    assert spec["encoding"]["y"]["axis"]["values"] == [0.5, 1, 2, 4]
    assert {"field": "dashed"} not in spec["encoding"]["tooltip"]  # drawing detail, not a number to read
    plain = specs.series_lines([2, 4, 8], {"raw": [1.5, 2.1, 2.7]}, x="d_k", y="std")
    assert "layer" not in plain and "dashed" not in plain["data"]["values"][0]  # nothing dashed: one mark
