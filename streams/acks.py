"""What of a partition may be committed: every event up to the first one not done yet, in
offset order, whatever order they are done in; and which offsets were never handed over.

An event is done when the snapshot that covers it is on the broker (or at once when it is
a duplicate or dead-lettered), so the events of one partition are done out of order: each
ensemble's snapshot is written on its own schedule. Faust's consumer (faust-streaming
0.15.3) commits, per partition, the end of the first run of consecutive acknowledged
offsets, checked against the committed offset only loosely: not at all while the partition
has no commit (or its commit is 0), and off by one after that. It also counts offsets it
jumped over as done (its "gaps"), and its fetch loop can jump over a message around a
seek. Either way a commit passed events no snapshot held, and a worker killed then left
them to nobody: its successor started after them from a snapshot without them (seen on
Apache Kafka in the kill test, `tests/integration/kill_rounds.py`).

So the commit is decided here (`committable`, which the worker puts in place of Faust's
choice): up to the first event of the partition not done, in the order they were handed
over. And an event handed over after a jump in offsets tells the worker which offsets it
missed (`missed`), to read them from the broker before it goes on; so does the first
event after an assignment that is not at the committed offset (seen in the kill test: a
successor's first event was nine offsets past its group's commit, and a deadline fired
before the skipped `ceremony.held` was folded).
"""

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any


class Tracked:
    """One event of a partition, waiting for itself and the events before it to be done."""

    __slots__ = ("event", "is_done", "offset", "own", "queue")

    def __init__(self, event: Any, offset: int, queue: "_Partition", own: bool = True) -> None:
        self.event = event
        """Faust's event in hand (for a message the worker read itself, the one it was
        handling when it noticed the skip: of the same partition)."""
        self.own = own
        """Whether `event` is this message's own, to acknowledge to Faust once done."""
        self.offset = offset
        self.is_done = False
        self.queue = queue

    @property
    def revoked(self) -> bool:
        """Whether its partition was revoked since it was handed over."""
        return self.queue.closed

    def ack(self) -> bool:
        """Mark the event done; the partition's commit may pass it once every earlier event
        of the partition is done too."""
        self.is_done = True
        self.queue.release()
        return True


class _Partition:
    __slots__ = ("closed", "first", "following", "waiting")

    def __init__(self, first: int) -> None:
        self.waiting: deque[Tracked] = deque()
        self.closed = False
        self.first = first
        """The offset of the first event handed over since the partition was assigned."""
        self.following = first
        """The offset after the last one handed over."""

    def release(self) -> None:
        if self.closed:
            return  # revoked: the partition's next owner folds these events again
        waiting = self.waiting
        while waiting and waiting[0].is_done:
            done = waiting.popleft()
            if done.own:
                done.event.ack()  # Faust's own bookkeeping of unacknowledged messages

    def committable(self) -> int:
        return self.waiting[0].offset if self.waiting else self.following


class InOrderAcks:
    """The events this worker was handed, per partition, in offset order."""

    def __init__(self) -> None:
        self._partitions: dict[int, _Partition] = {}

    def missed(
        self, partition: int, offset: int, committed: int | None = None
    ) -> tuple[int, int] | None:
        """The offsets [start, end) between the last one handed over (or, for the first
        event since the partition was assigned, the group's `committed` offset, where its
        reading must start) and `offset`, if any: Kafka leaves no offsets out of a topic
        that is neither compacted nor transactional, so there the fetch skipped messages."""
        queue = self._partitions.get(partition)
        following = queue.following if queue is not None else committed
        return (following, offset) if following is not None and offset > following else None

    def track(self, partition: int, offset: int, event: Any, own: bool = True) -> Tracked:
        """Hand an event over. One before an offset handed over already (delivered again
        within the assignment) is tracked on its own, outside the order."""
        queue = self._partitions.get(partition)
        if queue is None:
            queue = self._partitions[partition] = _Partition(offset)
        elif offset < queue.following:
            queue = _Partition(offset)
        tracked = Tracked(event, offset, queue, own)
        queue.waiting.append(tracked)
        queue.following = offset + 1
        return tracked

    def committable(self, partition: int) -> int | None:
        """The offset the partition's commit may go up to (None: nothing handed over since
        it was assigned)."""
        queue = self._partitions.get(partition)
        return queue.committable() if queue is not None else None

    def drop(self, partitions: Iterable[int]) -> None:
        """Forget revoked partitions: what is done of them later is acknowledged no more."""
        for partition in partitions:
            queue = self._partitions.pop(partition, None)
            if queue is not None:
                queue.closed = True

    def assignment(self, partition: int) -> object | None:
        """A token of the partition's current assignment (another one after a revocation)."""
        return self._partitions.get(partition)

    def following(self, partition: int) -> int | None:
        """The offset after the last one handed over since the partition was assigned
        (None: none yet)."""
        queue = self._partitions.get(partition)
        return queue.following if queue is not None else None

    def first_offset(self, partition: int) -> int:
        """Where this worker began reading the partition since it was assigned (events
        before it were folded by earlier owners, or by this worker before a rebalance)."""
        return self._partitions[partition].first

    def waiting(self, partition: int) -> int:
        """Events of the partition handed over and not yet done (or behind one not done)."""
        queue = self._partitions.get(partition)
        return len(queue.waiting) if queue is not None else 0


def commit_what_is_done(consumer: Any, acks: InOrderAcks, topic: str) -> None:
    """Make the consumer commit `acks.committable` for the topic's partitions instead of
    what it reckons from its acknowledgements (on this one instance, which Faust's commits
    go through)."""
    reckon: Callable[[Any], int | None] = consumer._new_offset

    def committable(tp: Any) -> int | None:
        reckoned = reckon(tp)  # also trims Faust's list of acknowledged offsets
        return acks.committable(tp.partition) if tp.topic == topic else reckoned

    consumer._new_offset = committable
