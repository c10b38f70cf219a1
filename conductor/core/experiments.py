"""Experiments: started, assessed for life and momentum, stopped; `retire` when life is gone."""

from typing import TYPE_CHECKING

from conductor.core.cues import emit
from schemas import CueKind, Severity
from schemas import events as ev

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine

LIFELESS = 2
"""Life and momentum at or below this, three assessments in a row, suggest retiring."""


def started(engine: "EnsembleEngine", event: ev.ExperimentStarted, at: int) -> None:
    engine.state.experiments[event.data.experiment] = "running"


def stopped(engine: "EnsembleEngine", event: ev.ExperimentStopped, at: int) -> None:
    engine.state.experiments[event.data.experiment] = "stopped"


def assessed(engine: "EnsembleEngine", event: ev.ExperimentAssessed, at: int) -> None:
    state, experiment = engine.state, event.data.experiment
    state.experiments.setdefault(experiment, "running")
    recent = state.assessments.setdefault(experiment, [])
    recent.append([event.data.life, event.data.momentum])
    del recent[:-3]
    lifeless = len(recent) == 3 and all(
        life <= LIFELESS and momentum <= LIFELESS for life, momentum in recent
    )
    if not lifeless:
        state.retire_suggested.discard(experiment)
        return
    if experiment in state.retire_suggested or state.experiments[experiment] == "stopped":
        return
    state.retire_suggested.add(experiment)
    scores = ", ".join(f"life {life}/momentum {momentum}" for life, momentum in recent)
    reason = (
        f"Experiment '{experiment}' has shown little life or momentum in its last three "
        f"assessments ({scores}); consider retiring it and freeing the attention it takes."
    )
    emit(
        engine,
        CueKind.RETIRE,
        f"ensemble:{state.ensemble}",
        experiment,
        event.id,
        Severity.INFO,
        reason,
        [event.id],
    )
