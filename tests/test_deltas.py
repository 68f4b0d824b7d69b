"""A metric's delta is coloured by whether it is the result the section is after, not by its sign."""

from conftest import app_test
from streamlit.proto.Metric_pb2 import Metric


def test_the_banks_moving_apart_is_green_not_red():
    at = app_test("lessons/first_principles.py")
    banks = next(m for m in at.metric if m.label.startswith("cosine(y_bank money"))
    assert banks.delta.startswith("-") and banks.proto.color == Metric.MetricColor.GREEN
