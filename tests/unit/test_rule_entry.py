"""`entry`: a milestone's owner is cued when its last dependency is reached or the score begins."""

from collections.abc import Callable
from datetime import datetime

from conductor.core import EnsembleEngine
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]

TRIO = [
    {"id": "a"},
    {"id": "b", "section": "beta", "owner": "beta-lead"},
    {"id": "c", "section": "beta", "owner": "beta-dev", "depends_on": ["a", "b"]},
]


def test_milestones_without_dependencies_enter_when_the_score_is_published_on_its_start(
    score_of: ScoreOf, published: Published, rows: Rows
) -> None:
    engine = published(score_of(milestones=TRIO))
    assert rows(engine.cues) == [
        ("entry", "role:alpha-lead", "a", "2026-03-02T00:00:00Z", "info", "pub"),
        ("entry", "role:beta-lead", "b", "2026-03-02T00:00:00Z", "info", "pub"),
    ]
    assert engine.cues[0].reason == "'a' can start: it depends on nothing and the score has begun."


def test_a_milestone_enters_when_its_last_dependency_is_reached(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = published(score_of(milestones=TRIO))
    first = engine.apply(event("milestone.reached", "2026-03-03T10:00:00Z", milestone="a"))
    assert first.accepted
    assert first.cues == []
    last = engine.apply(event("milestone.reached", "2026-03-04T11:00:00Z", milestone="b"))
    assert rows(last.cues) == [
        ("entry", "role:beta-dev", "c", "2026-03-04T11:00:00Z", "info", "e2"),
    ]
    assert last.cues[0].reason == "'c' can start: its dependencies (a, b) are reached."


def test_a_milestone_enters_once_even_when_its_dependency_is_reported_again(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = published(score_of(milestones=[{"id": "a"}, {"id": "b", "depends_on": ["a"]}]))
    assert (
        len(engine.apply(event("milestone.reached", "2026-03-03T10:00:00Z", milestone="a")).cues)
        == 1
    )
    again = engine.apply(event("milestone.reached", "2026-03-03T12:00:00Z", milestone="a"))
    assert again.accepted
    assert again.cues == []
    assert engine.state.reached == {
        "a": int(datetime.fromisoformat("2026-03-03T10:00:00Z").timestamp())
    }


def test_a_score_published_after_it_starts_cues_entry_at_publication(
    score_of: ScoreOf, published: Published, rows: Rows
) -> None:
    engine = published(score_of(milestones=TRIO), "2026-03-05T15:30:00Z")
    assert rows(engine.cues) == [
        ("entry", "role:alpha-lead", "a", "2026-03-05T15:30:00Z", "info", "pub"),
        ("entry", "role:beta-lead", "b", "2026-03-05T15:30:00Z", "info", "pub"),
    ]


def test_a_score_published_before_it_starts_cues_entry_at_its_start(
    score_of: ScoreOf, published: Published, tick: Tick, rows: Rows
) -> None:
    engine = published(score_of(milestones=TRIO), "2026-02-20T12:00:00Z")
    assert engine.cues == []
    assert engine.next_deadline() == datetime.fromisoformat("2026-03-02T00:00:00Z")
    assert engine.apply(tick("2026-03-01T23:59:59Z")).cues == []
    assert rows(engine.apply(tick("2026-03-02T00:00:00Z")).cues) == [
        ("entry", "role:alpha-lead", "a", "2026-03-02T00:00:00Z", "info", "pub"),
        ("entry", "role:beta-lead", "b", "2026-03-02T00:00:00Z", "info", "pub"),
    ]


def test_the_score_begins_at_local_midnight_of_its_start_day(
    score_of: ScoreOf, published: Published, tick: Tick, rows: Rows
) -> None:
    engine = published(
        score_of(milestones=[{"id": "a"}], timezone="Asia/Tokyo"), "2026-02-20T00:00:00Z"
    )
    assert engine.next_deadline() == datetime.fromisoformat("2026-03-01T15:00:00Z")
    assert rows(engine.apply(tick("2026-03-01T15:00:00Z")).cues) == [
        ("entry", "role:alpha-lead", "a", "2026-03-01T15:00:00Z", "info", "pub"),
    ]


def test_progress_before_the_start_is_cited_and_reached_milestones_do_not_enter(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = published(score_of(milestones=TRIO), "2026-02-20T12:00:00Z")
    early = engine.apply(event("milestone.reached", "2026-02-25T09:00:00Z", milestone="a"))
    assert early.accepted
    assert early.cues == []
    assert rows(engine.apply(tick("2026-03-02T00:00:00Z")).cues) == [
        ("entry", "role:beta-lead", "b", "2026-03-02T00:00:00Z", "info", "pub", "e1"),
    ]


def test_a_revision_that_adds_a_milestone_without_dependencies_enters_it_at_revision_time(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = published(score_of(milestones=TRIO))
    before = engine.apply(event("task.started", "2026-03-03T09:00:00Z", task="t1", milestone="d"))
    assert str(before.rejection) == "data.milestone: unknown milestone 'd'"

    revised = score_of(milestones=[*TRIO, {"id": "d", "section": "beta", "owner": "beta-lead"}])
    revision = engine.apply(
        event(
            "score.revised", "2026-03-04T08:00:00Z", id="rev", score=revised.model_dump(mode="json")
        )
    )
    assert rows(revision.cues) == [
        ("entry", "role:beta-lead", "d", "2026-03-04T08:00:00Z", "info", "rev"),
    ]
    assert engine.state.score_event == "rev"
    after = engine.apply(event("task.started", "2026-03-04T09:00:00Z", task="t1", milestone="d"))
    assert after.accepted
