"""A long replay says how far it has come (a log of millions of events takes minutes)."""

import io

from conductor.core import Problem
from conductor.io.eventlog import BadLine
from conductor.rehearsal.replay import Progress, Rehearsal, fold_log

LINES = 2 * Progress.LINES_BETWEEN_LOOKS + 5


def bad_lines() -> list[tuple[int, BadLine]]:
    """Lines the fold only counts: what is timed is the reading, not the core."""
    return [(n, BadLine(n, [Problem("(line)", "not JSON")])) for n in range(1, LINES + 1)]


def test_a_long_fold_reports_how_many_lines_it_has_folded() -> None:
    said = io.StringIO()
    problems = fold_log(Rehearsal(), bad_lines(), Progress(said, every=0))
    assert len(problems) == LINES
    assert said.getvalue().splitlines() == [
        "rehearse: 10,000 lines folded",
        "rehearse: 20,000 lines folded",
    ]


def test_a_fold_quicker_than_the_interval_says_nothing() -> None:
    said = io.StringIO()
    fold_log(Rehearsal(), bad_lines(), Progress(said, every=3600))
    assert said.getvalue() == ""
