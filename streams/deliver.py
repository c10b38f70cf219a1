"""`conductor deliver`: the cues topic to the sinks, routed, held for quiet hours, retried and
signed exactly as the embedded runtime's couriers do (`conductor.sinks`).

A consumer group reads the topic; every cue goes to the lane of each sink whose route takes
it. A lane sends its cues in order; one that quiet hours hold (its `deliver_at`) waits
without holding back the cues behind it, one that was refused is retried with backoff (the
cues behind it wait), and after the sink's last try it is recorded as failed. The progress
is the group's committed offsets: a partition's offset is committed once every sink is done
with every cue before it, so a crash or a rebalance delivers cues again (at least once),
each with the cue id as `webhook-id` for receivers to drop; within one run a cue that is in
the topic twice (a worker re-sent it) goes to each sink once.
"""

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from pydantic import ValidationError

from conductor.metrics.registry import Metrics
from conductor.sinks.build import Planned
from conductor.sinks.routing import due_at
from conductor.sinks.senders import Sink
from schemas import Cue
from streams.topics import bootstrap, partitions_of

log = logging.getLogger(__name__)

HELD_POLL_SECONDS = 1.0
"""While quiet hours hold cues back, how often a lane looks at its clock again."""
COMMIT_EVERY_SECONDS = 1.0
SEEN_PER_LANE = 100_000
"""Cue ids a lane remembers to send a repeated message once (bounded: an old repeat is
sent again, which `webhook-id` lets the receiver drop)."""


@dataclass
class Item:
    tp: TopicPartition
    offset: int
    cue_id: str
    kind: str
    body: bytes
    due: float
    read: float
    failures: int = 0
    next_try: float = 0.0


FAILED_KEPT = 10_000
"""Cues given up on that `GET /deliveries` lists (the newest; the metric counts them all)."""


