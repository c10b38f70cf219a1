"""Which sinks take a cue, and when: routing by kind, recipient, ensemble and severity, and the
instant a cue is due (its `deliver_at` when quiet hours hold it back, else its `at`).

A digest takes the route of the cues it folded: a sink that routes `hold` cues gets the
digest that holds one, so the daily budget never hides a cue from the sink meant to get it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conductor.sinks.config import SinkConfig
from schemas import Cue, ToEnsemble, ToRole

SEVERITY_RANK = {"info": 0, "warn": 1, "critical": 2}


def recipient_key(cue: Cue) -> str:
    """`role:<id>`, `section:<id>` or `ensemble:<id>`."""
    to = cue.to
    if isinstance(to, ToRole):
        return f"role:{to.role}"
    if isinstance(to, ToEnsemble):
        return f"ensemble:{to.ensemble}"
    return f"section:{to.section}"


def due_at(cue: Cue) -> float:
    """Epoch seconds at which sinks deliver the cue."""
    return (cue.deliver_at or cue.at).timestamp()


@dataclass(frozen=True)
class Route:
    kinds: frozenset[str] | None = None
    to: frozenset[str] | None = None
    ensembles: frozenset[str] | None = None
    min_rank: int = 0

    @classmethod
    def of(cls, sink: SinkConfig) -> "Route":
        def kept(values: Iterable[str] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(values)

        return cls(
            kinds=kept(None if sink.kinds is None else (kind.value for kind in sink.kinds)),
            to=kept(sink.to),
            ensembles=kept(sink.ensembles),
            min_rank=SEVERITY_RANK[sink.min_severity.value],
        )

    def takes(self, cue: Cue) -> bool:
        if self.ensembles is not None and cue.ensemble not in self.ensembles:
            return False
        if self.to is not None and recipient_key(cue) not in self.to:
            return False
        if cue.folded and (self.kinds is None or "digest" not in self.kinds):
            return any(self._takes(f.kind.value, f.severity.value) for f in cue.folded)
        return self._takes(cue.kind.value, cue.severity.value)

    def _takes(self, kind: str, severity: str) -> bool:
        if SEVERITY_RANK[severity] < self.min_rank:
            return False
        return self.kinds is None or kind in self.kinds


EVERYTHING = Route()


class Router:
    """The sinks of a runtime, each with its route."""

    def __init__(self, routes: Sequence[tuple[str, Route]]) -> None:
        self.routes = tuple(routes)
        self.names = tuple(name for name, _ in self.routes)

    @classmethod
    def to_all(cls, names: Sequence[str]) -> "Router":
        return cls([(name, EVERYTHING) for name in names])

    def outbox(self, cue: Cue) -> list[tuple[str, float]]:
        """(sink, epoch seconds the cue is due) for every sink that takes it."""
        if not self.routes:
            return []
        due = due_at(cue)
        return [(name, due) for name, route in self.routes if route.takes(cue)]
