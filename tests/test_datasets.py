"""ui.datasets: records sent as Arrow come back as the same records, whatever fields each record has."""

from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from ui import datasets, specs


def back(data: bytes) -> list[dict]:
    frame = convert_arrow_bytes_to_pandas_df(data)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def test_every_field_of_any_record_travels():
    records = [{"row": "the", "value": 0.25}, {"row": "cat", "value": 1, "highlighted": True}]
    assert back(datasets.arrow_bytes(records)) == [
        {"row": "the", "value": 0.25, "highlighted": None},
        {"row": "cat", "value": 1.0, "highlighted": True},
    ]


def test_a_column_of_numbers_and_text_still_travels():
    assert [r["col"] for r in back(datasets.arrow_bytes([{"col": 1}, {"col": "two"}]))] == ["1", "two"]


def test_a_layered_chart_sends_each_views_records_by_name():
    spec = specs.series_lines([0, 1, 2], {"loss": [1.0, 0.5, 0.25]}, x="step", y="loss", marker_x=1)
    given = [dict(r) for r in spec["data"]["values"]]
    sent = datasets.with_arrow_datasets(spec)
    assert sent["data"] == {"name": "view0"} and sent["layer"][1]["data"] == {"name": "view2"}
    assert back(sent["datasets"]["view0"]) == spec["data"]["values"]
    assert back(sent["datasets"]["view2"]) == [{"step": 1}]
    assert spec["data"]["values"] == given and spec["layer"][1]["data"] == {"values": [{"step": 1}]}  # left as it was
