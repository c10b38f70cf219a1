"""`cadence` and `cadence-missed`: a reminder before each occurrence of a ritual (if the cadence
sets one), and a cue at occurrence + grace when no `ceremony.held` fell within the grace.

Keeps, per cadence, the latest occurrence reminded of and checked, and how many were due and
held (the adherence figures)."""

from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from conductor.core.causes import score_cause
from conductor.core.effects import CueDraft, Effect, Timer
from conductor.core.hooks import Effects, Rule
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity


class CadenceDeadline(StrEnum):
    REMIND = "remind"
    MISSED = "missed"


def schedule_from(state: EnsembleState, plan: Plan, revision: bool) -> list[Timer]:
    """Start every cadence's chain: at the first occurrence from now, or after a revision
    from the earliest occurrence whose grace is still running (so its check is not lost)."""
    now = state.now
    timers: list[Timer] = []
    for cadence_id, cadence in plan.cadences.items():
        after = now - cadence.grace if revision else now
        timers += _next_occurrence(state, plan, cadence_id, after, inclusive=True)
    return timers


def _next_occurrence(
    state: EnsembleState, plan: Plan, cadence_id: str, after: int, inclusive: bool
) -> list[Timer]:
    """The next occurrence's reminder and check, each unless already done for it (a revision
    re-schedules the chain and must not repeat what was sent)."""
    cadence = plan.cadences[cadence_id]
    checked = state.cadence_checked.get(cadence_id, -1)
    when = cadence.occurrences.next(max(after, checked), inclusive and after > checked)
    if when is None or when + cadence.grace > plan.horizon:
        return []
    timers = []
    reminder = cadence.reminder
    if (
        reminder is not None
        and when - reminder >= state.now
        and when > state.cadence_reminded.get(cadence_id, -1)
    ):
        timers.append(
            Timer(at=when - reminder, kind=CadenceDeadline.REMIND, subject=cadence_id, stamp=when)
        )
    timers.append(
        Timer(at=when + cadence.grace, kind=CadenceDeadline.MISSED, subject=cadence_id, stamp=when)
    )
    return timers


def remind(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    cadence_id, when = timer.subject, timer.stamp
    state.cadence_reminded[cadence_id] = when
    cadence = plan.cadences[cadence_id]
    local = occurrence_time(when, plan.score.timezone)
    minutes = (when - state.now) // 60
    reason = f"The {cadence.kind} '{cadence_id}' starts at {local} (in {minutes} minutes)."
    return _to_everyone(state, plan, cadence_id, CueKind.CADENCE, when, Severity.INFO, reason)


def check_missed(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    """At occurrence + grace: was it held? Then the chain moves on to the next occurrence.

    (A reminder that would fall before this instant, when grace outlasts the gap between
    occurrences, is skipped.)"""
    cadence_id, when = timer.subject, timer.stamp
    effects: list[Effect] = [*_next_occurrence(state, plan, cadence_id, when, inclusive=False)]
    state.cadence_checked[cadence_id] = when
    cadence = plan.cadences[cadence_id]
    state.cadence_due[cadence_id] = state.cadence_due.get(cadence_id, 0) + 1
    grace = cadence.grace
    for at in state.ceremonies.get(cadence_id, []):
        if abs(at - when) <= grace:
            state.cadence_held[cadence_id] = state.cadence_held.get(cadence_id, 0) + 1
            return effects
    local = occurrence_time(when, plan.score.timezone)
    reason = (
        f"The {cadence.kind} '{cadence_id}' planned for {local} "
        f"was not held within its grace of {cadence.grace // 60} minutes."
    )
    effects += _to_everyone(
        state, plan, cadence_id, CueKind.CADENCE_MISSED, when, Severity.WARN, reason
    )
    return effects


def _to_everyone(
    state: EnsembleState,
    plan: Plan,
    cadence_id: str,
    kind: CueKind,
    when: int,
    severity: Severity,
    reason: str,
) -> list[Effect]:
    """One cue for each section the cadence is for, or for the whole ensemble."""
    causes = score_cause(state)
    awaits = f"cadence:{cadence_id}" if kind is CueKind.CADENCE_MISSED else ""
    return [
        CueDraft(
            kind=kind,
            to=to,
            subject=cadence_id,
            window=str(when),
            severity=severity,
            reason=reason,
            caused_by=causes,
            awaits=awaits,
        )
        for to in recipients(state, plan, cadence_id)
    ]


@lru_cache(maxsize=4096)
def occurrence_time(when: int, timezone: str) -> str:
    """`09:30 on Mon 02 Mar`, local. Remembered: every ensemble that keeps the same ritual in
    the same zone is reminded of the same occurrence."""
    return datetime.fromtimestamp(when, ZoneInfo(timezone)).strftime("%H:%M on %a %d %b")


def recipients(state: EnsembleState, plan: Plan, cadence_id: str) -> list[str]:
    sections = plan.cadences[cadence_id].sections
    if sections:
        return [f"section:{section}" for section in sections]
    return [f"ensemble:{state.ensemble}"]


class Cadences(Rule):
    def on_start(self, state: EnsembleState, plan: Plan, revision: bool) -> Effects:
        return schedule_from(state, plan, revision)

    def on_deadline(self, state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
        if timer.kind is CadenceDeadline.REMIND:
            return remind(state, plan, timer)
        return check_missed(state, plan, timer)


RULE = Cadences(
    name="cadence",
    kinds=(CueKind.CADENCE, CueKind.CADENCE_MISSED),
    order=20,
    deadlines={CadenceDeadline.REMIND: True, CadenceDeadline.MISSED: True},
)
