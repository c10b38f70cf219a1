"""Core properties over simulated logs: determinism, idempotence, causes, budget, snapshots."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from conductor.core import EnsembleEngine
from conductor.core.publication import publication_at_start
from conductor.core.timeutil import to_epoch
from conductor.io.scorefile import load_score
from conductor.rehearsal.replay import Rehearsal
from conductor.rehearsal.simulate import Pace, simulate_team
from schemas import EVENT_ADAPTER, Cue, CueKind, Event, Score

SCORE = load_score(Path(__file__).parents[2] / "examples" / "score.yaml")
TIGHT_BUDGET = SCORE.model_copy(
    update={"tempo": SCORE.tempo.model_copy(update={"cue_budget_per_day": 1})}
)

LOOSE_BUDGET = SCORE.model_copy(
    update={"tempo": SCORE.tempo.model_copy(update={"cue_budget_per_day": 10_000})}
)

paces = st.builds(
    Pace,
    finish_chance=st.floats(0.05, 0.6),
    block_chance=st.floats(0.0, 0.2),
    unblock_chance=st.floats(0.1, 0.9),
    overload_chance=st.floats(0.0, 0.3),
    skip_ceremony_chance=st.floats(0.0, 0.5),
    decision_chance=st.floats(0.0, 0.5),
)


@st.composite
def logs(draw: st.DrawFn, score: Score = SCORE) -> list[Event]:
    seed = draw(st.integers(0, 2**32 - 1))
    days = draw(st.integers(3, 50))
    return list(simulate_team(score, seed=seed, days=days, pace=draw(paces)))


def rehearse(events: list[Event], score: Score = SCORE) -> list[str]:
    rehearsal = Rehearsal(score)
    for event in events:
        rehearsal.feed(event)
    return [cue.model_dump_json() for cue in rehearsal.finish()]


def whole_log(events: list[Event], score: Score = SCORE) -> list[Event]:
    return [publication_at_start(score), *events]


@settings(max_examples=25, deadline=None)
@given(logs())
def test_same_log_gives_the_same_cues(events: list[Event]) -> None:
    first = rehearse(events)
    assert first == rehearse(events)
    assert first, "a simulated log always has at least the entry cues"


@settings(max_examples=25, deadline=None)
@given(logs(), st.data())
def test_duplicated_events_are_applied_once(events: list[Event], data: st.DataObject) -> None:
    with_duplicates = list(events)
    for _ in range(data.draw(st.integers(1, 20))):
        original = data.draw(st.integers(0, len(events) - 1)) if events else None
        if original is None:
            break
        position = with_duplicates.index(events[original])
        later = data.draw(st.integers(position + 1, len(with_duplicates)))
        with_duplicates.insert(later, events[original])
    assert rehearse(with_duplicates) == rehearse(events)


@settings(max_examples=25, deadline=None)
@given(logs(), st.data())
def test_rejected_events_change_nothing(events: list[Event], data: st.DataObject) -> None:
    noisy = list(events)
    for number in range(data.draw(st.integers(1, 10))):
        at = events[data.draw(st.integers(0, len(events) - 1))].occurred_at if events else None
        if at is None:
            break
        bad = EVENT_ADAPTER.validate_python(
            {
                "id": f"bad-{number}",
                "type": "task.blocked",
                "ensemble": SCORE.ensemble,
                "occurred_at": at,
                "data": _bad_data(number),
            }
        )
        noisy.insert(data.draw(st.integers(0, len(noisy))), bad)
    assert rehearse(noisy) == rehearse(events)


def _bad_data(number: int) -> dict[str, str]:
    return {"task": f"ghost-{number}", "reason": "nobody started it"}


@settings(max_examples=25, deadline=None)
@given(logs())
def test_every_cue_has_causes_in_the_log(events: list[Event]) -> None:
    ids = {event.id for event in whole_log(events)}
    for line in rehearse(events):
        cue = Cue.model_validate_json(line)
        assert cue.caused_by
        assert set(cue.caused_by) <= ids, cue


@settings(max_examples=25, deadline=None)
@given(logs(score=TIGHT_BUDGET))
def test_no_recipient_gets_more_than_its_daily_budget(events: list[Event]) -> None:
    zone = ZoneInfo(TIGHT_BUDGET.timezone)
    rehearsal = Rehearsal(TIGHT_BUDGET)
    for event in events:
        rehearsal.feed(event)
    sent: Counter[tuple[str, object]] = Counter()
    in_digests = 0
    for cue in rehearsal.finish():
        if cue.kind is CueKind.DIGEST:
            in_digests += int(cue.reason.split(" ", 1)[0])
            continue
        sent[(cue.to.model_dump_json(), cue.at.astimezone(zone).date())] += 1
    assert max(sent.values(), default=0) <= TIGHT_BUDGET.tempo.cue_budget_per_day

    state = rehearsal.session.engines[TIGHT_BUDGET.ensemble].state
    waiting = sum(len(folded) for folded in state.digests.values())
    unlimited = LOOSE_BUDGET.model_copy(update={"score": TIGHT_BUDGET.score})
    every_cue = rehearse(events, unlimited)
    assert sum(sent.values()) + in_digests + waiting == len(every_cue), "a cue was dropped"


@settings(max_examples=20, deadline=None)
@given(logs(), st.data())
def test_state_survives_a_serialization_round_trip(
    events: list[Event], data: st.DataObject
) -> None:
    log = whole_log(events)
    split = data.draw(st.integers(0, len(log)))
    uninterrupted = EnsembleEngine.new(SCORE.ensemble)
    expected = [cue for event in log for cue in uninterrupted.apply(event).cues]

    engine = EnsembleEngine.new(SCORE.ensemble)
    got = [cue for event in log[:split] for cue in engine.apply(event).cues]
    snapshot = json.loads(json.dumps(engine.state.to_dict()))
    restored = EnsembleEngine.restore(snapshot)
    assert restored.state.to_dict() == engine.state.to_dict()
    got += [cue for event in log[split:] for cue in restored.apply(event).cues]

    assert got == expected
    assert restored.state.to_dict() == uninterrupted.state.to_dict()
    end = log[-1].occurred_at + timedelta(days=3)
    assert restored.advance(end) == uninterrupted.advance(end)


@given(
    instant=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/St_Johns")])
        | st.builds(
            timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
        ),
    )
)
def test_epoch_seconds_agree_with_the_standard_library(instant: datetime) -> None:
    assert to_epoch(instant) == int(instant.timestamp())


def test_epoch_seconds_of_a_parsed_event_time() -> None:
    event = EVENT_ADAPTER.validate_json(
        '{"id": "e", "type": "clock.tick", "ensemble": "harbor",'
        ' "occurred_at": "2026-03-29T01:30:15.9+01:00"}'
    )
    assert to_epoch(event.occurred_at) == 1774744215
