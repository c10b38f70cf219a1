"""Once per crossing: a rule cues a subject when a condition starts to hold, not again while it
holds, and again only after it stopped holding (the engine's guard against nagging)."""

from conductor.core.state import EnsembleState


def latch(state: EnsembleState, rule: str, subject: str) -> bool:
    """True if `subject` was not latched for `rule` (the crossing: cue it); it is now."""
    subjects = state.latched.get(rule)
    if subjects is None:
        subjects = state.latched[rule] = set()
    if subject in subjects:
        return False
    subjects.add(subject)
    return True


def release(state: EnsembleState, rule: str, subject: str) -> None:
    """The condition stopped holding: the next crossing is cued again."""
    subjects = state.latched.get(rule)
    if subjects is not None:
        subjects.discard(subject)


def is_latched(state: EnsembleState, rule: str, subject: str) -> bool:
    subjects = state.latched.get(rule)
    return subjects is not None and subject in subjects
