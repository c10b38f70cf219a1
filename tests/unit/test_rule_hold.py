"""`hold`: a task blocked, or a decision open, longer than the score allows."""

from collections.abc import Callable

from conductor.core import EnsembleEngine, Measure, Observation
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def band(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    """Milestone m is owned by alpha-dev; blockers may last 6 hours, decisions 3 hours."""
    score = score_of(
        milestones=[{"id": "m", "title": "Ledger", "owner": "alpha-dev"}],
        tempo={"blocker_hold": "PT6H", "decision_latency": "PT3H"},
    )
    return published(score)


def blocked_task(engine: EnsembleEngine, event: MakeEvent) -> None:
    """t1 starts at 08:00 and is blocked at 09:00 by event `blk`: its hold is due at 15:00."""
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="t1", milestone="m"))
    outcome = engine.apply(
        event("task.blocked", "2026-03-02T09:00:00Z", id="blk", task="t1", reason="waiting")
    )
    assert outcome.accepted
    assert outcome.cues == []


def test_a_task_blocked_for_the_blocker_hold_cues_its_milestone_owner_at_that_instant(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = band(score_of, published)
    blocked_task(engine, event)
    assert engine.apply(tick("2026-03-02T14:59:59Z")).cues == []
    cues = engine.apply(tick("2026-03-02T15:00:00Z")).cues
    assert rows(cues) == [("hold", "role:alpha-dev", "t1", "2026-03-02T15:00:00Z", "warn", "blk")]
    assert cues[0].reason == (
        "Task 't1' on 'Ledger' has been blocked since Mon 02 Mar 09:00, "
        "longer than the 6 hours the score allows."
    )
    assert engine.apply(tick("2026-03-03T12:00:00Z")).cues == []


def test_a_task_unblocked_in_time_is_not_held(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    blocked_task(engine, event)
    assert engine.apply(event("task.unblocked", "2026-03-02T14:59:59Z", task="t1")).accepted
    assert engine.apply(tick("2026-03-02T15:00:00Z")).cues == []


def test_a_task_completed_while_blocked_is_not_held(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    blocked_task(engine, event)
    done = event("task.completed", "2026-03-02T12:00:00Z", task="t1", milestone="m")
    assert engine.apply(done).accepted
    assert engine.apply(tick("2026-03-02T15:00:00Z")).cues == []


def test_a_task_blocked_again_is_held_from_its_new_block(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = band(score_of, published)
    blocked_task(engine, event)
    engine.apply(event("task.unblocked", "2026-03-02T10:00:00Z", task="t1"))
    again = event("task.blocked", "2026-03-02T11:00:00Z", id="blk2", task="t1", reason="again")
    engine.apply(again)
    assert engine.apply(tick("2026-03-02T16:59:59Z")).cues == []
    assert rows(engine.apply(tick("2026-03-02T17:00:00Z")).cues) == [
        ("hold", "role:alpha-dev", "t1", "2026-03-02T17:00:00Z", "warn", "blk2"),
    ]


def test_a_second_block_report_while_blocked_keeps_the_first(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = band(score_of, published)
    blocked_task(engine, event)
    repeat = event("task.blocked", "2026-03-02T12:00:00Z", id="blk2", task="t1", reason="still")
    assert engine.apply(repeat).accepted
    assert rows(engine.apply(tick("2026-03-02T18:00:00Z")).cues) == [
        ("hold", "role:alpha-dev", "t1", "2026-03-02T15:00:00Z", "warn", "blk"),
    ]


def requested(engine: EnsembleEngine, event: MakeEvent) -> None:
    """Decision d1 for beta-lead is requested at 10:00 by event `req`: its hold is due 13:00."""
    outcome = engine.apply(
        event(
            "decision.requested",
            "2026-03-02T10:00:00Z",
            id="req",
            decision="d1",
            question="Which provider?",
            role="beta-lead",
        )
    )
    assert outcome.accepted
    assert outcome.cues == []


def test_a_decision_open_for_the_decision_latency_cues_its_role(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = band(score_of, published)
    requested(engine, event)
    assert engine.apply(tick("2026-03-02T12:59:59Z")).cues == []
    cues = engine.apply(tick("2026-03-02T13:00:00Z")).cues
    assert rows(cues) == [("hold", "role:beta-lead", "d1", "2026-03-02T13:00:00Z", "warn", "req")]
    assert cues[0].reason == (
        "Decision 'd1' has been waiting since Mon 02 Mar 10:00, longer than the 3 hours "
        "the score allows."
    )


def test_a_decision_made_in_time_is_not_held_and_its_latency_is_observed(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    requested(engine, event)
    made = engine.apply(event("decision.made", "2026-03-02T12:59:59Z", decision="d1"))
    assert made.cues == []
    assert made.observations == [Observation(Measure.DECISION_LATENCY, "beta", 10_799)]
    assert engine.apply(tick("2026-03-02T13:00:00Z")).cues == []


def test_a_decision_made_exactly_at_its_deadline_is_not_held(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    requested(engine, event)
    made = engine.apply(event("decision.made", "2026-03-02T13:00:00Z", decision="d1"))
    assert made.cues == []
    assert made.observations == [Observation(Measure.DECISION_LATENCY, "beta", 10_800)]
    assert engine.apply(tick("2026-03-02T13:00:00Z")).cues == []
    assert engine.state.decisions == {}
