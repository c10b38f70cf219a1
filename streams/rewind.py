"""Seeking "back to the committed offset" must also work for a partition never committed.

Around a rebalance or the end of table recovery Faust discards messages it had already
fetched (they belong to the old generation, or the flow was stopped) and then relies on
seeking every partition back to its committed offset to read them again. aiokafka's
`seek_to_committed` leaves a partition without a committed offset where its fetcher
stands, past the discarded messages, so those events were silently skipped: a fresh
worker, or any partition before its first commit, could lose events at start-up (seen
here as a rare divergence from the rehearsal after a restart).

Such a partition goes back to its beginning instead, which is where a group without a
committed offset starts anyway (`auto_offset_reset=earliest`). Events the worker already
applied come again and are ignored by id, so the rest are applied in their order.
"""

from collections.abc import Mapping
from typing import Any, Protocol


class Seeker(Protocol):
    """The part of a Faust consumer this needs."""

    async def seek_to_committed(self) -> Mapping[Any, int | None]: ...

    async def earliest_offsets(self, *partitions: Any) -> Mapping[Any, int]: ...

    async def seek(self, partition: Any, offset: int) -> None: ...


def rewind_uncommitted(consumer: Seeker) -> None:
    """Make `consumer.seek_to_committed()` send partitions without a commit to the start."""
    seek_to_committed = consumer.seek_to_committed

    async def seek_to_committed_or_beginning() -> Mapping[Any, int | None]:
        committed = await seek_to_committed()
        never_committed = [tp for tp, offset in committed.items() if not offset]
        if never_committed:
            earliest = await consumer.earliest_offsets(*never_committed)
            for tp in never_committed:
                await consumer.seek(tp, earliest[tp])
        return committed

    # On this one instance, which Faust's own seeks go through.
    consumer.seek_to_committed = seek_to_committed_or_beginning  # type: ignore[method-assign]
