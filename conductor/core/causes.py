"""What a cue cites as its cause, when no single event triggered it."""

from conductor.core.state import EnsembleState


def score_cause(state: EnsembleState) -> tuple[str, ...]:
    """Cues of the score's own rhythm (cadences) cite the event that published it."""
    assert state.score_event is not None
    return (state.score_event,)


def progress_causes(state: EnsembleState) -> tuple[str, ...]:
    """Cues of the plan cite the score that set it, and the latest progress event if any."""
    assert state.score_event is not None
    if state.last_progress_event is None:
        return (state.score_event,)
    return (state.score_event, state.last_progress_event)
