"""The event envelope and every event type. No event carries a person's identity."""

from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from schemas.common import Count, Id, Instant, Label, TaskId, Text
from schemas.score import Score
from schemas.upcasting import Upcasters

SCHEMA_VERSION: Literal[1] = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreData(_Model):
    score: Score


class TaskData(_Model):
    task: TaskId


class TaskMilestoneData(_Model):
    task: TaskId
    milestone: Id


class TaskBlockedData(_Model):
    task: TaskId
    reason: Text


class MilestoneData(_Model):
    milestone: Id


class CeremonyData(_Model):
    cadence: Id


class DecisionRequestedData(_Model):
    decision: Id
    question: Text
    role: Id


class DecisionData(_Model):
    decision: Id


class ConcernSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ConcernData(_Model):
    """A concern is never attributed: it has a topic and a severity, nothing else."""

    topic: Text
    severity: ConcernSeverity


class ExperimentData(_Model):
    experiment: Id


class ExperimentAssessedData(_Model):
    experiment: Id
    life: Annotated[Count, Field(ge=1, le=5)]
    momentum: Annotated[Count, Field(ge=1, le=5)]


class ClockData(_Model):
    pass


class CueAnswerData(_Model):
    """The cue answered: its id, never who answered."""

    cue: Id


class CueSnoozedData(_Model):
    cue: Id
    until: Instant = Field(description="not repeated before this instant")


class EventEnvelope(_Model):
    id: Id
    ensemble: Id
    occurred_at: Instant
    source: Label | None = None
    schema_version: Literal[1] = SCHEMA_VERSION


class ScorePublished(EventEnvelope):
    type: Literal["score.published"]
    data: ScoreData


class ScoreRevised(EventEnvelope):
    type: Literal["score.revised"]
    data: ScoreData


class TaskStarted(EventEnvelope):
    type: Literal["task.started"]
    data: TaskMilestoneData


class TaskCompleted(EventEnvelope):
    type: Literal["task.completed"]
    data: TaskMilestoneData


class TaskBlocked(EventEnvelope):
    type: Literal["task.blocked"]
    data: TaskBlockedData


class TaskUnblocked(EventEnvelope):
    type: Literal["task.unblocked"]
    data: TaskData


class TaskDropped(EventEnvelope):
    """A task given up without being completed (an issue closed as not planned, a pull
    request closed unmerged): it leaves the work in progress and counts as no work done."""

    type: Literal["task.dropped"]
    data: TaskData


class MilestoneReached(EventEnvelope):
    type: Literal["milestone.reached"]
    data: MilestoneData


class CeremonyHeld(EventEnvelope):
    type: Literal["ceremony.held"]
    data: CeremonyData


class DecisionRequested(EventEnvelope):
    type: Literal["decision.requested"]
    data: DecisionRequestedData


class DecisionMade(EventEnvelope):
    type: Literal["decision.made"]
    data: DecisionData


class ConcernRaised(EventEnvelope):
    type: Literal["concern.raised"]
    data: ConcernData


class ExperimentStarted(EventEnvelope):
    type: Literal["experiment.started"]
    data: ExperimentData


class ExperimentAssessed(EventEnvelope):
    type: Literal["experiment.assessed"]
    data: ExperimentAssessedData


class ExperimentStopped(EventEnvelope):
    type: Literal["experiment.stopped"]
    data: ExperimentData


class ClockTick(EventEnvelope):
    type: Literal["clock.tick"]
    data: ClockData = Field(default_factory=ClockData)


class CueAcknowledged(EventEnvelope):
    type: Literal["cue.acknowledged"]
    data: CueAnswerData


class CueSnoozed(EventEnvelope):
    type: Literal["cue.snoozed"]
    data: CueSnoozedData


Event = Annotated[
    ScorePublished
    | ScoreRevised
    | TaskStarted
    | TaskCompleted
    | TaskBlocked
    | TaskUnblocked
    | TaskDropped
    | MilestoneReached
    | CeremonyHeld
    | DecisionRequested
    | DecisionMade
    | ConcernRaised
    | ExperimentStarted
    | ExperimentAssessed
    | ExperimentStopped
    | ClockTick
    | CueAcknowledged
    | CueSnoozed,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
"""Validates one event from JSON bytes/str (`validate_json`) or Python data."""

EVENT_TYPES: tuple[str, ...] = tuple(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(Event)[0])
)
"""Every event type name, in catalogue order."""


def _version(model: type[EventEnvelope]) -> int:
    """The `schema_version` a model reads (its annotation is a `Literal` of one version)."""
    (version,) = get_args(model.model_fields["schema_version"].annotation)
    return int(version)


UPCASTERS = Upcasters(
    {
        get_args(model.model_fields["type"].annotation)[0]: _version(model)
        for model in get_args(get_args(Event)[0])
    }
)
"""The upcasters every reader of events applies (see `schemas.upcasting`)."""
