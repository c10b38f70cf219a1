"""Conductor's schemas: the score, the event log and the cues (pydantic v2).

The names below are imported from their modules when first asked for: building the fifteen
event models takes a tenth of a second, which a command reading only a score (`conductor
validate`) need not pay.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.common import Id, format_location
    from schemas.cue import Cue, CueKind, Recipient, Severity, ToEnsemble, ToRole, ToSection
    from schemas.events import EVENT_ADAPTER, EVENT_TYPES, Event
    from schemas.score import Cadence, Commitment, Experiment, Milestone, Score, Section, Tempo

_HOME = {
    "Id": "schemas.common",
    "format_location": "schemas.common",
    "Cue": "schemas.cue",
    "CueKind": "schemas.cue",
    "Recipient": "schemas.cue",
    "Severity": "schemas.cue",
    "ToEnsemble": "schemas.cue",
    "ToRole": "schemas.cue",
    "ToSection": "schemas.cue",
    "EVENT_ADAPTER": "schemas.events",
    "EVENT_TYPES": "schemas.events",
    "Event": "schemas.events",
    "Cadence": "schemas.score",
    "Commitment": "schemas.score",
    "Experiment": "schemas.score",
    "Milestone": "schemas.score",
    "Score": "schemas.score",
    "Section": "schemas.score",
    "Tempo": "schemas.score",
}

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


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'schemas' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