class Book:
    """What `GET /deliveries` of `conductor deliver` answers, read from the web server's
    thread: each lane's cues not yet delivered (`pending`, or `held` by quiet hours) and the
    cues given up on since the process started (`failed`, with the last error)."""

    def __init__(self) -> None:
        self.lanes: list[Lane] = []
        self._failed: deque[dict[str, Any]] = deque(maxlen=FAILED_KEPT)
        self._lock = threading.Lock()

    def failed(self, sink: str, item: Item, error: BaseException) -> None:
        row = {
            "sink": sink,
            "cue": item.cue_id,
            "kind": item.kind,
            "status": "failed",
            "attempts": item.failures,
            "error": repr(error)[:500],
            "done": time.time(),
        }
        with self._lock:
            self._failed.appendleft(row)

    def rows(self, failed_only: bool, sink: str | None, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            found = [row for row in self._failed if sink in (None, row["sink"])]
        if not failed_only:
            for lane in self.lanes:
                if sink in (None, lane.sink.name):
                    found = lane.rows() + found
        return found[:limit]


@dataclass
class Progress:
    """Per partition: the offsets read whose cues some sink has not finished, and how far
    the partition was read. What may be committed is the first unfinished offset."""

    waiting: dict[TopicPartition, dict[int, int]] = field(default_factory=dict)
    read_to: dict[TopicPartition, int] = field(default_factory=dict)
    committed: dict[TopicPartition, int] = field(default_factory=dict)

    def read(self, tp: TopicPartition, offset: int, sinks: int) -> None:
        self.read_to[tp] = offset + 1
        if sinks:
            self.waiting.setdefault(tp, {})[offset] = sinks

    def done(self, tp: TopicPartition, offset: int) -> None:
        waiting = self.waiting.get(tp)
        if waiting is None or offset not in waiting:
            return  # its partition was revoked meanwhile
        waiting[offset] -= 1
        if not waiting[offset]:
            del waiting[offset]

    def committable(self, assigned: set[TopicPartition]) -> dict[TopicPartition, int]:
        """Offsets to commit now (those that moved since the last commit)."""
        found = {}
        for tp, read_to in self.read_to.items():
            if tp not in assigned:
                continue
            waiting = self.waiting.get(tp)
            offset = min(waiting) if waiting else read_to
            if self.committed.get(tp) != offset:
                found[tp] = offset
        return found

    def forget(self, tps: set[TopicPartition]) -> None:
        for tp in tps:
            self.waiting.pop(tp, None)
            self.read_to.pop(tp, None)
            self.committed.pop(tp, None)


class Lane:
    """One sink's cues, in the order they were read."""

    def __init__(
        self,
        plan: Planned,
        sink: Sink,
        progress: Progress,
        metrics: Metrics,
        now: Callable[[], float],
        book: Book | None = None,
    ) -> None:
        self.book = book or Book()
        self.plan = plan
        self.sink = sink
        self.progress = progress
        self.metrics = metrics
        self.now = now
        self.queue: list[Item] = []
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.wake = asyncio.Event()

    def put(self, item: Item) -> None:
        if item.cue_id in self.seen:
            self.progress.done(item.tp, item.offset)
            return
        self.seen[item.cue_id] = None
        if len(self.seen) > SEEN_PER_LANE:
            self.seen.popitem(last=False)
        self.queue.append(item)
        self.wake.set()

    def rows(self) -> list[dict[str, Any]]:
        """The cues waiting, newest first, as `GET /deliveries` lists them."""
        now = self.now()
        return [
            {
                "sink": self.sink.name,
                "cue": item.cue_id,
                "kind": item.kind,
                "status": "held" if item.due > now else "pending",
                "attempts": item.failures,
            }
            for item in reversed(list(self.queue))
        ]

    def drop(self, tps: set[TopicPartition]) -> None:
        """Partitions revoked: their cues are the next owner's to deliver."""
        self.queue = [item for item in self.queue if item.tp not in tps]

    async def run(self) -> None:
        while True:
            self.wake.clear()
            now = self.now()
            head = next((item for item in self.queue if item.due <= now), None)
            if head is None:
                await self._sleep(HELD_POLL_SECONDS if self.queue else None)
            elif head.next_try > time.time():
                await asyncio.sleep(head.next_try - time.time())
            else:
                await self._send(head)
            self.metrics.child(self.metrics.delivery_pending, self.sink.name).set(len(self.queue))

    async def _sleep(self, seconds: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)

    async def _send(self, item: Item) -> None:
        name = self.sink.name
        try:
            await self.sink.send(item.body)
        except Exception as error:  # any failure of a sink is retried, never fatal
            item.failures += 1
            self.metrics.child(self.metrics.delivery_failures, name).inc()
            delay = self.plan.retry.after(item.failures, error)
            if delay is not None:
                item.next_try = time.time() + delay
                return
            log.warning(
                "%s: cue %s failed after %d tries: %r", name, item.cue_id, item.failures, error
            )
            self.metrics.child(self.metrics.deliveries_failed, name).inc()
            self.book.failed(name, item, error)
        else:
            self.metrics.child(self.metrics.deliveries, name).inc()
            lag = max(0.0, time.time() - item.read)
            self.metrics.child(self.metrics.delivery_lag, name).observe(lag)
        self.queue.remove(item)
        self.progress.done(item.tp, item.offset)


@dataclass(frozen=True)
class DeliverConfig:
    broker: str
    topic: str
    app_id: str = "conductor-deliver"
    clock: str = "wall"
    """`wall`, `event` (the newest cue's time read), or an epoch second standing still."""


class Deliverer:
    """The consumer, the lanes and the commits of one `conductor deliver` process."""

    def __init__(
        self, config: DeliverConfig, plans: list[Planned], metrics: Metrics, book: Book
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.progress = Progress()
        self.newest = 0.0
        self.lanes = [
            Lane(plan, plan.open(), self.progress, metrics, self._clock(), book) for plan in plans
        ]
        book.lanes = self.lanes
        self.stopping = asyncio.Event()

    def _clock(self) -> Callable[[], float]:
        clock = self.config.clock
        if clock == "wall":
            return time.time
        if clock == "event":
            return lambda: self.newest
        fixed = float(clock)
        return lambda: fixed

    async def run(self) -> None:
        # The topic is created by the first worker: a subscription made before it exists
        # would learn of it only at the next metadata refresh (five minutes by default).
        while not await partitions_of(self.config.broker, self.config.topic):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 1.0)
            if self.stopping.is_set():
                return
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(self.config.broker),
            group_id=self.config.app_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=10_000,  # partitions added to the topic are read soon
        )
        await consumer.start()
        consumer.subscribe([self.config.topic], listener=_Revoked(self, consumer))
        lanes = [asyncio.ensure_future(lane.run()) for lane in self.lanes]
        try:
            committed_at = time.monotonic()
            while not self.stopping.is_set():
                batches = await consumer.getmany(timeout_ms=200)
                for tp, records in batches.items():
                    for record in records:
                        self._read(tp, record)
                if time.monotonic() - committed_at >= COMMIT_EVERY_SECONDS:
                    await self.commit(consumer)
                    committed_at = time.monotonic()
        finally:
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            with contextlib.suppress(
                Exception
            ):  # a broker gone at the end: the next run redelivers
                await self.commit(consumer)
            await consumer.stop()
            for lane in self.lanes:
                await lane.sink.close()

    def _read(self, tp: TopicPartition, record: Any) -> None:
        try:
            cue = Cue.model_validate_json(record.value)
        except (ValidationError, ValueError) as error:
            log.warning("%s[%d]@%d is not a cue: %s", tp.topic, tp.partition, record.offset, error)
            self.progress.read(tp, record.offset, 0)
            return
        self.newest = max(self.newest, cue.at.timestamp())
        taking = [lane for lane in self.lanes if lane.plan.route.takes(cue)]
        self.progress.read(tp, record.offset, len(taking))
        due = due_at(cue)
        for lane in taking:
            lane.put(
                Item(tp, record.offset, cue.id, cue.kind.value, record.value, due, time.time())
            )

    async def commit(self, consumer: AIOKafkaConsumer) -> None:
        offsets = self.progress.committable(consumer.assignment())
        if offsets:
            await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
            self.progress.committed.update(offsets)

    async def revoked(self, consumer: AIOKafkaConsumer, tps: set[TopicPartition]) -> None:
        with contextlib.suppress(Exception):  # the group moved on: the next owner redelivers
            await self.commit(consumer)
        for lane in self.lanes:
            lane.drop(tps)
        self.progress.forget(tps)


class _Revoked(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    def __init__(self, deliverer: Deliverer, consumer: AIOKafkaConsumer) -> None:
        self.deliverer = deliverer
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.deliverer.revoked(self.consumer, set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None


def run_deliver(config: DeliverConfig, plans: list[Planned], metrics: Metrics, book: Book) -> None:
    """Deliver until SIGTERM or SIGINT, then commit what is done and stop."""

    async def main() -> None:
        deliverer = Deliverer(config, plans, metrics, book)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, deliverer.stopping.set)
        await deliverer.run()

    asyncio.run(main())
