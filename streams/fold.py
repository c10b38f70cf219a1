"""Live engines per partition and when their state is snapshotted: no Faust in here.

Exactness after a crash rests on one rule: a source event is acknowledged (so its offset
may be committed) only once the broker has acknowledged a snapshot containing it in the
changelog, and every earlier event of its partition is acknowledged too (`streams.acks`);
a snapshot is written only after the cues of every event in it were acknowledged by the
broker. So:

* committed offset ⇒ the event is in a durable snapshot, and its cues are durable;
* an event processed but not yet in a snapshot is redelivered to whoever owns the
  partition next, folded again from the snapshot, and its cues sent again with the same
  ids (at-least-once; consumers dedupe by cue id).

Snapshots are written every `every` applied events of an ensemble or when its oldest
pending event is `after` seconds old, not on every event: each is a few messages to the
broker, and the events it covers wait for them (`streams.snapshots` has their layout).
"""

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime

from conductor.core import EnsembleEngine
from conductor.io.eventlog import parse_event
from schemas import Event
from streams.acks import Tracked


@dataclass
class Live:
    """One ensemble's engine on this worker, with what its next snapshot must cover."""

    engine: EnsembleEngine
    partition: int
    pending: list[Tracked] = field(default_factory=list)
    """Source events applied since the last snapshot, done when it is written (and then
    acknowledged in their partition's order, `streams.acks`)."""
    delivered: Awaitable[None] | None = None
    """The delivery of the last cue caused since the last snapshot (it resolves once the
    broker has that cue and every earlier one of the ensemble)."""
    dirty_since: float | None = None
    ticked: datetime | None = None
    """The newest deadline this worker appended a tick for."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while a snapshot waits for the broker, so snapshots are written in order."""
    unchunked_ids: list[str] = field(default_factory=list)
    """Ids of the applied events after the last full chunk of ids, in the order applied
    (see `streams.snapshots`)."""


def check(key: bytes | None, value: bytes) -> Event | str:
    """The event in a message, or why it is rejected (each problem names its field)."""
    parsed = parse_event(value)
    if isinstance(parsed, list):
        return "; ".join(str(problem) for problem in parsed)
    if key is not None and key != parsed.ensemble.encode():
        return (
            f"key: the message key {key.decode(errors='replace')!r} is not the event's "
            f"ensemble {parsed.ensemble!r} (events must be keyed by ensemble)"
        )
    return parsed


@dataclass
class SnapshotPolicy:
    every: int = 200
    """Snapshot an ensemble after this many applied events..."""
    after: float = 1.0
    """...or once its oldest unsnapshotted event is this many seconds old."""

    def full(self, live: Live) -> bool:
        return len(live.pending) >= self.every

    def due(self, live: Live, now: float) -> bool:
        if not live.pending:
            return False
        if self.full(live):
            return True
        return live.dirty_since is not None and now - live.dirty_since >= self.after


@dataclass
class LiveEngines:
    """The engines of the ensembles in this worker's partitions."""

    by_ensemble: dict[str, Live] = field(default_factory=dict)

    def get(self, ensemble: str) -> Live | None:
        return self.by_ensemble.get(ensemble)

    def add(self, ensemble: str, live: Live) -> Live:
        self.by_ensemble[ensemble] = live
        return live

    def drop_partitions(self, partitions: set[int]) -> list[str]:
        """Forget revoked partitions (their unsnapshotted events go to the next owner);
        returns the ensembles forgotten."""
        dropped = [name for name, live in self.by_ensemble.items() if live.partition in partitions]
        for ensemble in dropped:
            del self.by_ensemble[ensemble]
        return dropped
