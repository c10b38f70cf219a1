"""A partition whose delivery stopped short of the broker's end is sought back to its next
offset.

Faust's delivery loop drops the rest of a fetched batch when something interrupts it (a
new generation, its flow stopped), while the consumer's position has already moved past
those messages. The worker notices the offsets missing at the partition's next message and
reads them from the broker (`streams.acks`); but when no next message comes (the end of
what was published, a quiet team) they wait for good: seen in the kill test on Apache
Kafka, a worker held a partition whose last 34 messages it never got, its commit 34 short
of the end, until the test gave up. So a partition that has had no event handed over for
`patience` seconds while the broker holds messages after its next offset is sought back
to that offset: Faust's fetch reads them again (any that were only slow come twice, and
the second time they are duplicates, applied once).
"""

from collections.abc import Iterable

PATIENCE = 5.0
"""Seconds a partition may wait at one offset with more on the broker. Long enough that
a busy worker working through another partition's backlog is not mistaken for a stall
(a needless seek costs a re-fetch, nothing else)."""


class StallWatch:
    """Where each partition's delivery stands, and since when."""

    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._waiting: dict[int, tuple[int, float]] = {}

    def stalled(self, partition: int, following: int, highwater: int, now: float) -> bool:
        """Whether the partition has been at `following` (the next offset to hand over)
        for `patience` seconds while the broker holds messages up to `highwater`; once
        told, it is told again only after another `patience`."""
        if highwater <= following:
            self._waiting.pop(partition, None)
            return False
        waiting = self._waiting.get(partition)
        if waiting is None or waiting[0] != following:
            self._waiting[partition] = (following, now)
            return False
        if now - waiting[1] < self.patience:
            return False
        self._waiting[partition] = (following, now)
        return True

    def forget(self, partitions: Iterable[int]) -> None:
        """Revoked partitions: their next assignment starts a fresh watch."""
        for partition in partitions:
            self._waiting.pop(partition, None)
