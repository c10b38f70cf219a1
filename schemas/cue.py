"""A cue: a nudge to a role, a section or the whole ensemble, always with its cause."""

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.common import Id, TaskId


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CueKind(StrEnum):
    ENTRY = "entry"
    FOCUS_SHIFT = "focus-shift"
    CADENCE = "cadence"
    CADENCE_MISSED = "cadence-missed"
    HOLD = "hold"
    TEMPO = "tempo"
    BREAKDOWN = "breakdown"
    RETIRE = "retire"
    DIGEST = "digest"


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"
    CRITICAL = "critical"


class ToRole(_Model):
    role: Id


class ToSection(_Model):
    section: Id


class ToEnsemble(_Model):
    ensemble: Id


Recipient = ToRole | ToSection | ToEnsemble


def _absent(value: object) -> bool:
    return value is None


class FoldedCue(_Model):
    """A cue the daily budget held back, as its digest lists it."""

    id: Id
    kind: CueKind
    subject: Id
    severity: Severity


def _unset(flag: bool) -> bool:
    """A flag left false is left out of the JSON: a live cue's bytes carry no flag at all."""
    return not flag


class Cue(_Model):
    id: Id = Field(description="derived from ensemble, kind, subject, recipient and window")
    kind: CueKind
    ensemble: Id
    score: Id
    to: Recipient
    subject: TaskId = Field(description="the milestone, task, decision, cadence, section, ... id")
    at: AwareDatetime
    severity: Severity
    reason: str
    caused_by: Annotated[list[Id], Field(min_length=1)]
    deliver_at: AwareDatetime | None = Field(
        None,
        exclude_if=_absent,
        description="when sinks deliver it, if the score's quiet hours hold it back (else at `at`)",
    )
    timezone: str | None = Field(
        None, exclude_if=_absent, description="the score's timezone, in which sinks show times"
    )
    folded: list[FoldedCue] | None = Field(
        None, exclude_if=_absent, description="a digest's cues, held back by the daily budget"
    )
    rehearsal: bool = Field(
        False,
        exclude_if=_unset,
        description="true: from a simulated rehearsal run, never delivered to anyone",
    )
    pilot: bool = Field(
        False,
        exclude_if=_unset,
        description="true: from a pilot score folded in shadow beside the live one; recorded, "
        "never delivered",
    )
