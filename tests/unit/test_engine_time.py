"""Time as input: deadlines fire before later events, ticks fire them at their instant, and a
live log with ticks gives exactly the cues a rehearsal of the same log gives."""

from collections.abc import Callable
from datetime import datetime

from conductor.core import EnsembleEngine, tick_for
from conductor.core.cues import cue_id
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def at(instant: str) -> datetime:
    return datetime.fromisoformat(instant)


def blocked(score_of: ScoreOf, published: Published, event: MakeEvent) -> EnsembleEngine:
    """t1 on m is blocked at 09:00 by event `blk`; the 6-hour hold is due at 15:00."""
    engine = published(score_of(milestones=[{"id": "m"}], tempo={"blocker_hold": "PT6H"}))
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="t1", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-02T09:00:00Z", id="blk", task="t1", reason="x"))
    return engine


def test_an_event_at_a_deadline_is_applied_before_that_deadline_fires(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = blocked(score_of, published, event)
    assert engine.apply(event("task.unblocked", "2026-03-02T15:00:00Z", task="t1")).cues == []
    assert engine.apply(tick("2026-03-02T15:00:00Z")).cues == []


def test_an_event_one_second_after_a_deadline_fires_it_first(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = blocked(score_of, published, event)
    cues = engine.apply(event("task.unblocked", "2026-03-02T15:00:01Z", task="t1")).cues
    assert rows(cues) == [("hold", "role:alpha-lead", "t1", "2026-03-02T15:00:00Z", "warn", "blk")]


def test_a_tick_fires_the_deadlines_at_its_instant_and_an_event_there_does_not(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = blocked(score_of, published, event)
    concern = event("concern.raised", "2026-03-02T15:00:00Z", topic="scope", severity="low")
    assert engine.apply(concern).cues == []
    assert engine.apply(tick("2026-03-02T14:59:59Z")).cues == []
    assert rows(engine.apply(tick("2026-03-02T15:00:00Z")).cues) == [
        ("hold", "role:alpha-lead", "t1", "2026-03-02T15:00:00Z", "warn", "blk"),
    ]


def test_next_deadline_reports_the_earliest_pending_deadline(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    assert EnsembleEngine.new("band").next_deadline() is None
    cadence = {"id": "review", "rrule": "FREQ=WEEKLY;BYDAY=WE;BYHOUR=14", "reminder": "PT1H"}
    score = score_of(
        milestones=[{"id": "m"}], cadences=[cadence], tempo={"decision_latency": "PT2H"}
    )
    engine = published(score)
    assert engine.next_deadline() == at("2026-03-04T13:00:00Z"), "the review's reminder"
    ask = event(
        "decision.requested", "2026-03-03T09:00:00Z", decision="d", question="?", role="beta-lead"
    )
    engine.apply(ask)
    assert engine.next_deadline() == at("2026-03-03T11:00:00Z"), "the decision's hold"
    engine.apply(event("decision.made", "2026-03-03T10:00:00Z", decision="d"))
    assert engine.next_deadline() == at("2026-03-03T11:00:00Z"), "a timer may find nothing to do"
    engine.apply(tick("2026-03-03T11:00:00Z"))
    assert engine.next_deadline() == at("2026-03-04T13:00:00Z")
    engine.apply(tick("2026-03-04T13:00:00Z"))
    assert engine.next_deadline() == at("2026-03-04T15:00:00Z"), "the review's grace ends"


def test_next_deadline_skips_the_deadlines_a_revision_replaced(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = published(score_of(milestones=[{"id": "m"}]), "2026-02-20T00:00:00Z")
    assert engine.next_deadline() == at("2026-03-02T00:00:00Z")
    later = score_of(milestones=[{"id": "m"}], starts="2026-03-04")
    revision = event("score.revised", "2026-02-21T00:00:00Z", score=later.model_dump(mode="json"))
    assert engine.apply(revision).accepted
    assert engine.next_deadline() == at("2026-03-04T00:00:00Z")


def test_a_score_with_nothing_left_to_watch_has_no_deadline_after_its_first_cycle(
    score_of: ScoreOf, published: Published, tick: Tick
) -> None:
    engine = published(score_of())
    assert engine.next_deadline() == at("2026-03-09T00:00:00Z")
    assert engine.apply(tick("2026-03-09T00:00:00Z")).cues == []
    assert engine.next_deadline() is None


def test_tick_for_builds_the_deterministic_tick_event() -> None:
    tick = tick_for("band", at("2026-03-02T15:00:00Z"))
    assert tick.id == "tick:band:1772463600"
    assert tick.type == "clock.tick"
    assert tick.occurred_at == at("2026-03-02T15:00:00Z")
    assert tick.source == "conductor"


def test_advance_fires_deadlines_up_to_and_including_its_instant_without_a_tick(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = blocked(score_of, published, event)
    accepted = engine.state.accepted
    assert engine.advance(at("2026-03-02T14:59:59Z")) == []
    assert rows(engine.advance(at("2026-03-02T15:00:00Z"))) == [
        ("hold", "role:alpha-lead", "t1", "2026-03-02T15:00:00Z", "warn", "blk"),
    ]
    assert engine.state.accepted == accepted
    assert engine.state.now == int(at("2026-03-02T15:00:00Z").timestamp())


def busy_log(score_of: ScoreOf, event: MakeEvent) -> tuple[Score, list[Event]]:
    """Two weeks of a small team: every cue kind but breakdown and retire has a reason to fire."""
    score = score_of(
        milestones=[
            {"id": "a", "estimate": 3, "due": "2026-03-06"},
            {"id": "b", "estimate": 5, "due": "2026-03-13", "depends_on": ["a"]},
            {
                "id": "c",
                "estimate": 4,
                "section": "beta",
                "owner": "beta-lead",
                "due": "2026-03-10",
            },
        ],
        cadences=[
            {
                "id": "standup",
                "rrule": "FREQ=DAILY;BYHOUR=9",
                "grace": "PT15M",
                "reminder": "PT5M",
                "sections": ["alpha"],
            },
        ],
        tempo={
            "wip_limit": {"alpha": 1},
            "blocker_hold": "PT4H",
            "decision_latency": "PT2H",
            "cue_budget_per_day": 2,
        },
    )
    events = [
        event("ceremony.held", "2026-03-02T09:05:00Z", cadence="standup"),
        event("task.started", "2026-03-02T10:00:00Z", task="t1", milestone="a"),
        event("task.started", "2026-03-02T10:30:00Z", task="t2", milestone="a"),
        event("task.blocked", "2026-03-02T11:00:00Z", task="t2", reason="api"),
        event(
            "decision.requested",
            "2026-03-03T08:00:00Z",
            decision="d",
            question="?",
            role="alpha-dev",
        ),
        event("task.completed", "2026-03-03T12:00:00Z", task="t1", milestone="a"),
        event("task.completed", "2026-03-04T12:00:00Z", task="t2", milestone="a"),
        event("milestone.reached", "2026-03-05T16:00:00Z", milestone="a"),
        event("ceremony.held", "2026-03-06T09:10:00Z", cadence="standup"),
        event("task.completed", "2026-03-10T12:00:00Z", task="t3", milestone="b"),
    ]
    return score, events


def test_a_live_log_with_ticks_gives_the_same_cues_as_its_rehearsal(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    score, events = busy_log(score_of, event)
    until = at("2026-03-16T12:00:00Z")

    live = published(score)
    live_cues = list(live.cues)
    for item in events:
        while (deadline := live.next_deadline()) is not None and deadline < item.occurred_at:
            live_cues += live.apply(tick_for("band", deadline)).cues
        live_cues += live.apply(item).cues
    while (deadline := live.next_deadline()) is not None and deadline <= until:
        live_cues += live.apply(tick_for("band", deadline)).cues

    rehearsed = published(score)
    rehearsed_cues = list(rehearsed.cues)
    for item in events:
        rehearsed_cues += rehearsed.apply(item).cues
    rehearsed_cues += rehearsed.advance(until)

    assert {cue.kind.value for cue in live_cues} == {
        "entry", "cadence", "cadence-missed", "hold", "tempo", "focus-shift", "digest",
    }  # fmt: skip
    assert live_cues == rehearsed_cues


def test_replaying_a_log_reproduces_every_cue_id(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    score, events = busy_log(score_of, event)
    ids = []
    for _replay in range(2):
        engine = published(score)
        cues = list(engine.cues)
        for item in events:
            cues += engine.apply(item).cues
        cues += engine.advance(at("2026-03-16T12:00:00Z"))
        ids.append([cue.id for cue in cues])
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == len(ids[0]), "no two cues share an id"


def test_a_cue_id_is_derived_from_ensemble_kind_subject_recipient_and_window(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = blocked(score_of, published, event)
    (cue,) = engine.apply(tick("2026-03-02T15:00:00Z")).cues
    since = str(int(at("2026-03-02T09:00:00Z").timestamp()))
    assert cue.id == cue_id("band", "hold", "t1", "role:alpha-lead", since)
    assert cue.id != cue_id("band", "hold", "t1", "role:alpha-lead", "0")
    assert cue.id != cue_id("other", "hold", "t1", "role:alpha-lead", since)


def test_a_duplicated_event_id_is_applied_once(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = published(score_of(milestones=[{"id": "m"}], tempo={"wip_limit": {"alpha": 1}}))
    first = engine.apply(
        event("task.started", "2026-03-02T09:00:00Z", id="s", task="t1", milestone="m")
    )
    assert first.accepted
    before = engine.state.to_dict()
    again = engine.apply(
        event("task.started", "2026-03-02T09:00:00Z", id="s", task="t1", milestone="m")
    )
    assert again.duplicate
    assert not again.accepted
    assert again.cues == []
    other = engine.apply(
        event("task.started", "2026-03-09T09:00:00Z", id="s", task="t2", milestone="m")
    )
    assert other.duplicate, "the id decides, not the content"
    assert other.cues == [], "not even the cycle boundary it passes fires"
    assert engine.state.to_dict() == before
    assert engine.state.wip == {"alpha": 1}
