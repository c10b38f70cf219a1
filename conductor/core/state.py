"""Per-ensemble state folded from the log: plain data, serializable to JSON and back."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from conductor.core.effects import Timer
from conductor.core.errors import ConductorError

FORMAT = 3
"""The layout `to_dict` writes; `from_dict` refuses another (a runtime then replays the log,
which is the truth, instead of restoring a snapshot it cannot read)."""

RECENT = 200
"""How many recent cycle times / decision latencies the figures keep per section."""


@dataclass(slots=True, init=False)
class Task:
    """A started task. (`__init__` written out, as in `conductor.core.outcome`: one is
    built per `task.started`.)"""

    milestone: str
    section: str
    started: int
    blocked_since: int | None
    blocked_by_event: str | None

    def __init__(
        self,
        milestone: str,
        section: str,
        started: int,
        blocked_since: int | None = None,
        blocked_by_event: str | None = None,
    ) -> None:
        self.milestone = milestone
        self.section = section
        self.started = started
        self.blocked_since = blocked_since
        self.blocked_by_event = blocked_by_event


@dataclass(slots=True, init=False)
class Decision:
    requested: int
    role: str
    event: str

    def __init__(self, requested: int, role: str, event: str) -> None:
        self.requested = requested
        self.role = role
        self.event = event


@dataclass(slots=True)
class PendingCue:
    """A cue folded into a digest because its recipient's daily budget was spent."""

    id: str
    kind: str
    subject: str
    severity: str
    caused_by: list[str]


@dataclass(slots=True, init=False)
class CueRecord:
    """A cue sent, remembered so that an acknowledgement, a snooze or the action it asked for
    can be told apart by kind and recipient (`conductor.core.answers`)."""

    kind: str
    to: str
    subject: str
    delivered: int
    """When sinks deliver it: its `at`, or the end of the quiet hours that held it."""
    awaits: str
    """The action that answers it (`milestone:<id>`, `task:<id>`, ...), or empty."""
    acknowledged: int | None
    snoozed: int | None
    acted: int | None

    def __init__(
        self,
        kind: str,
        to: str,
        subject: str,
        delivered: int,
        awaits: str,
        acknowledged: int | None = None,
        snoozed: int | None = None,
        acted: int | None = None,
    ) -> None:
        self.kind = kind
        self.to = to
        self.subject = subject
        self.delivered = delivered
        self.awaits = awaits
        self.acknowledged = acknowledged
        self.snoozed = snoozed
        self.acted = acted


@dataclass(slots=True, init=False)
class Efficacy:
    """How one kind of cue to one recipient was answered, over every cue of the log."""

    cues: int
    acknowledged: int
    snoozed: int
    ack_seconds: list[int]
    """From delivery to acknowledgement, the `RECENT` newest."""
    asked: int
    """Cues of the kind that ask for an action (an entry, a hold, a missed ceremony)."""
    followed: int
    follow_seconds: list[int]

    def __init__(
        self,
        cues: int = 0,
        acknowledged: int = 0,
        snoozed: int = 0,
        ack_seconds: list[int] | None = None,
        asked: int = 0,
        followed: int = 0,
        follow_seconds: list[int] | None = None,
    ) -> None:
        self.cues = cues
        self.acknowledged = acknowledged
        self.snoozed = snoozed
        self.ack_seconds = [] if ack_seconds is None else ack_seconds
        self.asked = asked
        self.followed = followed
        self.follow_seconds = [] if follow_seconds is None else follow_seconds


TimerEntry = tuple[int, int, int, Timer]
"""(instant, sequence number, score generation, timer): the deadline heap's order is by
instant, then by the order the timers were set."""


class StateFormatError(ConductorError, ValueError):
    """A snapshot of another state layout than this build's."""


