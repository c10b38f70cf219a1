"""Cadence rules: a reminder before each occurrence, a missed cue when none was held."""

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from conductor.core.cues import emit
from schemas import CueKind, Severity

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine


def schedule_from(engine: "EnsembleEngine", revision: bool) -> None:
    """Start every cadence's chain: at the first occurrence from now, or after a revision
    from the earliest occurrence whose grace is still running (so its check is not lost)."""
    now = engine.state.now
    for cadence_id, cadence in engine.plan.cadences.items():
        _schedule(engine, cadence_id, now - cadence.grace if revision else now, inclusive=True)


def _schedule(engine: "EnsembleEngine", cadence_id: str, after: int, inclusive: bool) -> None:
    """Schedule an occurrence's reminder and check, each unless already done for it (a
    revision re-schedules the chain and must not repeat what was sent)."""
    state = engine.state
    cadence = engine.plan.cadences[cadence_id]
    checked = state.cadence_checked.get(cadence_id, -1)
    when = cadence.occurrences.next(max(after, checked), inclusive and after > checked)
    if when is None:
        return
    reminder = cadence.reminder
    if (
        reminder is not None
        and when - reminder >= state.now
        and when > state.cadence_reminded.get(cadence_id, -1)
    ):
        engine.schedule(when - reminder, "remind", cadence_id, when)
    engine.schedule(when + cadence.grace, "missed", cadence_id, when)


def remind(engine: "EnsembleEngine", cadence_id: str, when: int) -> None:
    engine.state.cadence_reminded[cadence_id] = when
    plan = engine.plan
    cadence = plan.cadences[cadence_id]
    local = occurrence_time(when, plan.score.timezone)
    minutes = (when - engine.state.now) // 60
    reason = f"The {cadence.kind} '{cadence_id}' starts at {local} (in {minutes} minutes)."
    for to in recipients(engine, cadence_id):
        emit(
            engine,
            CueKind.CADENCE,
            to,
            cadence_id,
            str(when),
            Severity.INFO,
            reason,
            _cause(engine),
        )


def check_missed(engine: "EnsembleEngine", cadence_id: str, when: int) -> None:
    """At occurrence + grace: was it held? Then the chain moves on to the next occurrence.

    (A reminder that would fall before this instant, when grace outlasts the gap between
    occurrences, is skipped.)"""
    _schedule(engine, cadence_id, when, inclusive=False)
    state, plan = engine.state, engine.plan
    state.cadence_checked[cadence_id] = when
    cadence = plan.cadences[cadence_id]
    state.cadence_due[cadence_id] = state.cadence_due.get(cadence_id, 0) + 1
    grace = cadence.grace
    for at in state.ceremonies.get(cadence_id, []):
        if abs(at - when) <= grace:
            state.cadence_held[cadence_id] = state.cadence_held.get(cadence_id, 0) + 1
            return
    local = occurrence_time(when, plan.score.timezone)
    reason = (
        f"The {cadence.kind} '{cadence_id}' planned for {local} "
        f"was not held within its grace of {cadence.grace // 60} minutes."
    )
    for to in recipients(engine, cadence_id):
        emit(
            engine,
            CueKind.CADENCE_MISSED,
            to,
            cadence_id,
            str(when),
            Severity.WARN,
            reason,
            _cause(engine),
        )


@lru_cache(maxsize=4096)
def occurrence_time(when: int, timezone: str) -> str:
    """`09:30 on Mon 02 Mar`, local. Remembered: every ensemble that keeps the same ritual in
    the same zone is reminded of the same occurrence."""
    return datetime.fromtimestamp(when, ZoneInfo(timezone)).strftime("%H:%M on %a %d %b")


def recipients(engine: "EnsembleEngine", cadence_id: str) -> list[str]:
    sections = engine.plan.cadences[cadence_id].sections
    if sections:
        return [f"section:{section}" for section in sections]
    return [f"ensemble:{engine.state.ensemble}"]


def _cause(engine: "EnsembleEngine") -> list[str]:
    assert engine.state.score_event is not None
    return [engine.state.score_event]
