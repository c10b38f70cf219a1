"""When a tick is due (one policy for every runtime): a second before the ensemble's time,
once its next deadline is before it; never past the score's horizon."""

from collections.abc import Callable
from datetime import datetime

from conductor.core import EnsembleEngine
from conductor.session.ticks import due_tick
from schemas import Event, Score

ScoreOf = Callable[..., Score]
Published = Callable[..., EnsembleEngine]

DAILY = {"id": "standup", "rrule": "FREQ=DAILY;BYHOUR=9", "grace": "PT30M"}


def band(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    """A stand-up at 09:00 UTC, checked at 09:30; horizon 2027-06-30 (due 2026-06-30)."""
    return published(score_of(milestones=[{"id": "m", "due": "2026-06-30"}], cadences=[DAILY]))


def test_a_tick_is_due_a_second_before_now_once_the_deadline_is_before_it(
    score_of: ScoreOf, published: Published
) -> None:
    engine = band(score_of, published)
    assert engine.next_deadline() == datetime.fromisoformat("2026-03-02T09:30:00Z")
    assert due_tick(engine, datetime.fromisoformat("2026-03-02T09:30:00Z")) is None
    assert due_tick(engine, datetime.fromisoformat("2026-03-02T09:30:00.900Z")) is None
    tick = due_tick(engine, datetime.fromisoformat("2026-03-02T09:30:01.5Z"))
    assert tick is not None
    assert tick.occurred_at == datetime.fromisoformat("2026-03-02T09:30:00Z")
    assert tick.id == "tick:band:1772443800"


def test_a_tick_never_goes_past_the_horizon(score_of: ScoreOf, published: Published) -> None:
    """A clock far ahead (a runtime restarted years later) ticks up to the horizon, where the
    last deadlines are, and the tick is accepted."""
    engine = band(score_of, published)
    tick = due_tick(engine, datetime.fromisoformat("9999-01-01T00:00:00Z"))
    assert tick is not None
    assert tick.occurred_at == datetime.fromisoformat("2027-07-01T00:00:00Z")
    assert engine.apply(tick).accepted
    assert engine.next_deadline() is None


def test_a_taken_tick_id_moves_a_second_on(
    score_of: ScoreOf, published: Published, tick: Callable[[str], Event]
) -> None:
    engine = band(score_of, published)
    engine.state.seen.add("tick:band:1772443800")  # as if a tick at that instant was folded
    found = due_tick(engine, datetime.fromisoformat("2026-03-02T09:30:01Z"))
    assert found is not None and found.id == "tick:band:1772443801"
