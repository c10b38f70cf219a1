"""A score runs until its horizon: no deadline after it, later events refused, a revision
extends it. One event far in the future cannot make the engine work through years."""

from collections.abc import Callable
from datetime import datetime

from conductor.core import EnsembleEngine, Problem
from conductor.core.timeutil import to_epoch
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]

DAILY = {"id": "standup", "rrule": "FREQ=DAILY;BYHOUR=9", "grace": "PT30M"}
"""A stand-up every day at 09:00 (UTC), missed-checked at 09:30."""


def band(score_of: ScoreOf, published: Published, due: str = "2026-06-30") -> EnsembleEngine:
    """Milestone m due `due`: the horizon is 365 days later (2027-06-30 for the default)."""
    return published(score_of(milestones=[{"id": "m", "due": due}], cadences=[DAILY]))


def test_an_event_after_the_horizon_is_refused_at_once_naming_occurred_at(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = band(score_of, published)
    late = event("task.started", "9999-12-31T23:59:59-01:00", task="t", milestone="m")
    before = engine.state.to_dict()
    outcome = engine.apply(late)
    assert outcome.rejection == Problem(
        "occurred_at",
        "9999-12-31T23:59:59-01:00 is after the score's horizon (2027-06-30, 365 days after "
        "its last due or commitment date): revise the score to extend it",
    )
    assert outcome.cues == []
    assert engine.state.to_dict() == before, "a refused event changes nothing"


def test_no_deadline_is_set_after_the_horizon(
    score_of: ScoreOf, published: Published, tick: Tick
) -> None:
    engine = band(score_of, published)
    last = engine.apply(tick("2027-06-30T23:59:59Z"))
    assert last.accepted
    assert engine.next_deadline() is None, "the stand-ups and cycle boundaries stop there"
    assert engine.apply(tick("2027-07-01T00:00:01Z")).rejection is not None


def test_the_last_day_before_the_horizon_still_holds_its_occurrence(
    score_of: ScoreOf,
    published: Published,
    tick: Tick,
    rows: Callable[[list[Cue]], list[tuple[str, ...]]],
) -> None:
    engine = band(score_of, published)
    engine.apply(tick("2027-06-30T09:00:00Z"))
    missed = engine.apply(tick("2027-06-30T09:30:00Z")).cues
    assert [row[:4] for row in rows(missed)] == [
        ("cadence-missed", "ensemble:band", "standup", "2027-06-30T09:30:00Z")
    ]


def test_a_revision_with_a_later_date_extends_the_horizon(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = band(score_of, published)
    later = score_of(milestones=[{"id": "m", "due": "2027-12-31"}], cadences=[DAILY])
    revision = event("score.revised", "2027-01-10T00:00:00Z", score=later.model_dump(mode="json"))
    assert engine.apply(revision).accepted
    start = event("task.started", "2028-06-01T10:00:00Z", task="t", milestone="m")
    assert engine.apply(start).accepted, "inside the new horizon, 2028-12-30"


def test_a_score_published_after_its_own_horizon_is_refused(
    score_of: ScoreOf, event: MakeEvent
) -> None:
    score = score_of(milestones=[{"id": "m", "due": "2026-06-30"}])
    engine = EnsembleEngine.new("band")
    publication = event(
        "score.published", "2027-07-01T00:00:00Z", score=score.model_dump(mode="json")
    )
    outcome = engine.apply(publication)
    assert outcome.rejection == Problem(
        "occurred_at",
        "2027-07-01T00:00:00+00:00 is after the horizon of the score it publishes (2027-06-30)",
    )
    assert not engine.has_score


def test_the_plan_knows_its_horizon_as_an_instant(score_of: ScoreOf, published: Published) -> None:
    engine = band(score_of, published)
    assert engine.plan.horizon == to_epoch(datetime.fromisoformat("2027-07-01T00:00:00+00:00"))
