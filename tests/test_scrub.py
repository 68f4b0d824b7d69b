"""ui.scrub: one spec for every position of a chart's choose-only controls (the browser filters it),
checked without a browser: which records each position gets, the inputs, the titles, the refusals.
The browser half (a key press repaints with no script run, the link) is in tests/test_browser.py."""

import json

import pytest
import torch
from scrub_views import records_at
from test_specs import validator

from ui import datasets, scrub, specs

WORDS = ["the", "cat", "sat"]
MAPS = torch.softmax(torch.randn(2, 3, 3, 3, generator=torch.Generator().manual_seed(0)), -1)  # (layer, head, n, n)
LAYER = scrub.Scrub("real_layer", "Layer", (0, 1), 1)
HEAD = scrub.Scrub("real_head", "Head", (0, 1, 2), 0)
ROW = scrub.Scrub("real_source", "Row", ("every token", *WORDS), "cat", column="row")


def head_map(**position) -> dict:
    layer, head = position["real_layer"], position["real_head"]
    return specs.heatmap(
        MAPS[layer, head], WORDS, WORDS, palette="viridis", domain=(0, 1), title=f"L{layer} H{head}",
        highlight_param=ROW.field,
    )  # fmt: skip


def views(spec: dict) -> list[dict]:
    return datasets.views(spec)


def test_every_position_travels_in_one_record_a_cell():
    joined = scrub.joined_spec(head_map, [LAYER, HEAD, ROW], {"real_layer": 1, "real_head": 0, "real_source": "cat"})
    records = joined["data"]["values"]
    assert len(records) == len(WORDS) ** 2  # a cell's row and column once, its value at each of the 6 positions
    assert [r["row"] for r in records] == [w for w in WORDS for _ in WORDS]
    assert {k for k in records[0] if k.startswith("value@")} == {f"value@{a},{b}" for a in (0, 1) for b in (0, 1, 2)}
    for layer in (0, 1):
        for head in (0, 1, 2):
            here = records_at(records, real_layer=layer, real_head=head)
            alone = head_map(real_layer=layer, real_head=head)["data"]["values"]
            assert [{k: r[k] for k in alone[0]} for r in here] == alone
            assert [r["value"] for r in here] == pytest.approx(MAPS[layer, head].flatten().tolist(), abs=1e-4)
    assert not list(validator().iter_errors(joined))


def test_records_that_do_not_line_up_travel_tagged_and_filtered():
    def top(**position):  # another number of bars at each position
        k = position["real_head"] + 1
        return specs.series_lines(range(k), {"weight": MAPS[0, 0, 0, :k].tolist()}, x="word", y="weight")

    joined = scrub.joined_spec(top, [HEAD], {"real_head": 0})
    records = joined["data"]["values"]
    assert [r["real_head"] for r in records] == [0, 1, 1, 2, 2, 2]
    assert records_at(records, real_head=1) == [{**r, "real_head": 1} for r in top(real_head=1)["data"]["values"]]
    drawn = [view for view in views(joined) if "mark" in view]
    assert all(view["transform"][0] == {"filter": "datum['real_head'] === real_head_real_head"} for view in drawn)


def test_inputs_start_where_asked_and_filter_by_their_own_signal():
    joined = scrub.joined_spec(head_map, [LAYER, HEAD, ROW], {"real_layer": 1, "real_head": 2, "real_source": "sat"})
    params = {p["name"]: p for view in views(joined) for p in view.get("params", [])}
    assert params["real_layer"]["bind"] == {"input": "range", "min": 0, "max": 1, "step": 1, "name": "Layer"}
    assert params["real_source"]["bind"]["input"] == "select"
    assert params["real_source"]["bind"]["options"] == ["every token", *WORDS]
    assert params["real_layer"]["value"] == [{"real_layer": 1}] and params["real_head"]["value"] == [{"real_head": 2}]
    assert params["real_source"]["value"] == [{"row": "sat"}] and params["real_source"]["select"]["fields"] == ["row"]
    drawn = [view for view in views(joined) if "mark" in view]
    name = "real_layer_real_layer + ',' + real_head_real_head"
    for view in drawn:
        picks = [t for t in view["transform"] if "calculate" in t]
        # the inputs pick each moving field's column (the value, the number written in the cell), no filter
        assert {"calculate": f'datum["value@" + {name}]', "as": "value"} in picks
        assert {"calculate": f'datum["text@" + {name}]', "as": "text"} in picks
        # and a click on a cell reads its position from the datum
        assert {"calculate": "real_layer_real_layer", "as": "real_layer"} in picks
        assert {"calculate": "real_head_real_head", "as": "real_head"} in picks
    filters = [t["filter"] for view in drawn for t in view["transform"] if "filter" in t]
    assert {"param": "real_source", "empty": False} in filters  # the outline follows the row picker
    # inputs are listed first to last (Vega lists them last-first)
    assert [p["name"] for p in drawn[0]["params"]] == ["real_source", "real_head", "real_layer"]


def test_titles_that_differ_become_a_lookup_and_a_shared_title_stays():
    joined = scrub.joined_spec(head_map, [LAYER, HEAD], {"real_layer": 0, "real_head": 0})
    titles = next(p for p in joined["params"] if p["name"] == "titles")["value"]
    assert titles == {f"{layer},{head}": f"L{layer} H{head}" for layer in (0, 1) for head in (0, 1, 2)}
    assert joined["title"]["text"] == {"expr": "titles[real_layer_real_layer + ',' + real_head_real_head]"}
    same = scrub.joined_spec(
        lambda **p: {**head_map(**p), "title": "one title"}, [LAYER, HEAD], {"real_layer": 0, "real_head": 0}
    )
    assert same["title"] == "one title" and "params" not in same


