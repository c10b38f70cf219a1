"""Cues from drafts: deterministic ids, recipients, the validated `Cue` itself."""

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any

from conductor.core.effects import CueDraft
from conductor.core.plan import Plan
from conductor.core.timeutil import to_datetime
from schemas import Cue
from schemas.cue import Recipient, ToEnsemble, ToRole, ToSection

_validate_cue: Callable[[dict[str, Any]], Cue] = Cue.__pydantic_validator__.validate_python
"""`Cue.model_validate` without its Python wrapper (a quarter of the cost of building a cue)."""


def cue_id(ensemble: str, kind: str, subject: str, recipient: str, window: str) -> str:
    """Same (ensemble, kind, subject, recipient, window) -> same id, in every runtime."""
    key = f"{ensemble}|{kind}|{subject}|{recipient}|{window}".encode()
    return "cue-" + hashlib.blake2b(key, digest_size=10).hexdigest()


def draft_id(ensemble: str, draft: CueDraft) -> str:
    return cue_id(ensemble, draft.kind.value, draft.subject, draft.to, draft.window)


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


def build_cue(
    draft: CueDraft, identifier: str, ensemble: str, plan: Plan, at: int, delivered: int
) -> Cue:
    """The cue, with the score's timezone; `deliver_at` only when quiet hours hold it back,
    `folded` only on a digest."""
    fields: dict[str, Any] = {
        "id": identifier,
        "kind": draft.kind,
        "ensemble": ensemble,
        "score": plan.score.score,
        "to": recipient(draft.to),
        "subject": draft.subject,
        "at": to_datetime(at),
        "severity": draft.severity,
        "reason": draft.reason,
        "caused_by": list(draft.caused_by),
        "timezone": plan.score.timezone,
    }
    if delivered != at:
        fields["deliver_at"] = to_datetime(delivered)
    if draft.folded:
        fields["folded"] = [
            {"id": cue_id, "kind": kind, "subject": subject, "severity": severity}
            for cue_id, kind, subject, severity in draft.folded
        ]
    return _validate_cue(fields)
