"""A metric's delta is coloured by whether it is the result the section is after, not by its sign."""

from conftest import app_test
from streamlit.proto.Metric_pb2 import Metric


def test_the_banks_moving_apart_is_green_not_red():
    at = app_test("lessons/first_principles.py")
    banks = next(m for m in at.metric if m.label.startswith("cosine(y_bank money"))
    assert banks.delta.startswith("-") and banks.proto.color == Metric.MetricColor.GREEN


def test_the_real_model_colours_its_deltas_by_intent():
    at = app_test("lessons/real_model.py", timeout=120)
    drift = next(m for m in at.metric if m.label.startswith("“bank” vector, last layer"))
    assert drift.delta.startswith("-") and drift.proto.color == Metric.MetricColor.GREEN  # the meanings drift apart
    ablated = next(m for m in at.metric if m.label.startswith("“bank” sentences' embeddings"))
    assert ablated.proto.color == Metric.MetricColor.GRAY  # a change to measure, not a verdict
