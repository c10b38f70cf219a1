"""`task.dropped`: a task given up without completion leaves the work in progress."""

from collections.abc import Callable

from conductor.core import EnsembleEngine
from conductor.core.figures import figures
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]

TASK = "octo-org/octo-repo#1347"
"""A GitHub work item's task id (`owner/name#number`)."""


def band(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    return published(
        score_of(milestones=[{"id": "m"}], tempo={"wip_limit": {"alpha": 2}, "cycle": "P1W"})
    )


def apply(engine: EnsembleEngine, event: Event) -> list[Cue]:
    outcome = engine.apply(event)
    assert outcome.accepted, outcome.rejection
    return outcome.cues


def test_a_dropped_task_leaves_the_work_in_progress_with_no_work_done(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = band(score_of, published)
    apply(engine, event("task.started", "2026-03-02T09:00:00Z", task=TASK, milestone="m"))
    apply(engine, event("task.started", "2026-03-02T09:05:00Z", task="t2", milestone="m"))
    assert engine.state.wip == {"alpha": 2}
    outcome = engine.apply(event("task.dropped", "2026-03-03T09:00:00Z", task=TASK))
    assert outcome.accepted
    assert outcome.observations == [], "no cycle time: nothing was finished"
    assert engine.state.wip == {"alpha": 1}
    assert TASK not in engine.state.tasks
    assert TASK not in engine.state.completed_tasks
    assert engine.state.done == {}
    wip = figures(engine)["wip"]
    assert wip["alpha"] == {"wip": 1, "limit": 2}


def test_dropping_back_within_the_wip_limit_re_arms_the_tempo_cue(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = band(score_of, published)
    for number, minute in ((1, "00"), (2, "10")):
        apply(
            engine,
            event("task.started", f"2026-03-02T09:{minute}:00Z", task=f"t{number}", milestone="m"),
        )
    first = apply(
        engine, event("task.started", "2026-03-02T09:20:00Z", id="s3", task="t3", milestone="m")
    )
    assert [row[0] for row in rows(first)] == ["tempo"]
    assert engine.state.latched["tempo"] == {"alpha"}
    assert apply(engine, event("task.dropped", "2026-03-02T10:00:00Z", task="t1")) == []
    assert engine.state.latched["tempo"] == set(), "back at the limit: the latch is released"
    again = apply(
        engine, event("task.started", "2026-03-02T11:00:00Z", id="s4", task="t4", milestone="m")
    )
    assert rows(again) == [
        ("tempo", "section:alpha", "alpha", "2026-03-02T11:00:00Z", "warn", "s4"),
    ]


def test_a_drop_that_leaves_the_section_over_its_limit_keeps_the_latch(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = band(score_of, published)
    for number in range(1, 5):
        apply(
            engine,
            event("task.started", f"2026-03-02T09:0{number}:00Z", task=f"t{number}", milestone="m"),
        )
    apply(engine, event("task.dropped", "2026-03-02T10:00:00Z", task="t1"))
    assert engine.state.latched["tempo"] == {"alpha"}, "3 in progress, still over 2"
    assert (
        apply(engine, event("task.started", "2026-03-02T10:30:00Z", task="t5", milestone="m")) == []
    )


def test_dropping_what_is_not_in_progress_is_refused_naming_the_task(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = band(score_of, published)
    unknown = engine.apply(event("task.dropped", "2026-03-02T09:00:00Z", task=TASK))
    assert unknown.rejection is not None
    assert str(unknown.rejection) == (f"data.task: unknown task '{TASK}' (no task.started for it)")
    apply(engine, event("task.completed", "2026-03-02T10:00:00Z", task="t1", milestone="m"))
    completed = engine.apply(event("task.dropped", "2026-03-02T11:00:00Z", task="t1"))
    assert completed.rejection is not None
    assert str(completed.rejection) == "data.task: task 't1' is already completed"
    assert engine.state.wip.get("alpha", 0) == 0


def test_a_dropped_task_started_again_is_in_progress_again(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = band(score_of, published)
    apply(engine, event("task.started", "2026-03-02T09:00:00Z", task=TASK, milestone="m"))
    apply(engine, event("task.dropped", "2026-03-03T09:00:00Z", task=TASK))
    apply(engine, event("task.started", "2026-03-04T09:00:00Z", task=TASK, milestone="m"))
    assert engine.state.wip == {"alpha": 1}
    completed = engine.apply(
        event("task.completed", "2026-03-04T13:00:00Z", task=TASK, milestone="m")
    )
    (observation,) = completed.observations
    assert observation.seconds == 4 * 3600, "the cycle time runs from the second start"


def test_a_blocked_task_dropped_is_never_held(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    apply(engine, event("task.started", "2026-03-02T09:00:00Z", task=TASK, milestone="m"))
    apply(engine, event("task.blocked", "2026-03-02T10:00:00Z", task=TASK, reason="waiting"))
    apply(engine, event("task.dropped", "2026-03-02T11:00:00Z", task=TASK))
    later = apply(engine, tick("2026-03-06T00:00:00Z"))
    assert [cue for cue in later if cue.kind == "hold"] == []


def test_a_held_github_task_is_the_cue_s_subject(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    apply(engine, event("task.started", "2026-03-02T09:00:00Z", task=TASK, milestone="m"))
    apply(engine, event("task.blocked", "2026-03-02T10:00:00Z", id="b", task=TASK, reason="label"))
    held = [cue for cue in apply(engine, tick("2026-03-06T00:00:00Z")) if cue.kind == "hold"]
    assert [cue.subject for cue in held] == [TASK]
