"""What a rule asks the engine to do: send a cue, keep a deadline, record a measurement.

Rules return these as values; the engine applies them (the daily budget decides whether a
cue draft is sent or folded into a digest, a timer joins the deadline heap). Built with
keywords only, so a swapped argument cannot type-check, and frozen: every field is `Final`,
so mypy (strict on the core) refuses an assignment after construction. Not
`dataclass(frozen=True)`: mypyc builds those through the interpreted `__init__` the dataclass
generates, with a dict of keywords, 3-6 µs a timer against 0.1-0.3 µs for a written one
(measured on the compiled core; a busy fold makes one or two timers an event).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from schemas import CueKind, Severity


@dataclass(slots=True, init=False)
class CueDraft:
    """A cue before the budget has seen it; the engine gives it its id, time and score."""

    kind: Final[CueKind]
    to: Final[str]
    """The recipient key: `role:<id>`, `section:<id>` or `ensemble:<id>`."""
    subject: Final[str]
    window: Final[str]
    """With kind, subject and recipient, what makes the cue's id: a repeat in the same window
    is the same cue (an occurrence's instant, a cycle's number, the moment a crossing began)."""
    severity: Final[Severity]
    reason: Final[str]
    caused_by: Final[tuple[str, ...]]
    awaits: Final[str]
    """The action that answers the cue (`milestone:<id>`, `task:<id>`, `decision:<id>`,
    `cadence:<id>`), or empty: what cue efficacy watches for (`conductor.core.answers`)."""
    folded: Final[tuple[tuple[str, str, str, str], ...]]
    """A digest's held-back cues: (id, kind, subject, severity) each."""

    def __init__(
        self,
        *,
        kind: CueKind,
        to: str,
        subject: str,
        window: str,
        severity: Severity,
        reason: str,
        caused_by: tuple[str, ...],
        awaits: str = "",
        folded: tuple[tuple[str, str, str, str], ...] = (),
    ) -> None:
        self.kind = kind
        self.to = to
        self.subject = subject
        self.window = window
        self.severity = severity
        self.reason = reason
        self.caused_by = caused_by
        self.awaits = awaits
        self.folded = folded


@dataclass(slots=True, init=False)
class Timer:
    """A deadline: at `at`, the handler its rule registered for `kind` runs."""

    at: Final[int]
    kind: Final[StrEnum]
    """A member of the enum of deadlines the rule that set it declares."""
    subject: Final[str]
    stamp: Final[int]
    """What tells this deadline apart from others of the same subject: an occurrence's or a
    block's instant, a cycle's number. A handler that finds it outdated does nothing."""

    def __init__(self, *, at: int, kind: StrEnum, subject: str = "", stamp: int = 0) -> None:
        self.at = at
        self.kind = kind
        self.subject = subject
        self.stamp = stamp


class Measure(StrEnum):
    CYCLE_TIME = "cycle_time_seconds"
    DECISION_LATENCY = "decision_latency_seconds"


@dataclass(slots=True, init=False)
class Observation:
    """A measurement the event produced, for runtimes that export histograms. (`__init__`
    written out: mypyc compiles a written one, not the one `dataclass` generates.)"""

    measure: Measure
    section: str | None
    seconds: int

    def __init__(self, measure: Measure, section: str | None, seconds: int) -> None:
        self.measure = measure
        self.section = section
        self.seconds = seconds


Effect = CueDraft | Timer | Observation
