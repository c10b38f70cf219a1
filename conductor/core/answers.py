"""How a team answers its cues: acknowledgements, snoozes, and whether the action a cue asked
for followed — cue efficacy per kind and recipient, never per person.

Every cue sent is remembered (the `CUES_REMEMBERED` newest of the ensemble) with when it is
delivered and the action that answers it; `cue.acknowledged` and `cue.snoozed` name a
remembered cue. The action a cue asks for: an `entry`, a `task.started` on its milestone; a
`hold`, the task's unblocking (or completion) or the decision made; a `cadence-missed`, the
cadence's next ceremony held. Times are from the cue's delivery, so quiet hours do not count
against the team.
"""

from typing import cast

from conductor.core.effects import CueDraft
from conductor.core.state import RECENT, CueRecord, Efficacy, EnsembleState
from schemas.events import (
    CeremonyHeld,
    DecisionMade,
    Event,
    TaskCompleted,
    TaskStarted,
    TaskUnblocked,
)

CUES_REMEMBERED = 500
"""Cues an acknowledgement or a snooze can still name: weeks of a busy team's cues, and a
bounded part of its state (~80 KB in a snapshot)."""

ACTIONS = frozenset(
    {"task.started", "task.unblocked", "task.completed", "decision.made", "ceremony.held"}
)
"""The event types that can be the action a cue asked for."""


def efficacy_key(kind: str, to: str) -> str:
    return f"{kind}|{to}"


def snooze_key(kind: str, to: str, subject: str) -> str:
    return f"{kind}|{to}|{subject}"


def _keep_recent(values: list[int], value: int) -> None:
    values.append(value)
    if len(values) > RECENT:
        del values[0]


def note_cue(state: EnsembleState, cue_id: str, draft: CueDraft, delivered: int) -> None:
    """Remember a cue just sent; the oldest remembered one is forgotten past the bound."""
    kind = draft.kind.value
    key = efficacy_key(kind, draft.to)
    efficacy = state.efficacy.get(key)
    if efficacy is None:
        efficacy = state.efficacy[key] = Efficacy()
    efficacy.cues += 1
    awaits = draft.awaits
    if awaits:
        efficacy.asked += 1
        waiting = state.awaiting.get(awaits)
        if waiting is None:
            state.awaiting[awaits] = [cue_id]
        else:
            waiting.append(cue_id)
    records = state.cue_records
    records[cue_id] = CueRecord(kind, draft.to, draft.subject, delivered, awaits)
    if len(records) > CUES_REMEMBERED:
        _forget(state, next(iter(records)))


def _forget(state: EnsembleState, cue_id: str) -> None:
    record = state.cue_records.pop(cue_id)
    waiting = state.awaiting.get(record.awaits)
    if waiting is not None and cue_id in waiting:
        waiting.remove(cue_id)
        if not waiting:
            del state.awaiting[record.awaits]


def acknowledge(state: EnsembleState, cue_id: str, at: int) -> bool:
    """Record the first acknowledgement of a remembered cue; False for a repeat."""
    record = state.cue_records[cue_id]
    if record.acknowledged is not None:
        return False
    record.acknowledged = at
    efficacy = state.efficacy[efficacy_key(record.kind, record.to)]
    efficacy.acknowledged += 1
    _keep_recent(efficacy.ack_seconds, max(0, at - record.delivered))
    return True


def snooze(state: EnsembleState, cue_id: str, until: int, at: int) -> bool:
    """Not repeated before `until` (a later snooze extends it, an earlier one changes
    nothing); False when it changed nothing. Snoozes that ended before `at` are dropped."""
    record = state.cue_records[cue_id]
    snoozes = state.snoozes
    for key in [key for key, ends in snoozes.items() if ends < at]:
        del snoozes[key]
    key = snooze_key(record.kind, record.to, record.subject)
    if snoozes.get(key, 0) >= until:
        return False
    snoozes[key] = until
    if record.snoozed is None:
        state.efficacy[efficacy_key(record.kind, record.to)].snoozed += 1
    record.snoozed = until
    return True


def snoozed(state: EnsembleState, kind: str, to: str, subject: str) -> bool:
    """Whether a cue of `kind` to `to` about `subject` is snoozed at the ensemble's time."""
    snoozes = state.snoozes
    if not snoozes:
        return False
    until = snoozes.get(snooze_key(kind, to, subject))
    return until is not None and state.now < until


def action_of(event: Event) -> str:
    """The action key an event of a type in `ACTIONS` is."""
    kind = event.type
    if kind == "task.started":
        return "milestone:" + cast(TaskStarted, event).data.milestone
    if kind == "decision.made":
        return "decision:" + cast(DecisionMade, event).data.decision
    if kind == "ceremony.held":
        return "cadence:" + cast(CeremonyHeld, event).data.cadence
    return "task:" + cast(TaskUnblocked | TaskCompleted, event).data.task


def followed(state: EnsembleState, event: Event, at: int) -> None:
    """The action `event` is answers every remembered cue waiting for it."""
    waiting = state.awaiting.pop(action_of(event), None)
    if waiting is None:
        return
    for cue_id in waiting:
        record = state.cue_records[cue_id]
        record.acted = at
        efficacy = state.efficacy[efficacy_key(record.kind, record.to)]
        efficacy.followed += 1
        _keep_recent(efficacy.follow_seconds, max(0, at - record.delivered))
