"""`tempo`: a section goes over its WIP limit, or its last cycle fell short of the needed pace."""

from collections.abc import Callable
from datetime import datetime

from conductor.core import EnsembleEngine
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def wip_band(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    return published(score_of(milestones=[{"id": "m"}], tempo={"wip_limit": {"alpha": 2}}))


def start(engine: EnsembleEngine, event: MakeEvent, task: str, instant: str) -> list[Cue]:
    outcome = engine.apply(
        event("task.started", instant, id=f"start-{task}", task=task, milestone="m")
    )
    assert outcome.accepted
    return outcome.cues


def complete(engine: EnsembleEngine, event: MakeEvent, task: str, instant: str) -> list[Cue]:
    outcome = engine.apply(
        event("task.completed", instant, id=f"done-{task}", task=task, milestone="m")
    )
    assert outcome.accepted
    return outcome.cues


def test_the_task_that_takes_a_section_over_its_wip_limit_cues_the_section(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = wip_band(score_of, published)
    assert start(engine, event, "t1", "2026-03-02T09:00:00Z") == []
    assert start(engine, event, "t2", "2026-03-02T09:10:00Z") == []
    cues = start(engine, event, "t3", "2026-03-02T09:20:00Z")
    assert rows(cues) == [
        ("tempo", "section:alpha", "alpha", "2026-03-02T09:20:00Z", "warn", "start-t3"),
    ]
    assert cues[0].reason == (
        "Section 'alpha' now has 3 tasks in progress, over its WIP limit of 2: "
        "finish something before starting more."
    )


def test_the_wip_cue_comes_once_per_crossing(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = wip_band(score_of, published)
    start(engine, event, "t1", "2026-03-02T09:00:00Z")
    start(engine, event, "t2", "2026-03-02T09:10:00Z")
    first = start(engine, event, "t3", "2026-03-02T09:20:00Z")
    assert len(first) == 1
    assert start(engine, event, "t4", "2026-03-02T09:30:00Z") == []
    assert complete(engine, event, "t1", "2026-03-02T10:00:00Z") == []
    assert start(engine, event, "t5", "2026-03-02T10:10:00Z") == [], "still over: 4 > 2"
    assert complete(engine, event, "t2", "2026-03-02T11:00:00Z") == []
    over = engine.state.latched["tempo"]
    assert over == {"alpha"}, "t3, t4, t5 in progress: still over the limit"
    assert complete(engine, event, "t3", "2026-03-02T11:10:00Z") == []
    assert over == set(), "t4, t5 in progress: back at the limit"
    again = start(engine, event, "t6", "2026-03-02T12:10:00Z")
    assert rows(again) == [
        ("tempo", "section:alpha", "alpha", "2026-03-02T12:10:00Z", "warn", "start-t6"),
    ]
    assert again[0].id != first[0].id


def test_a_section_without_a_wip_limit_is_never_over_it(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = published(score_of(milestones=[{"id": "m"}]))
    for number in range(1, 30):
        assert start(engine, event, f"t{number}", "2026-03-02T09:00:00Z") == []


def pace_band(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    """m: 10 items due Friday 2026-03-20, i.e. 12/7 cycles after the first boundary (03-09)."""
    return published(score_of(milestones=[{"id": "m", "due": "2026-03-20"}]))


def test_a_cycle_short_of_the_needed_pace_cues_the_section_at_the_boundary(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = pace_band(score_of, published)
    for task, day in [("t1", "03"), ("t2", "04"), ("t3", "05")]:
        complete(engine, event, task, f"2026-03-{day}T12:00:00Z")
    assert engine.apply(tick("2026-03-08T23:59:59Z")).cues == []
    cues = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert rows(cues) == [
        ("tempo", "section:alpha", "alpha", "2026-03-09T00:00:00Z", "info", "pub", "done-t3"),
    ]
    assert cues[0].reason == (
        "Section 'alpha' finished 3 work items in the last cycle; the plan needs about 4.1 per "
        "cycle to finish the remaining 7 by their due dates."
    )


def test_a_cycle_at_the_needed_pace_gives_no_tempo_cue(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = pace_band(score_of, published)
    for task, day in [("t1", "03"), ("t2", "04"), ("t3", "05"), ("t4", "06")]:
        complete(engine, event, task, f"2026-03-{day}T12:00:00Z")
    assert engine.apply(tick("2026-03-09T00:00:00Z")).cues == []
    assert engine.next_deadline() == datetime.fromisoformat("2026-03-16T00:00:00Z")


def test_work_finished_at_the_boundary_instant_counts_for_the_next_cycle(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = pace_band(score_of, published)
    for task, day in [("t1", "03"), ("t2", "04"), ("t3", "05")]:
        complete(engine, event, task, f"2026-03-{day}T12:00:00Z")
    assert complete(engine, event, "t4", "2026-03-09T00:00:00Z") == []
    assert rows(engine.apply(tick("2026-03-09T00:00:00Z")).cues) == [
        ("tempo", "section:alpha", "alpha", "2026-03-09T00:00:00Z", "info", "pub", "done-t4"),
    ]
