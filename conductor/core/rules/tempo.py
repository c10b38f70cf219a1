"""`tempo`: the `task.started` that takes a section over its WIP limit (once per crossing: a
task completed or dropped that brings it back within the limit re-arms it), and at each cycle
boundary a section whose last cycle's throughput is below the pace needed to finish its
remaining work by the due dates."""

from conductor.core.answers import snoozed
from conductor.core.causes import progress_causes
from conductor.core.effects import CueDraft
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.latch import latch, release
from conductor.core.measures import remaining, throughput
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity
from schemas.events import Event, TaskStarted

NAME = "tempo"
"""Its latch holds the sections over their WIP limit."""


def _started(state: EnsembleState, plan: Plan, event: TaskStarted) -> Effects:
    section = plan.milestones[event.data.milestone].section
    limit = plan.wip_limit.get(section)
    wip = state.wip[section]
    if limit is None or wip <= limit:
        return NOTHING
    if snoozed(state, NAME, f"section:{section}", section) or not latch(state, NAME, section):
        return NOTHING  # a snoozed crossing stays unlatched: one after the snooze is cued
    reason = (
        f"Section '{section}' now has {wip} tasks in progress, over its WIP limit "
        f"of {limit}: finish something before starting more."
    )
    draft = CueDraft(
        kind=CueKind.TEMPO,
        to=f"section:{section}",
        subject=section,
        window=f"wip@{state.now}",
        severity=Severity.WARN,
        reason=reason,
        caused_by=(event.id,),
    )
    return (draft,)


def _release_within_limits(state: EnsembleState, plan: Plan) -> None:
    """A section back within its limit (a task finished, or a revision raised the limit) is
    cued again at its next crossing."""
    over = state.latched.get(NAME)
    if not over:
        return
    for section in list(over):
        wip = state.wip.get(section, 0)
        if wip <= plan.wip_limit.get(section, wip):
            release(state, NAME, section)


def _check_pace(state: EnsembleState, plan: Plan, section: str, index: int) -> CueDraft | None:
    if snoozed(state, NAME, f"section:{section}", section):
        return None
    needed = 0.0
    left = 0
    for milestone in plan.in_section[section]:
        if milestone.id in state.reached:
            continue
        work = remaining(state, plan, milestone.id)
        left += work
        needed += work / max(1.0, (milestone.due_end - state.now) / plan.cycle)
    if left == 0:
        return None
    done = throughput(
        state, section, plan.day_index(plan.boundary(index - 1)), plan.day_index(state.now)
    )
    if done >= needed:
        return None
    reason = (
        f"Section '{section}' finished {done} work items in the last cycle; the plan needs about "
        f"{needed:.1f} per cycle to finish the remaining {left} by their due dates."
    )
    return CueDraft(
        kind=CueKind.TEMPO,
        to=f"section:{section}",
        subject=section,
        window=f"cycle-{index}",
        severity=Severity.INFO,
        reason=reason,
        caused_by=progress_causes(state),
    )


class Tempo(Rule):
    def on_event(self, state: EnsembleState, plan: Plan, event: Event, at: int) -> Effects:
        if event.type == "task.started":
            return _started(state, plan, event)
        _release_within_limits(state, plan)  # a task completed or dropped
        return NOTHING

    def on_start(self, state: EnsembleState, plan: Plan, revision: bool) -> Effects:
        if revision:
            _release_within_limits(state, plan)
        return NOTHING

    def on_cycle(self, state: EnsembleState, plan: Plan, index: int) -> Effects:
        drafts = []
        for section in plan.sections:
            draft = _check_pace(state, plan, section, index)
            if draft is not None:
                drafts.append(draft)
        return drafts


RULE = Tempo(
    name=NAME,
    kinds=(CueKind.TEMPO,),
    order=30,
    events=("task.started", "task.completed", "task.dropped"),
)
