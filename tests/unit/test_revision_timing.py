"""A revision re-plans the timers without losing, skipping or repeating a cue."""

from collections.abc import Callable

from conductor.core import EnsembleEngine
from schemas import Cue, CueKind, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]

STANDUP = {
    "id": "standup",
    "rrule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
    "grace": "PT30M",
    "reminder": "PT10M",
}


def revise(
    engine: EnsembleEngine, event: MakeEvent, score: Score, instant: str, id: str | None = None
) -> list[Cue]:
    outcome = engine.apply(
        event(
            "score.revised", instant, id=id or f"rev-{instant}", score=score.model_dump(mode="json")
        )
    )
    assert outcome.accepted, outcome.rejection
    return outcome.cues


def test_a_revision_inside_a_grace_window_keeps_the_missed_check(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    score = score_of(milestones=[{"id": "m"}], cadences=[STANDUP])
    engine = published(score)
    before = revise(engine, event, score, "2026-03-02T09:15:00Z")
    assert [c.kind for c in before] == [CueKind.CADENCE], "the 08:50 reminder fires first"
    missed = engine.apply(tick("2026-03-02T09:30:00Z")).cues
    assert rows(missed) == [
        ("cadence-missed", "ensemble:band", "standup", "2026-03-02T09:30:00Z", "warn",
         "rev-2026-03-02T09:15:00Z"),
    ]  # fmt: skip


def test_a_revision_after_the_check_does_not_check_again(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    score = score_of(milestones=[{"id": "m"}], cadences=[STANDUP])
    engine = published(score)
    assert [c.kind for c in engine.apply(tick("2026-03-02T09:30:00Z")).cues] == [
        CueKind.CADENCE,
        CueKind.CADENCE_MISSED,
    ]
    assert revise(engine, event, score, "2026-03-02T09:30:00Z") == []
    assert engine.apply(tick("2026-03-03T08:49:59Z")).cues == []
    assert [c.kind for c in engine.apply(tick("2026-03-03T08:50:00Z")).cues] == [CueKind.CADENCE]


def test_a_tick_and_a_revision_at_the_same_instant_send_the_reminder_once(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    score = score_of(milestones=[{"id": "m"}], cadences=[STANDUP])
    engine = published(score)
    reminders = engine.apply(tick("2026-03-02T08:50:00Z")).cues
    assert [c.kind for c in reminders] == [CueKind.CADENCE]
    assert revise(engine, event, score, "2026-03-02T08:50:00Z") == []
    assert engine.apply(tick("2026-03-02T09:29:59Z")).cues == []


def test_a_revision_exactly_at_a_cycle_boundary_still_runs_that_cycle(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    score = score_of(milestones=[{"id": "m", "due": "2026-03-20"}])
    engine = published(score)
    assert revise(engine, event, score, "2026-03-09T00:00:00Z") == []
    cycle = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert [(c.kind, c.subject) for c in cycle] == [
        (CueKind.TEMPO, "alpha"),
        (CueKind.FOCUS_SHIFT, "m"),
    ]
    assert engine.state.cycles_checked == 1
    again = revise(engine, event, score, "2026-03-09T00:00:00Z", id="again")
    assert again == [], "and never twice"
    assert engine.next_deadline() is not None
    assert engine.next_deadline().isoformat() == "2026-03-16T00:00:00+00:00"


def test_weekly_cycles_turn_at_local_midnight_across_a_clock_change(
    score_of: ScoreOf, published: Published, tick: Tick
) -> None:
    """Berlin moves to summer time on 2026-03-29: the week after still turns at 00:00 local,
    22:00 UTC, not at the 23:00 UTC a fixed 7 x 24 hours would give."""
    score = score_of(
        milestones=[{"id": "m", "due": "2026-05-29"}], timezone="Europe/Berlin", starts="2026-03-23"
    )
    engine = published(score, "2026-03-22T23:00:00Z")
    assert engine.next_deadline() is not None
    assert engine.next_deadline().isoformat() == "2026-03-29T22:00:00+00:00"
    engine.apply(tick("2026-03-29T21:59:59Z"))
    assert engine.state.cycles_checked == 0
    engine.apply(tick("2026-03-29T22:00:00Z"))
    assert engine.state.cycles_checked == 1
    assert engine.next_deadline().isoformat() == "2026-04-05T22:00:00+00:00"


def test_equal_chains_keep_the_current_critical_path(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    score = score_of(
        milestones=[
            {"id": "a", "estimate": 6},
            {"id": "b", "estimate": 5, "section": "beta", "owner": "beta-lead"},
            {"id": "c", "estimate": 1, "depends_on": ["a", "b"]},
        ]
    )
    engine = published(score)
    assert engine.state.critical_path == ["a", "c"]
    for number, task in enumerate(["a1", "b1", "a2"]):
        done = event("task.completed", f"2026-03-03T1{number}:00:00Z", task=task, milestone=task[0])
        assert engine.apply(done).accepted
    cycle = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert engine.state.critical_path == ["a", "c"], "a tie (4 and 4) keeps the current path"
    assert not [cue for cue in cycle if cue.reason.startswith("The critical path")]


def test_hold_reasons_speak_plainly_of_one_day(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = published(score_of(milestones=[{"id": "m"}], tempo={"blocker_hold": "P1D"}))
    engine.apply(event("task.started", "2026-03-02T09:00:00Z", task="t", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-02T10:00:00Z", task="t", reason="x"))
    (hold,) = [c for c in engine.apply(tick("2026-03-03T10:00:00Z")).cues if c.kind is CueKind.HOLD]
    assert hold.reason.endswith("longer than the 1 day the score allows.")
