"""`breakdown`: at a cycle boundary, a commitment whose forecast probability fell below its
committed confidence (once per crossing; again only after it recovered). Keeps the latest
forecast of each commitment."""

from conductor.core.causes import progress_causes
from conductor.core.effects import CueDraft
from conductor.core.forecast import DAY, Trials
from conductor.core.hooks import Effects, Rule
from conductor.core.latch import latch, release
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity

NAME = "breakdown"
"""Its latch holds the commitments in breakdown."""


def in_breakdown(state: EnsembleState) -> set[str]:
    return state.latched.get(NAME, set())


def check_commitments(state: EnsembleState, plan: Plan) -> Effects:
    """A commitment exactly at its confidence is not in breakdown: the team committed to
    meeting it with that probability, and the forecast says it still does."""
    drafts = []
    days_left = {c.id: (c.by_end - state.now) // DAY for c in plan.commitments.values()}
    trials = Trials(state, plan, max(days_left.values(), default=0))
    for commitment in plan.commitments.values():
        probability = trials.probability(commitment.milestones, commitment.by_end)
        state.forecasts[commitment.id] = probability
        if probability >= commitment.confidence:
            release(state, NAME, commitment.id)
            continue
        if not latch(state, NAME, commitment.id):
            continue
        reason = (
            f"Commitment '{commitment.id}' is now forecast to be met with only "
            f"{probability:.0%} probability, below the committed "
            f"{commitment.confidence:.0%}: the team should re-plan scope, date or focus together."
        )
        drafts.append(
            CueDraft(
                kind=CueKind.BREAKDOWN,
                to=f"ensemble:{state.ensemble}",
                subject=commitment.id,
                window=f"breakdown@{state.now}",
                severity=Severity.CRITICAL,
                reason=reason,
                caused_by=progress_causes(state),
            )
        )
    return drafts


class Breakdown(Rule):
    def on_cycle(self, state: EnsembleState, plan: Plan, index: int) -> Effects:
        return check_commitments(state, plan)


RULE = Breakdown(name=NAME, kinds=(CueKind.BREAKDOWN,), order=50)
