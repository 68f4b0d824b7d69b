"""A short classroom load run (the full one is `python -m bench.load`): no errors, every session served."""

from bench.load import MOVES, run_load


def test_short_classroom_load_has_no_errors():
    figures = run_load(students=len(MOVES), seconds=4, think=0.5)
    assert figures["errors"] == 0, figures["first_errors"]
    assert figures["sessions_completed"] == len(MOVES)
    assert figures["reruns"] >= len(MOVES)  # every student's slider move was answered
    assert set(figures["p50_p95_ms_by_page"]) == {page for page, _, _ in MOVES}  # each page's own tail
    assert 1 <= figures["in_flight_mean"] <= len(MOVES)  # each move counts itself, and no more than the class
