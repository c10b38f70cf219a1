"""`entry`: a milestone whose dependencies are all reached may start; its owner is cued once
(when the score begins for milestones that depend on nothing)."""

from conductor.core.causes import progress_causes
from conductor.core.effects import CueDraft
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.latch import is_latched, latch
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity
from schemas.events import Event

NAME = "entry"


def enter_ready(state: EnsembleState, plan: Plan, caused_by: tuple[str, ...]) -> list[CueDraft]:
    """`entry` for every milestone whose dependencies are all reached and that has not entered."""
    drafts = []
    for milestone_id in plan.order:
        if milestone_id in state.reached or is_latched(state, NAME, milestone_id):
            continue
        milestone = plan.milestones[milestone_id]
        if not all(dep in state.reached for dep in milestone.depends_on):
            continue
        latch(state, NAME, milestone_id)
        if milestone.depends_on:
            deps = ", ".join(milestone.depends_on)
            reason = f"'{milestone.title}' can start: its dependencies ({deps}) are reached."
        else:
            reason = (
                f"'{milestone.title}' can start: it depends on nothing and the score has begun."
            )
        drafts.append(
            CueDraft(
                kind=CueKind.ENTRY,
                to=f"role:{milestone.owner}",
                subject=milestone_id,
                window="entry",
                severity=Severity.INFO,
                reason=reason,
                caused_by=caused_by,
                awaits=f"milestone:{milestone_id}",
            )
        )
    return drafts


def entered(state: EnsembleState) -> set[str]:
    """The milestones cued as ready to start."""
    return state.latched.get(NAME, set())


class Entry(Rule):
    def on_start(self, state: EnsembleState, plan: Plan, revision: bool) -> Effects:
        return enter_ready(state, plan, progress_causes(state))

    def on_event(self, state: EnsembleState, plan: Plan, event: Event, at: int) -> Effects:
        """A milestone reached may be the last dependency of others."""
        return enter_ready(state, plan, (event.id,)) if state.started else NOTHING


RULE = Entry(name=NAME, kinds=(CueKind.ENTRY,), order=10, events=("milestone.reached",))
