"""Building cues: deterministic ids, plain-word reasons, the daily budget and its digest."""

import hashlib
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from conductor.core.state import PendingCue
from conductor.core.timeutil import to_datetime
from schemas import Cue, CueKind, Severity
from schemas.cue import Recipient, ToEnsemble, ToRole, ToSection

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine

_validate_cue: Callable[[dict[str, Any]], Cue] = Cue.__pydantic_validator__.validate_python
"""`Cue.model_validate` without its Python wrapper (a quarter of the cost of building a cue)."""

SEVERITY_RANK = {Severity.INFO.value: 0, Severity.WARN.value: 1, Severity.CRITICAL.value: 2}


def cue_id(ensemble: str, kind: str, subject: str, recipient: str, window: str) -> str:
    """Same (ensemble, kind, subject, recipient, window) -> same id, in every runtime."""
    key = f"{ensemble}|{kind}|{subject}|{recipient}|{window}".encode()
    return "cue-" + hashlib.blake2b(key, digest_size=10).hexdigest()


@cache
def recipient(key: str) -> Recipient:
    """`role:lead` -> ToRole(role="lead"): a cue's `to`. Remembered: recipients repeat, the
    models are frozen, and a validated one is taken as is when a cue is built."""
    kind, _, name = key.partition(":")
    return _RECIPIENTS[kind].model_validate({kind: name})


_RECIPIENTS: dict[str, type[ToRole | ToSection | ToEnsemble]] = {
    "role": ToRole,
    "section": ToSection,
    "ensemble": ToEnsemble,
}


def emit(
    engine: "EnsembleEngine",
    kind: CueKind,
    to: str,
    subject: str,
    window: str,
    severity: Severity,
    reason: str,
    caused_by: list[str],
) -> None:
    """Send a cue to `to` (a recipient key), or fold it into the day's digest past the budget."""
    state, plan = engine.state, engine.plan
    identifier = cue_id(state.ensemble, kind.value, subject, to, window)
    day, day_end = plan.local_day(state.now)
    if state.budget_day.get(to) != day:
        state.budget_day[to] = day
        state.budget_used[to] = 0
    if state.budget_used[to] < plan.cue_budget:
        state.budget_used[to] += 1
        engine.cues.append(_cue(engine, identifier, kind, to, subject, severity, reason, caused_by))
        return
    digest_key = f"{to}|{day}"
    if digest_key not in state.digests:
        state.digests[digest_key] = []
        engine.schedule(day_end, "digest", digest_key)
    folded = PendingCue(identifier, kind.value, subject, severity.value, caused_by)
    state.digests[digest_key].append(folded)


def send_digest(engine: "EnsembleEngine", digest_key: str) -> None:
    """At the end of the day, one digest carries every cue the budget held back."""
    folded = engine.state.digests.pop(digest_key, [])
    if not folded:
        return
    to, _, day_ordinal = digest_key.partition("|")
    day = date.fromordinal(int(day_ordinal)).isoformat()
    caused_by = list(dict.fromkeys([cause for cue in folded for cause in cue.caused_by]))
    severity = max((cue.severity for cue in folded), key=SEVERITY_RANK.__getitem__)
    listing = "; ".join(f"{cue.kind} on {cue.subject} ({cue.severity})" for cue in folded)
    noun = "cue was" if len(folded) == 1 else "cues were"
    reason = (
        f"{len(folded)} more {noun} held back on {day} because the daily budget of "
        f"{engine.plan.cue_budget} was spent: {listing}."
    )
    identifier = cue_id(engine.state.ensemble, CueKind.DIGEST.value, day, to, day)
    cue = _cue(engine, identifier, CueKind.DIGEST, to, day, Severity(severity), reason, caused_by)
    engine.cues.append(cue)


def _cue(
    engine: "EnsembleEngine",
    identifier: str,
    kind: CueKind,
    to: str,
    subject: str,
    severity: Severity,
    reason: str,
    caused_by: list[str],
) -> Cue:
    return _validate_cue(
        {
            "id": identifier,
            "kind": kind,
            "ensemble": engine.state.ensemble,
            "score": engine.plan.score.score,
            "to": recipient(to),
            "subject": subject,
            "at": to_datetime(engine.state.now),
            "severity": severity,
            "reason": reason,
            "caused_by": caused_by,
        }
    )


def progress_causes(engine: "EnsembleEngine") -> list[str]:
    """Cues of the plan cite the score that set it, and the latest progress event if any."""
    state = engine.state
    assert state.score_event is not None
    causes = [state.score_event]
    if state.last_progress_event is not None:
        causes.append(state.last_progress_event)
    return causes
