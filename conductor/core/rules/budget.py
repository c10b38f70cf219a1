"""The daily cue budget and its `digest`: each recipient gets at most `cue_budget_per_day` cues
a local day; past it, further cues are folded into one digest at the end of that day — never
dropped. The engine passes every draft but digests through `admit`."""

from datetime import date
from enum import StrEnum

from conductor.core.cues import draft_id
from conductor.core.effects import CueDraft, Timer
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState, PendingCue
from schemas import Cue, CueKind, Severity

SEVERITY_RANK = {Severity.INFO.value: 0, Severity.WARN.value: 1, Severity.CRITICAL.value: 2}


class BudgetDeadline(StrEnum):
    DIGEST = "digest"


def admit(state: EnsembleState, plan: Plan, draft: CueDraft) -> Timer | bool:
    """True: send the cue now. Else it is folded into its recipient's digest of the day:
    False, or the timer of that digest when it is the day's first folded cue."""
    to = draft.to
    day, day_end = plan.local_day(state.now)
    if state.budget_day.get(to) != day:
        state.budget_day[to] = day
        state.budget_used[to] = 0
    if state.budget_used[to] < plan.cue_budget:
        state.budget_used[to] += 1
        return True
    digest_key = f"{to}|{day}"
    folded = PendingCue(
        draft_id(state.ensemble, draft),
        draft.kind.value,
        draft.subject,
        draft.severity.value,
        list(draft.caused_by),
    )
    pending = state.digests.get(digest_key)
    if pending is not None:
        pending.append(folded)
        return False
    state.digests[digest_key] = [folded]
    return Timer(at=day_end, kind=BudgetDeadline.DIGEST, subject=digest_key)


def send_digest(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    """At the end of the day, one digest carries every cue the budget held back."""
    folded = state.digests.pop(timer.subject, [])
    if not folded:
        return NOTHING
    to, _, day_ordinal = timer.subject.partition("|")
    day = date.fromordinal(int(day_ordinal)).isoformat()
    caused_by = tuple(dict.fromkeys([cause for cue in folded for cause in cue.caused_by]))
    severity = max((cue.severity for cue in folded), key=SEVERITY_RANK.__getitem__)
    listing = "; ".join(f"{cue.kind} on {cue.subject} ({cue.severity})" for cue in folded)
    noun = "cue was" if len(folded) == 1 else "cues were"
    reason = (
        f"{len(folded)} more {noun} held back on {day} because the daily budget of "
        f"{plan.cue_budget} was spent: {listing}."
    )
    draft = CueDraft(
        kind=CueKind.DIGEST,
        to=to,
        subject=day,
        window=day,
        severity=Severity(severity),
        reason=reason,
        caused_by=caused_by,
        folded=tuple((cue.id, cue.kind, cue.subject, cue.severity) for cue in folded),
    )
    return (draft,)


def folded_count(digest: Cue) -> int:
    """How many cues a digest stands for: the count its reason begins with (`send_digest`
    writes it, this is the one place that reads it back)."""
    count, _, _ = digest.reason.partition(" ")
    return int(count)


class Budget(Rule):
    def on_deadline(self, state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
        return send_digest(state, plan, timer)


RULE = Budget(
    name="budget", kinds=(CueKind.DIGEST,), order=90, deadlines={BudgetDeadline.DIGEST: False}
)
