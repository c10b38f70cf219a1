"""`retire`: an experiment whose last three assessments all show life and momentum at or below
`LIFELESS` is suggested for retirement (once, until it shows life again; never once stopped)."""

from typing import cast

from conductor.core.effects import CueDraft
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.latch import is_latched, latch, release
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity
from schemas.events import Event, ExperimentAssessed

NAME = "retire"
"""Its latch holds the experiments suggested for retirement."""

LIFELESS = 2
"""Life and momentum at or below this, three assessments in a row, suggest retiring."""


def suggested(state: EnsembleState) -> set[str]:
    return state.latched.get(NAME, set())


def _assessed(state: EnsembleState, event: ExperimentAssessed) -> Effects:
    experiment = event.data.experiment
    recent = state.assessments[experiment]
    lifeless = len(recent) == 3 and all(
        life <= LIFELESS and momentum <= LIFELESS for life, momentum in recent
    )
    if not lifeless:
        release(state, NAME, experiment)
        return NOTHING
    if is_latched(state, NAME, experiment) or state.experiments[experiment] == "stopped":
        return NOTHING
    latch(state, NAME, experiment)
    scores = ", ".join(f"life {life}/momentum {momentum}" for life, momentum in recent)
    reason = (
        f"Experiment '{experiment}' has shown little life or momentum in its last three "
        f"assessments ({scores}); consider retiring it and freeing the attention it takes."
    )
    draft = CueDraft(
        kind=CueKind.RETIRE,
        to=f"ensemble:{state.ensemble}",
        subject=experiment,
        window=event.id,
        severity=Severity.INFO,
        reason=reason,
        caused_by=(event.id,),
    )
    return (draft,)


class Retire(Rule):
    def on_event(self, state: EnsembleState, plan: Plan, event: Event, at: int) -> Effects:
        return _assessed(state, cast(ExperimentAssessed, event))


RULE = Retire(name=NAME, kinds=(CueKind.RETIRE,), order=60, events=("experiment.assessed",))
