"""Bad events are rejected with a reason naming the field, and change nothing."""

from collections.abc import Callable
from typing import Any

import pytest

from conductor.core import EnsembleEngine, Problem
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]

LATER = "2026-03-05T12:00:00Z"
"""After the hold deadline (03-04 09:00) and a cadence occurrence: a rejection fires neither."""


@pytest.fixture
def engine(score_of: ScoreOf, published: Published, event: MakeEvent) -> EnsembleEngine:
    score = score_of(
        milestones=[{"id": "m"}],
        cadences=[{"id": "standup", "rrule": "FREQ=DAILY;BYHOUR=9"}],
        experiments=[{"id": "pairing", "theme": "Pairs"}],
    )
    engine = published(score)
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="open", milestone="m"))
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="done", milestone="m"))
    engine.apply(event("task.completed", "2026-03-02T08:30:00Z", task="done", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-02T09:00:00Z", task="open", reason="api"))
    return engine


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("task.started", {"task": "t9", "milestone": "x"}, "data.milestone: unknown milestone 'x'"),
    ("task.completed", {"task": "t9", "milestone": "x"}, "data.milestone: unknown milestone 'x'"),
    ("milestone.reached", {"milestone": "x"}, "data.milestone: unknown milestone 'x'"),
    (
        "task.blocked",
        {"task": "ghost", "reason": "?"},
        "data.task: unknown task 'ghost' (no task.started for it)",
    ),
    (
        "task.unblocked",
        {"task": "ghost"},
        "data.task: unknown task 'ghost' (no task.started for it)",
    ),
    (
        "task.blocked",
        {"task": "done", "reason": "?"},
        "data.task: task 'done' is already completed",
    ),
    (
        "task.dropped",
        {"task": "ghost"},
        "data.task: unknown task 'ghost' (no task.started for it)",
    ),
    ("task.dropped", {"task": "done"}, "data.task: task 'done' is already completed"),
    ("ceremony.held", {"cadence": "x"}, "data.cadence: unknown cadence 'x'"),
    (
        "decision.requested",
        {"decision": "d", "question": "?", "role": "x"},
        "data.role: unknown role 'x'",
    ),
    ("decision.made", {"decision": "x"}, "data.decision: no open decision 'x'"),
    ("experiment.started", {"experiment": "x"}, "data.experiment: unknown experiment 'x'"),
    (
        "experiment.assessed",
        {"experiment": "x", "life": 1, "momentum": 1},
        "data.experiment: unknown experiment 'x'",
    ),
    ("experiment.stopped", {"experiment": "x"}, "data.experiment: unknown experiment 'x'"),
]


@pytest.mark.parametrize(("kind", "data", "reason"), CASES)
def test_an_event_naming_something_unknown_is_rejected_and_changes_nothing(
    engine: EnsembleEngine, event: MakeEvent, kind: str, data: dict[str, Any], reason: str
) -> None:
    before = engine.state.to_dict()
    outcome = engine.apply(event(kind, LATER, id="bad", **data))
    assert str(outcome.rejection) == reason
    assert not outcome.accepted
    assert not outcome.duplicate
    assert outcome.cues == []
    assert engine.state.to_dict() == before


def test_deadlines_passed_by_a_rejected_event_fire_with_the_next_accepted_one(
    engine: EnsembleEngine, event: MakeEvent, tick: Tick
) -> None:
    bad = engine.apply(event("milestone.reached", LATER, milestone="x"))
    assert bad.rejection == Problem("data.milestone", "unknown milestone 'x'")
    kinds = [cue.kind.value for cue in engine.apply(tick(LATER)).cues]
    assert kinds == ["cadence-missed", "cadence-missed", "hold", "cadence-missed", "cadence-missed"]


def test_an_event_for_another_ensemble_is_rejected(
    engine: EnsembleEngine, event: MakeEvent
) -> None:
    before = engine.state.to_dict()
    outcome = engine.apply(event("clock.tick", LATER, ensemble="other"))
    assert outcome.rejection == Problem("ensemble", "event is for 'other', not 'band'")
    assert engine.state.to_dict() == before


def test_events_before_the_score_is_published_are_rejected(event: MakeEvent) -> None:
    engine = EnsembleEngine.new("band")
    before = engine.state.to_dict()
    started = engine.apply(event("task.started", LATER, task="t1", milestone="m"))
    assert started.rejection == Problem("ensemble", "no score has been published for 'band' yet")
    revised = engine.apply(event("score.revised", LATER, score=_score_document("band")))
    assert revised.rejection == Problem("ensemble", "no score has been published for 'band' yet")
    assert engine.state.to_dict() == before


def test_a_score_for_another_ensemble_is_rejected(engine: EnsembleEngine, event: MakeEvent) -> None:
    before = engine.state.to_dict()
    outcome = engine.apply(event("score.revised", LATER, score=_score_document("other")))
    assert outcome.rejection == Problem(
        "data.score.ensemble", "the score is for 'other', the event for 'band'"
    )
    assert engine.state.to_dict() == before


def test_a_rejected_event_id_is_not_spent(engine: EnsembleEngine, event: MakeEvent) -> None:
    assert engine.apply(event("milestone.reached", LATER, id="r", milestone="x")).rejection
    fixed = engine.apply(event("milestone.reached", LATER, id="r", milestone="m"))
    assert fixed.accepted
    assert engine.state.reached == {"m": 1772712000}


def _score_document(ensemble: str) -> dict[str, Any]:
    return {
        "score": "s2",
        "title": "Other",
        "ensemble": ensemble,
        "timezone": "UTC",
        "starts": "2026-03-02",
        "sections": [{"id": "alpha", "roles": ["alpha-lead"]}],
    }