@dataclass(slots=True)
class EnsembleState:
    ensemble: str
    format: int = FORMAT
    score: dict[str, Any] | None = None
    score_event: str | None = None
    generation: int = 0
    started: bool = False
    cycles_checked: int = 0
    """The last cycle boundary whose checks ran (a revision never runs one twice or skips one)."""
    now: int = 0
    seen: set[str] = field(default_factory=set)
    accepted: int = 0
    timers: list[TimerEntry] = field(default_factory=list)
    timer_seq: int = 0
    tasks: dict[str, Task] = field(default_factory=dict)
    completed_tasks: set[str] = field(default_factory=set)
    done: dict[str, int] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)
    wip: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    ceremonies: dict[str, list[int]] = field(default_factory=dict)
    cadence_reminded: dict[str, int] = field(default_factory=dict)
    cadence_checked: dict[str, int] = field(default_factory=dict)
    """The latest occurrence of each cadence reminded of / checked for."""
    cadence_due: dict[str, int] = field(default_factory=dict)
    cadence_held: dict[str, int] = field(default_factory=dict)
    daily_done: dict[str, dict[int, int]] = field(default_factory=dict)
    """Completed work items per section per day index (days since the score starts)."""
    cycle_times: dict[str, list[int]] = field(default_factory=dict)
    decision_latencies: list[int] = field(default_factory=list)
    last_progress_event: str | None = None
    critical_path: list[str] = field(default_factory=list)
    forecasts: dict[str, float] = field(default_factory=dict)
    experiments: dict[str, str] = field(default_factory=dict)
    assessments: dict[str, list[list[int]]] = field(default_factory=dict)
    concerns: dict[str, int] = field(default_factory=dict)
    latched: dict[str, set[str]] = field(default_factory=dict)
    """Per rule, the subjects it has cued and not yet released (`conductor.core.latch`)."""
    budget_day: dict[str, int] = field(default_factory=dict)
    budget_used: dict[str, int] = field(default_factory=dict)
    digests: dict[str, list[PendingCue]] = field(default_factory=dict)
    """Folded cues waiting for their digest, keyed by `recipient|day-ordinal`."""
    cue_records: dict[str, CueRecord] = field(default_factory=dict)
    """The newest cues sent, oldest first (`conductor.core.answers`)."""
    awaiting: dict[str, list[str]] = field(default_factory=dict)
    """Per action (`milestone:<id>`, ...), the remembered cues it would answer."""
    efficacy: dict[str, Efficacy] = field(default_factory=dict)
    """Per `kind|recipient`, how its cues were answered."""
    snoozes: dict[str, int] = field(default_factory=dict)
    """Per `kind|recipient|subject`, the instant before which it is not cued again."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict (sets become sorted lists, int keys become strings)."""
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, set):
                data[name] = sorted(value)
        data["latched"] = {rule: sorted(subjects) for rule, subjects in self.latched.items()}
        data["timers"] = [[*entry[:3], asdict(entry[3])] for entry in self.timers]
        data["daily_done"] = {
            section: {str(day): count for day, count in days.items()}
            for section, days in self.daily_done.items()
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], kinds: Mapping[str, StrEnum]) -> "EnsembleState":
        """The state `to_dict` wrote; `kinds` gives each timer kind's enum member back."""
        if data.get("format") != FORMAT:
            raise StateFormatError(
                f"state of {data.get('ensemble')!r} has layout {data.get('format', 1)}, "
                f"this build reads {FORMAT}"
            )
        state = cls(ensemble=data["ensemble"])
        for name in _SET_FIELDS:
            setattr(state, name, set(data[name]))
        for name in _PLAIN_FIELDS:
            setattr(state, name, data[name])
        state.latched = {rule: set(subjects) for rule, subjects in data["latched"].items()}
        state.timers = [
            (at, seq, generation, Timer(**{**timer, "kind": kinds[timer["kind"]]}))
            for at, seq, generation, timer in data["timers"]
        ]
        state.tasks = {key: Task(**value) for key, value in data["tasks"].items()}
        state.decisions = {key: Decision(**value) for key, value in data["decisions"].items()}
        state.digests = {
            key: [PendingCue(**cue) for cue in cues] for key, cues in data["digests"].items()
        }
        state.cue_records = {key: CueRecord(**value) for key, value in data["cue_records"].items()}
        state.efficacy = {key: Efficacy(**value) for key, value in data["efficacy"].items()}
        state.daily_done = {
            section: {int(day): count for day, count in days.items()}
            for section, days in data["daily_done"].items()
        }
        return state


_SET_FIELDS = ("seen", "completed_tasks")
_PLAIN_FIELDS = tuple(
    name
    for name in EnsembleState.__dataclass_fields__
    if name
    not in {
        *_SET_FIELDS,
        *("ensemble", "tasks", "decisions", "digests", "daily_done", "latched", "timers"),
        *("cue_records", "efficacy"),
    }
)