def test_concatenated_views_each_get_every_position():
    def two(**position):
        maps = [MAPS[layer, position["real_head"]] for layer in (0, 1)]
        return specs.concat([specs.heatmap(m, WORDS, WORDS, palette="viridis", width_step=20) for m in maps])

    joined = scrub.joined_spec(two, [HEAD], {"real_head": 1})
    left, right = joined["hconcat"]
    assert len(left["data"]["values"]) == len(right["data"]["values"]) == len(WORDS) ** 2
    assert {k for k in left["data"]["values"][0] if k.startswith("value@")} == {"value@0", "value@1", "value@2"}
    assert not list(validator().iter_errors(joined))


def test_records_the_same_at_every_position_go_once_and_unfiltered():
    step = scrub.Scrub("train_step", "Step", (0, 5, 10), 10)
    losses = [2.0, 1.5, 1.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38]

    def curve(**position):  # the whole curve at every step; only the "now" rule moves
        return specs.series_lines(range(11), {"loss": losses}, x="step", y="loss", marker_x=position["train_step"])

    joined = scrub.joined_spec(curve, [step], {"train_step": 10})
    line, rule = joined["layer"]
    assert joined["data"]["values"] == curve(train_step=0)["data"]["values"]  # once, without a position
    assert "transform" not in line and "params" not in line
    assert rule["data"]["values"] == [{"step@0": 0, "step@5": 5, "step@10": 10}]
    assert rule["transform"] == [
        {"calculate": 'datum["step@" + train_step_train_step]', "as": "step"},
        {"calculate": "train_step_train_step", "as": "train_step"},
    ]
    assert [p["name"] for p in rule["params"]] == ["train_step"]  # a click on the rule picks its own step
    assert not list(validator().iter_errors(joined))


def test_a_builder_whose_layout_moves_with_the_position_is_refused():
    def unstable(**position):
        return specs.heatmap(
            MAPS[0, position["real_head"]], WORDS, WORDS, palette="viridis", domain=(0, position["real_head"] + 1)
        )

    with pytest.raises(ValueError, match="same spec at every position"):
        scrub.joined_spec(unstable, [HEAD], {"real_head": 0})


def test_ranges_and_drop_downs():
    assert scrub.Scrub("k", "Step", (1, 2, 3, 4), 4).is_range
    assert not scrub.Scrub("k", "d_k", (1, 2, 4, 8), 4).is_range  # gaps: a drop-down of the values
    names = scrub.Scrub("k", "T", (0.5, 1.0, 2.0), 1.0, names=("½", "1", "2")).binding()
    assert names == {"input": "select", "options": [0.5, 1.0, 2.0], "labels": ["½", "1", "2"], "name": "T"}
    assert scrub.Scrub("k", "T", (0.1, 0.2, 0.3), 0.2).binding()["step"] == 0.1  # evenly spaced: a range
    assert scrub.Scrub("pe-position", "p", (0, 1), 0).field == "pe_position"  # a Vega identifier


def test_records_travel_as_named_arrow_datasets_that_round_trip():
    """Streamlit sends bytes as they are: the joined records become one Arrow dataset per view, named by the
    view's place, and come back as the same records. Other numbers of the same layout leave the spec as it
    was (the browser swaps the data, the inputs stay where they are); only the bytes differ."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    joined = scrub.joined_spec(head_map, [LAYER, HEAD, ROW], {"real_layer": 1, "real_head": 0, "real_source": "cat"})
    shipped = datasets.with_arrow_datasets(joined)
    (name,) = shipped["datasets"]
    assert shipped["data"] == {"name": name} and "values" not in json.dumps({**shipped, "datasets": None})
    back = convert_arrow_bytes_to_pandas_df(shipped["datasets"][name]).to_dict("records")
    assert back == joined["data"]["values"]
    start = {"real_layer": 1, "real_head": 0, "real_source": "cat"}

    def flipped(**position) -> dict:  # other numbers, the same layout
        spec = head_map(**position)
        spec["data"]["values"] = [{**r, "value": 1 - r["value"]} for r in spec["data"]["values"]]
        return spec

    other = datasets.with_arrow_datasets(scrub.joined_spec(flipped, [LAYER, HEAD, ROW], start))
    assert {k: v for k, v in other.items() if k != "datasets"} == {k: v for k, v in shipped.items() if k != "datasets"}
    assert other["datasets"][name] != shipped["datasets"][name]


def test_sessions_share_a_chart_built_once_unless_their_settings_differ():
    """A class opens the same page: the second student's session gets the first one's spec (joined once
    per server), and a student with another palette gets their own."""
    from conftest import APP
    from streamlit.testing.v1 import AppTest

    from ui.navigation import REAL_MODEL
    from ui.session import PALETTE

    def head_map_datasets(palette: str | None = None) -> tuple[str, list[str]]:
        at = AppTest.from_file(APP, default_timeout=120)
        if palette:
            at.session_state[PALETTE] = palette
        at.switch_page(REAL_MODEL.path).run()
        assert not at.exception
        (chart,) = [c for c in at.get("vega_lite_chart") if c.proto.id.endswith(f"{REAL_MODEL.id}_head_scrub")]
        assert chart.proto.datasets and not chart.proto.data.data  # the records are Arrow, not JSON in the spec
        return chart.proto.spec, [d.name for d in chart.proto.datasets]

    joined = []
    original = scrub.joined_spec
    scrub.joined_spec = lambda *a, **k: joined.append(1) or original(*a, **k)
    try:
        first = head_map_datasets()
        built = len(joined)  # 1, or 0 when an earlier test in this process built it
        assert head_map_datasets() == first and len(joined) == built
        assert head_map_datasets("magma") != first and len(joined) == built + 1
    finally:
        scrub.joined_spec = original
