"""Conductor's schemas: the score, the event log and the cues (pydantic v2)."""

from schemas.common import Id, format_location
from schemas.cue import Cue, CueKind, Recipient, Severity, ToEnsemble, ToRole, ToSection
from schemas.events import EVENT_ADAPTER, EVENT_TYPES, Event
from schemas.score import Cadence, Commitment, Experiment, Milestone, Score, Section, Tempo

__all__ = [
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "Cadence",
    "Commitment",
    "Cue",
    "CueKind",
    "Event",
    "Experiment",
    "Id",
    "Milestone",
    "Recipient",
    "Score",
    "Section",
    "Severity",
    "Tempo",
    "ToEnsemble",
    "ToRole",
    "ToSection",
    "format_location",
]
