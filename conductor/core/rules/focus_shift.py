"""`focus-shift`: at a cycle boundary, a milestone more than `BEHIND_MARGIN` behind its planned
progress (once until it recovers); and whenever the critical path (the chain of unreached
milestones with the most remaining work) takes in a milestone in place of another — the cue
says from what to what. Keeps the critical path in the state."""

from typing import cast

from conductor.core.causes import progress_causes
from conductor.core.effects import CueDraft, Effect
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.latch import latch, release
from conductor.core.measures import done_share, planned_share, remaining
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity
from schemas.events import Event, MilestoneReached

NAME = "focus-shift"
"""Its latch holds the milestones cued as behind plan."""

BEHIND_MARGIN = 0.25
"""A milestone is behind when its done share trails the planned share by more than this."""


def behind(state: EnsembleState) -> set[str]:
    return state.latched.get(NAME, set())


def critical_path(state: EnsembleState, plan: Plan) -> list[str]:
    """The chain of unreached milestones with the most remaining work, first to last.

    Ties keep the current path, so equal chains do not flip focus back and forth."""
    current = set(state.critical_path)

    def weight(milestone_id: str) -> tuple[int, bool, str]:
        return cost[milestone_id], milestone_id in current, milestone_id

    cost: dict[str, int] = {}
    previous: dict[str, str | None] = {}
    for milestone_id in plan.order:
        work = remaining(state, plan, milestone_id)
        if work == 0 and milestone_id in state.reached:
            continue
        best: str | None = None
        for dep in plan.milestones[milestone_id].depends_on:
            if dep in cost and (best is None or weight(dep) > weight(best)):
                best = dep
        cost[milestone_id] = work + (cost[best] if best else 0)
        previous[milestone_id] = best
    if not cost:
        return []
    tail: str | None = max(cost, key=weight)
    path: list[str] = []
    while tail is not None:
        path.append(tail)
        tail = previous[tail]
    return path[::-1]


def check_critical_path(state: EnsembleState, plan: Plan) -> Effects:
    """`focus-shift` when a milestone joins the critical path in place of another."""
    old = [m for m in state.critical_path if m not in state.reached]
    new = critical_path(state, plan)
    state.critical_path = new
    joined = [m for m in new if m not in old]
    left = [m for m in old if m not in new]
    if not joined or not left:
        return NOTHING
    target = plan.milestones[joined[0]]
    reason = (
        f"The critical path now runs through '{target.title}' instead of "
        f"'{plan.milestones[left[0]].title}': shift focus from '{left[0]}' to '{target.id}'."
    )
    draft = CueDraft(
        kind=CueKind.FOCUS_SHIFT,
        to=f"section:{target.section}",
        subject=target.id,
        window=f"path@{state.now}",
        severity=Severity.INFO,
        reason=reason,
        caused_by=progress_causes(state),
    )
    return (draft,)


def _check_behind(state: EnsembleState, plan: Plan, milestone_id: str) -> CueDraft | None:
    if milestone_id in state.reached:
        return None
    planned = planned_share(state, plan, milestone_id)
    done = done_share(state, plan, milestone_id)
    if planned - done <= BEHIND_MARGIN:
        release(state, NAME, milestone_id)
        return None
    if not latch(state, NAME, milestone_id):
        return None
    milestone = plan.milestones[milestone_id]
    source = _busiest_other(state, milestone.section, milestone_id)
    reason = (
        f"'{milestone.title}' is behind plan: {done:.0%} done where the plan expects "
        f"{planned:.0%} by now. Shift focus from {source} to '{milestone_id}'."
    )
    return CueDraft(
        kind=CueKind.FOCUS_SHIFT,
        to=f"section:{milestone.section}",
        subject=milestone_id,
        window=f"behind@{state.now}",
        severity=Severity.WARN,
        reason=reason,
        caused_by=progress_causes(state),
    )


def _busiest_other(state: EnsembleState, section: str, milestone_id: str) -> str:
    counts: dict[str, int] = {}
    for task in state.tasks.values():
        if task.section == section and task.milestone != milestone_id:
            counts[task.milestone] = counts.get(task.milestone, 0) + 1
    if not counts:
        return "new work"
    return f"'{max(counts, key=lambda m: (counts[m], m))}'"


class FocusShift(Rule):
    def on_start(self, state: EnsembleState, plan: Plan, revision: bool) -> Effects:
        state.critical_path = critical_path(state, plan)
        return NOTHING

    def on_cycle(self, state: EnsembleState, plan: Plan, index: int) -> Effects:
        drafts: list[Effect] = []
        for milestone_id in plan.order:
            draft = _check_behind(state, plan, milestone_id)
            if draft is not None:
                drafts.append(draft)
        drafts += check_critical_path(state, plan)
        return drafts

    def on_event(self, state: EnsembleState, plan: Plan, event: Event, at: int) -> Effects:
        """A milestone reached is no longer behind, and the critical path may move."""
        release(state, NAME, cast(MilestoneReached, event).data.milestone)
        return check_critical_path(state, plan) if state.started else NOTHING


RULE = FocusShift(name=NAME, kinds=(CueKind.FOCUS_SHIFT,), order=40, events=("milestone.reached",))
