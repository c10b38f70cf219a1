"""Cues go to the broker in batches of their own, below Faust's `Topic`.

Faust's `send_soon` builds a pending message and a future per cue, queues it for a task
that publishes it with sensors and callbacks: about 40 µs of the worker's time per event
on a cue-dense stream, more than folding the event that caused the cue. Here a cue is
appended to the open batch of its partition (aiokafka's batch builder, keyed and
partitioned as any Kafka client would) and every open batch is sent `linger` seconds after
the first cue went into it. Each append returns its batch's delivery, which resolves once
the broker has that batch and every earlier one of the partition: a snapshot awaits the
delivery of its ensemble's last cue, and is still written only once the broker has every
cue it covers.
"""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from mode import Service


@dataclass
class _OpenBatch:
    builder: Any  # aiokafka's BatchBuilder (untyped)
    after: "asyncio.Future[None] | None"
    """The delivery of the partition's previous batch, which this one's waits for."""
    delivered: "asyncio.Future[None]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class CueBatches(Service):
    """The producer of the cues topic, started and stopped with the Faust app."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        linger: float = 0.005,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.topic = topic
        self.linger = linger
        self._settings: dict[str, Any] = {"bootstrap_servers": bootstrap_servers, "acks": "all"}
        self._producer: AIOKafkaProducer | None = None
        self._partitioner = DefaultPartitioner()
        self._partitions: list[int] = []
        self._partition_of: dict[bytes, int] = {}
        self._open: dict[int, _OpenBatch] = {}
        self._latest: dict[int, asyncio.Future[None]] = {}
        self._sends: set[asyncio.Future[None]] = set()
        self._handing_over: dict[int, asyncio.Lock] = {}
        """Per partition: one batch at a time goes into aiokafka, in the order they closed."""

    async def on_start(self) -> None:
        self._producer = AIOKafkaProducer(**self._settings)  # wants the running loop
        await self._producer.start()
        self._partitions = sorted(await self._producer.partitions_for(self.topic))

    async def on_stop(self) -> None:
        if self._producer is not None:
            await self._flush()
            await self._producer.stop()

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("cue batches: the producer has not started")
        return self._producer

    def add(self, key: bytes, value: bytes) -> "asyncio.Future[None]":
        """Append a cue; the future resolves once the broker has acknowledged it."""
        partition = self._partition_of.get(key)
        if partition is None:
            partition = self._partition_of[key] = self._partition(key)
        batch = self._open.get(partition)
        if batch is None:
            batch = self._opened(partition)
        if batch.builder.append(key=key, value=value, timestamp=None) is None:  # full
            self._send(partition, self._open.pop(partition))
            batch = self._opened(partition)
            batch.builder.append(key=key, value=value, timestamp=None)
        return batch.delivered

    def _partition(self, key: bytes) -> int:
        """The partition any Kafka client's default partitioner picks for the key."""
        if not self._partitions:
            raise RuntimeError(f"cue batches: no partitions of {self.topic} known yet")
        partition: int = self._partitioner(key, self._partitions, self._partitions)
        return partition

    def _opened(self, partition: int) -> _OpenBatch:
        if not self._open:
            asyncio.get_running_loop().call_later(self.linger, self._flush_soon)
        batch = _OpenBatch(self.producer.create_batch(), self._latest.get(partition))
        self._open[partition] = batch
        self._latest[partition] = batch.delivered
        return batch

    def _flush_soon(self) -> None:
        self._in_background(self._flush())

    async def _flush(self) -> None:
        batches, self._open = self._open, {}
        for partition, batch in batches.items():
            await self._send_now(partition, batch)

    def _send(self, partition: int, batch: _OpenBatch) -> None:
        self._in_background(self._send_now(partition, batch))

    def _in_background(self, sending: Coroutine[Any, Any, None]) -> None:
        """Run a send in a task held here (the event loop keeps only weak references)."""
        task = asyncio.ensure_future(sending)
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _send_now(self, partition: int, batch: _OpenBatch) -> None:
        """Hand the batch to aiokafka once the partition's previous batch is in its queue.

        `send_batch` first awaits the topic's metadata, and while a partition has no leader
        (a new topic, a leader moving) that wait lets a later batch, say the linger flush of
        the last open one, overtake full batches still waiting: on Apache Kafka cues of one
        key arrived out of order. An asyncio lock wakes its waiters first come, first served.
        """
        lock = self._handing_over.setdefault(partition, asyncio.Lock())
        try:
            async with lock:
                sent = await self.producer.send_batch(
                    batch.builder, self.topic, partition=partition
                )
        except Exception as error:  # the snapshot waiting on these cues fails, unacked
            _settle(batch, error)
            return
        sent.add_done_callback(lambda done: _settle(batch, _failure(done)))


def _failure(done: "asyncio.Future[Any]") -> BaseException | None:
    if done.cancelled():
        return RuntimeError("the send of a batch of cues was cancelled")
    return done.exception()


def _settle(batch: _OpenBatch, error: BaseException | None) -> None:
    """Report the batch delivered (or failed) once its partition's previous batch is, so
    that a delivery also vouches for every earlier cue of the partition."""
    previous = batch.after
    if previous is not None:
        if not previous.done():
            previous.add_done_callback(lambda _: _settle(batch, error))
            return
        if error is None:
            error = _failure(previous)
    batch.after = None
    if error is None:
        batch.delivered.set_result(None)
    else:
        batch.delivered.set_exception(error)
