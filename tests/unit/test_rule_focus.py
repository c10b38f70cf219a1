"""`focus-shift`: a milestone falls more than 25 points behind plan, or the critical path moves."""

from collections.abc import Callable

from conductor.core import EnsembleEngine
from conductor.core.rules.focus_shift import behind
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]

BEHIND = [
    {"id": "m", "estimate": 20, "due": "2026-03-15"},
    {"id": "n", "estimate": 10, "due": "2026-12-31"},
]
"""At the first boundary (03-09) the plan expects m half done: 7 of its 14 days are gone."""


def finish(engine: EnsembleEngine, event: MakeEvent, count: int) -> None:
    for number in range(1, count + 1):
        done = event(
            "task.completed",
            "2026-03-03T12:00:00Z",
            id=f"done-{number}",
            task=f"t{number}",
            milestone="m",
        )
        assert engine.apply(done).accepted


def test_exactly_25_points_behind_is_not_yet_behind(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = published(score_of(milestones=BEHIND))
    finish(engine, event, 5)
    cues = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert [row[:3] for row in rows(cues)] == [("tempo", "section:alpha", "alpha")]
    assert behind(engine.state) == set()


def test_more_than_25_points_behind_cues_the_section_to_shift_from_its_busiest_other_work(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = published(score_of(milestones=BEHIND))
    for task in ["n1", "n2"]:
        engine.apply(event("task.started", "2026-03-02T10:00:00Z", task=task, milestone="n"))
    finish(engine, event, 4)
    cues = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert rows(cues) == [
        ("tempo", "section:alpha", "alpha", "2026-03-09T00:00:00Z", "info", "pub", "done-4"),
        ("focus-shift", "section:alpha", "m", "2026-03-09T00:00:00Z", "warn", "pub", "done-4"),
    ]
    assert cues[1].reason == (
        "'m' is behind plan: 20% done where the plan expects 50% by now. "
        "Shift focus from 'n' to 'm'."
    )
    assert behind(engine.state) == {"m"}


def test_a_milestone_behind_with_nothing_else_open_shifts_focus_from_new_work(
    score_of: ScoreOf, published: Published, tick: Tick
) -> None:
    engine = published(score_of(milestones=BEHIND))
    cues = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert [cue.kind.value for cue in cues] == ["tempo", "focus-shift"]
    assert cues[1].reason == (
        "'m' is behind plan: 0% done where the plan expects 50% by now. "
        "Shift focus from new work to 'm'."
    )


def test_a_milestone_that_stays_behind_is_cued_once(
    score_of: ScoreOf, published: Published, tick: Tick
) -> None:
    engine = published(score_of(milestones=BEHIND))
    cues = engine.apply(tick("2026-03-30T00:00:00Z")).cues
    assert [(cue.kind.value, cue.subject) for cue in cues if cue.kind.value == "focus-shift"] == [
        ("focus-shift", "m"),
    ]
    assert [cue.at.isoformat() for cue in cues if cue.kind.value == "focus-shift"] == [
        "2026-03-09T00:00:00+00:00",
    ]


PATH = [
    {"id": "a", "estimate": 10},
    {"id": "b", "estimate": 1, "depends_on": ["a"]},
    {"id": "c", "estimate": 8, "section": "beta", "owner": "beta-lead"},
]
"""The critical path starts as a -> b (11 items); once a is reached, c (8) outweighs b (1)."""


def test_a_moved_critical_path_cues_the_section_of_the_milestone_that_joined_it(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = published(score_of(milestones=PATH))
    assert engine.state.critical_path == ["a", "b"]
    cues = engine.apply(
        event("milestone.reached", "2026-03-03T10:00:00Z", id="got-a", milestone="a")
    ).cues
    assert rows(cues) == [
        ("entry", "role:alpha-lead", "b", "2026-03-03T10:00:00Z", "info", "got-a"),
        ("focus-shift", "section:beta", "c", "2026-03-03T10:00:00Z", "info", "pub", "got-a"),
    ]
    assert cues[1].reason == (
        "The critical path now runs through 'c' instead of 'b': shift focus from 'b' to 'c'."
    )
    assert engine.state.critical_path == ["c"]


def test_a_path_that_only_shortens_gives_no_focus_shift(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    lighter = [PATH[0], {**PATH[1], "estimate": 2}, {**PATH[2], "estimate": 1}]
    engine = published(score_of(milestones=lighter))
    cues = engine.apply(
        event("milestone.reached", "2026-03-03T10:00:00Z", id="got-a", milestone="a")
    ).cues
    assert rows(cues) == [
        ("entry", "role:alpha-lead", "b", "2026-03-03T10:00:00Z", "info", "got-a"),
    ]
    assert engine.state.critical_path == ["b"]
