"""How teams answer cues: acknowledgements, snoozes, and whether the asked-for action followed."""

import json
from collections.abc import Callable
from typing import Any

from conductor.core import EnsembleEngine
from conductor.core.answers import CUES_REMEMBERED
from conductor.core.figures import figures
from conductor.io.statejson import dumps as state_json
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def band(score_of: ScoreOf, published: Published, **tempo: Any) -> EnsembleEngine:
    """Milestone m (owner alpha-dev) and n after it; blockers may last 6 hours, decisions 3."""
    score = score_of(
        milestones=[
            {"id": "m", "title": "Ledger", "owner": "alpha-dev", "estimate": 40},
            {"id": "n", "title": "Payments", "owner": "beta-dev", "section": "beta"},
        ],
        tempo={"blocker_hold": "PT6H", "decision_latency": "PT3H", **tempo},
    )
    return published(score)


def held(engine: EnsembleEngine, event: MakeEvent, tick: Tick) -> Cue:
    """t1 on m is blocked at 09:00 (event `blk`); its hold fires at 15:00."""
    engine.apply(event("task.started", "2026-03-02T08:00:00Z", task="t1", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-02T09:00:00Z", id="blk", task="t1", reason="x"))
    (cue,) = engine.apply(tick("2026-03-02T15:00:00Z")).cues
    assert cue.kind == "hold"
    return cue


def efficacy(engine: EnsembleEngine, kind: str, to: str) -> dict[str, Any]:
    found: dict[str, Any] = figures(engine)["cue_efficacy"][kind][to]
    return found


def test_an_acknowledgement_counts_for_its_kind_and_recipient_from_delivery(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    before = efficacy(engine, "hold", "role:alpha-dev")
    assert (before["cues"], before["acknowledged"], before["acknowledged_share"]) == (1, 0, 0.0)
    ack = event("cue.acknowledged", "2026-03-02T17:30:00Z", cue=cue.id)
    assert engine.apply(ack).accepted
    after = efficacy(engine, "hold", "role:alpha-dev")
    assert (after["acknowledged"], after["acknowledged_share"]) == (1, 1.0)
    assert after["time_to_acknowledge_hours"]["p50"] == 2.5
    again = event("cue.acknowledged", "2026-03-02T18:00:00Z", cue=cue.id)
    assert engine.apply(again).accepted
    assert efficacy(engine, "hold", "role:alpha-dev") == after, "only the first one counts"


def test_an_answer_to_an_unknown_cue_or_a_snooze_into_the_past_is_refused(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    unknown = engine.apply(event("cue.acknowledged", "2026-03-02T16:00:00Z", cue="cue-nope"))
    assert unknown.rejection is not None
    assert unknown.rejection.path == "data.cue"
    assert "unknown cue 'cue-nope'" in unknown.rejection.message
    past = engine.apply(
        event("cue.snoozed", "2026-03-02T16:00:00Z", cue=cue.id, until="2026-03-02T16:00:00Z")
    )
    assert past.rejection is not None
    assert (past.rejection.path, past.rejection.message) == (
        "data.until",
        "must be later than occurred_at",
    )


def test_a_snoozed_hold_comes_back_at_until_while_the_task_is_still_blocked(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    snooze = event("cue.snoozed", "2026-03-02T16:00:00Z", cue=cue.id, until="2026-03-03T09:00:00Z")
    assert engine.apply(snooze).accepted
    assert engine.apply(tick("2026-03-03T08:59:59Z")).cues == []
    again = engine.apply(tick("2026-03-03T09:00:00Z")).cues
    assert rows(again) == [("hold", "role:alpha-dev", "t1", "2026-03-03T09:00:00Z", "warn", "blk")]
    assert again[0].id != cue.id
    assert efficacy(engine, "hold", "role:alpha-dev")["snoozed"] == 1


def test_a_snoozed_hold_resolved_before_until_does_not_come_back(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    engine.apply(
        event("cue.snoozed", "2026-03-02T16:00:00Z", cue=cue.id, until="2026-03-03T09:00:00Z")
    )
    engine.apply(event("task.unblocked", "2026-03-02T20:00:00Z", task="t1"))
    assert engine.apply(tick("2026-03-03T12:00:00Z")).cues == []


def test_a_task_blocked_again_during_the_snooze_is_not_held_before_until(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    engine.apply(
        event("cue.snoozed", "2026-03-02T16:00:00Z", cue=cue.id, until="2026-03-04T09:00:00Z")
    )
    engine.apply(event("task.unblocked", "2026-03-02T17:00:00Z", task="t1"))
    engine.apply(event("task.blocked", "2026-03-02T18:00:00Z", id="blk2", task="t1", reason="y"))
    assert engine.apply(tick("2026-03-04T08:59:59Z")).cues == [], "its hold at 00:00 is snoozed"
    later = engine.apply(tick("2026-03-04T09:00:00Z")).cues
    assert rows(later) == [("hold", "role:alpha-dev", "t1", "2026-03-04T09:00:00Z", "warn", "blk2")]


def test_a_later_snooze_moves_until_on_and_an_earlier_one_changes_nothing(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    for until in ("2026-03-03T09:00:00Z", "2026-03-03T12:00:00Z", "2026-03-03T10:00:00Z"):
        engine.apply(event("cue.snoozed", "2026-03-02T16:00:00Z", cue=cue.id, until=until))
    assert engine.apply(tick("2026-03-03T11:59:59Z")).cues == []
    assert len(engine.apply(tick("2026-03-03T12:00:00Z")).cues) == 1
    assert engine.apply(tick("2026-03-04T00:00:00Z")).cues == []


def test_a_snoozed_tempo_cue_is_not_repeated_before_until(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """Weekly cycles from Mon 2026-03-02: alpha finishes nothing of m's 40 items."""
    engine = band(score_of, published)
    engine.apply(event("task.started", "2026-03-03T08:00:00Z", task="t1", milestone="m"))
    boundary = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    (pace,) = [c for c in boundary if c.kind == "tempo" and c.subject == "alpha"]
    assert pace.to.model_dump() == {"section": "alpha"}
    snooze = event("cue.snoozed", "2026-03-09T09:00:00Z", cue=pace.id, until="2026-03-17T00:00:00Z")
    assert engine.apply(snooze).accepted
    at_next = engine.apply(tick("2026-03-16T00:00:00Z")).cues
    assert [c for c in at_next if c.kind == "tempo" and c.subject == "alpha"] == []
    after = engine.apply(tick("2026-03-23T00:00:00Z")).cues
    assert [c.subject for c in after if c.kind == "tempo" and c.subject == "alpha"] == ["alpha"]


def test_the_action_a_cue_asked_for_is_seen_following_it(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(
        score_of,
        published,
    )
    entry = efficacy(engine, "entry", "role:alpha-dev")
    assert (entry["asking_action"], entry["action_followed"]) == (1, 0)
    held(engine, event, tick)  # starts a task on m at 08:00: the entry of m at 00:00 followed
    entry = efficacy(engine, "entry", "role:alpha-dev")
    assert (entry["action_followed"], entry["action_followed_share"]) == (1, 1.0)
    assert entry["time_to_action_hours"]["p50"] == 8.0
    engine.apply(event("task.unblocked", "2026-03-02T16:30:00Z", task="t1"))
    hold = efficacy(engine, "hold", "role:alpha-dev")
    assert (hold["action_followed"], hold["time_to_action_hours"]["p50"]) == (1, 1.5)
    engine.apply(
        event(
            "decision.requested",
            "2026-03-02T10:00:00Z",
            decision="d1",
            question="?",
            role="beta-lead",
        )
    )
    engine.apply(tick("2026-03-02T13:00:00Z"))
    engine.apply(event("decision.made", "2026-03-02T14:00:00Z", decision="d1"))
    decided = efficacy(engine, "hold", "role:beta-lead")
    assert (decided["cues"], decided["action_followed"]) == (1, 1)


def test_a_missed_ceremony_is_followed_by_the_next_one_held(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    score = score_of(cadences=[{"id": "daily", "rrule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"}])
    engine = published(score)
    (missed,) = engine.apply(tick("2026-03-02T10:00:00Z")).cues
    assert missed.kind == "cadence-missed"
    engine.apply(event("ceremony.held", "2026-03-03T09:05:00Z", cadence="daily"))
    found = efficacy(engine, "cadence-missed", "ensemble:band")
    assert (found["action_followed"], found["time_to_action_hours"]["p50"]) == (1, 23.08)
    assert figures(engine)["cue_efficacy"].keys() == {"cadence-missed"}


def test_only_the_newest_cues_can_be_answered(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """One entry cue per milestone at the score's start (as many as are remembered), then a
    stand-up's reminder: the first entry cue is forgotten."""
    milestones = [{"id": f"m{n}"} for n in range(CUES_REMEMBERED)]
    standup = {"id": "standup", "rrule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "reminder": "PT10M"}
    engine = published(score_of(milestones=milestones, cadences=[standup]))
    first = engine.cues[0]
    (newest,) = engine.apply(tick("2026-03-02T08:50:00Z")).cues
    assert len(engine.state.cue_records) == CUES_REMEMBERED
    assert engine.apply(event("cue.acknowledged", "2026-03-02T09:00:00Z", cue=newest.id)).accepted
    forgotten = engine.apply(event("cue.acknowledged", "2026-03-02T09:00:00Z", cue=first.id))
    assert forgotten.rejection is not None and forgotten.rejection.path == "data.cue"
    assert efficacy(engine, "entry", "role:alpha-lead")["cues"] == CUES_REMEMBERED


def test_answers_survive_a_snapshot(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = band(score_of, published)
    cue = held(engine, event, tick)
    engine.apply(event("cue.acknowledged", "2026-03-02T16:00:00Z", cue=cue.id))
    engine.apply(
        event("cue.snoozed", "2026-03-02T16:00:00Z", cue=cue.id, until="2026-03-03T09:00:00Z")
    )
    restored = EnsembleEngine.restore(json.loads(state_json(engine.state)))
    assert figures(restored) == figures(engine)
    assert restored.state.to_dict() == engine.state.to_dict()
    assert [c.id for c in restored.apply(tick("2026-03-03T09:00:00Z")).cues] == [
        c.id for c in engine.apply(tick("2026-03-03T09:00:00Z")).cues
    ]
