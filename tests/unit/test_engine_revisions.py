"""`score.revised` replaces the plan; state left over from the old plan never crashes the fold."""

from collections.abc import Callable
from typing import Any

from conductor.core import EnsembleEngine, Measure, Observation
from conductor.core.figures import figures
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def revise(engine: EnsembleEngine, event: MakeEvent, score: Score, instant: str) -> list[Cue]:
    outcome = engine.apply(
        event("score.revised", instant, id="rev", score=score.model_dump(mode="json"))
    )
    assert outcome.accepted, outcome.rejection
    return outcome.cues


def test_a_revised_wip_limit_applies_to_the_next_task(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = published(score_of(milestones=[{"id": "m"}], tempo={"wip_limit": {"alpha": 3}}))
    for task in ["t1", "t2"]:
        assert (
            engine.apply(
                event("task.started", "2026-03-02T09:00:00Z", task=task, milestone="m")
            ).cues
            == []
        )
    tighter = score_of(milestones=[{"id": "m"}], tempo={"wip_limit": {"alpha": 1}})
    assert revise(engine, event, tighter, "2026-03-02T10:00:00Z") == []
    cues = engine.apply(
        event("task.started", "2026-03-02T11:00:00Z", id="s3", task="t3", milestone="m")
    ).cues
    assert rows(cues) == [("tempo", "section:alpha", "alpha", "2026-03-02T11:00:00Z", "warn", "s3")]


def test_a_blocked_task_whose_milestone_was_dropped_passes_its_hold_quietly(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    tempo: dict[str, Any] = {"blocker_hold": "PT6H"}
    engine = published(score_of(milestones=[{"id": "m"}, {"id": "k"}], tempo=tempo))
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="t1", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-02T09:00:00Z", task="t1", reason="api"))
    revise(engine, event, score_of(milestones=[{"id": "k"}], tempo=tempo), "2026-03-02T10:00:00Z")
    outcome = engine.apply(tick("2026-03-02T15:00:00Z"))
    assert outcome.accepted
    assert outcome.cues == []


def test_a_decision_whose_role_was_dropped_can_still_be_made(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = published(score_of())
    ask = event(
        "decision.requested", "2026-03-02T09:00:00Z", decision="d", question="?", role="beta-dev"
    )
    engine.apply(ask)
    fewer_roles = score_of(
        sections=[
            {"id": "alpha", "roles": ["alpha-lead", "alpha-dev"]},
            {"id": "beta", "roles": ["beta-lead"]},
        ]
    )
    revise(engine, event, fewer_roles, "2026-03-02T10:00:00Z")
    made = engine.apply(event("decision.made", "2026-03-02T11:00:00Z", decision="d"))
    assert made.accepted
    assert made.observations == [Observation(Measure.DECISION_LATENCY, None, 7200)]


def test_figures_skip_blocked_tasks_of_a_dropped_section(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    beta = {"id": "k", "section": "beta", "owner": "beta-lead"}
    engine = published(score_of(milestones=[{"id": "m"}, beta]))
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="t1", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-02T09:00:00Z", task="t1", reason="api"))
    beta_only = score_of(sections=[{"id": "beta", "roles": ["beta-lead"]}], milestones=[beta])
    revise(engine, event, beta_only, "2026-03-02T10:00:00Z")
    assert figures(engine)["blockers"] == {"beta": {"open": 0, "oldest_hours": None}}


def test_cycles_keep_checking_the_new_plan_after_a_reached_milestone_is_dropped(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    late = {"id": "k", "estimate": 5, "due": "2026-03-06"}
    engine = published(score_of(milestones=[{"id": "m"}, late]))
    engine.apply(event("milestone.reached", "2026-03-03T00:00:00Z", id="got-m", milestone="m"))
    revise(engine, event, score_of(milestones=[late]), "2026-03-03T01:00:00Z")
    assert rows(engine.apply(tick("2026-03-09T00:00:00Z")).cues) == [
        ("tempo", "section:alpha", "alpha", "2026-03-09T00:00:00Z", "info", "rev", "got-m"),
        ("focus-shift", "section:alpha", "k", "2026-03-09T00:00:00Z", "warn", "rev", "got-m"),
    ]
