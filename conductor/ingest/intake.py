"""A request's events once read: those to apply (with the bytes the log keeps), those that
failed validation, and what was deliberately ignored (counted, never an error)."""

from dataclasses import dataclass, field
from enum import StrEnum

from conductor.ingest.answers import LineResult
from schemas import Event


class IgnoredKind(StrEnum):
    """Why something that arrived is no event: the `kind` label of
    `conductor_ingest_ignored_total`."""

    GITHUB_PING = "github-ping"
    GITHUB_EVENT = "github-event"
    """A GitHub event other than `issues` and `pull_request`."""
    GITHUB_ACTION = "github-action"
    """An action on an issue or pull request that changes nothing in the plan (edited, ...)."""
    GITHUB_REPOSITORY = "github-repository"
    """A repository no published score lists in `sources.github`."""
    GITHUB_ITEM = "github-item"
    """An issue or pull request whose milestone and labels map to no milestone."""


@dataclass(frozen=True)
class Ignored:
    kind: IgnoredKind
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "reason": self.reason}


@dataclass
class Intake:
    """Parallel lists, as the hot path reads them: `events[i]` came from line `numbers[i]`
    of the request, and `bodies[i]` is what the log keeps of it (the line as sent, for
    Conductor's own envelope; the translated event's JSON otherwise, never a raw payload)."""

    events: list[Event] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    invalid: list[LineResult] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)

    def add(self, number: int, event: Event, body: bytes) -> None:
        self.events.append(event)
        self.numbers.append(number)
        self.bodies.append(body)

    def valid_ids(self) -> list[tuple[int, str]]:
        return [(number, event.id) for number, event in zip(self.numbers, self.events, strict=True)]
