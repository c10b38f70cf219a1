"""An ensemble whose state is gone, rebuilt from the events topic, which is the log.

A worker that meets an ensemble with no state in the table cannot tell from the table
alone whether its score was never published or its state was lost: a changelog cut short
or deleted by retention, a snapshot it cannot read (another layout after an upgrade, a
broken one). The events topic keeps everything (`retention.ms=-1`), so it answers. From
where the worker began reading the partition (its group's commit) it handled every event
itself, and would hold the ensemble had its score been published there; so it reads the
partition from its start up to that offset, looking for the ensemble's score. Never
published: the core refuses the event as before. Published: its events up to there are
folded afresh, exactly as a clean replay folds them, and the worker goes on from that
state (a fresh group starting at offset 0 reads nothing).

Each partition is read at most once per worker for the index of scores (later
assignments read on from where the last read stopped); only an ensemble that turns out to
need a rebuild is read again, from its first score on. The cues of the refolded events
are not sent again: they are before the partition's committed offset, so the broker had
them before that offset was committed.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from conductor.core import EnsembleEngine
from streams.fold import check
from streams.topics import bootstrap

_SCORE_TYPE = b"score.published"


@dataclass
class Refolded:
    """An ensemble folded afresh from the log: its engine, its applied ids in order, and
    how many of its messages were read."""

    engine: EnsembleEngine
    ids: list[str]
    messages: int


@dataclass
class _ScoreIndex:
    read_to: int = 0
    """Offsets before this one are indexed."""
    first_score: dict[bytes, int] = field(default_factory=dict)
    """Key -> the offset of its first message that may publish a score."""


class EventLog:
    """Reading one partition of the events topic back, outside the worker's consumer group."""

    def __init__(self, broker: str, topic: str) -> None:
        self.broker = broker
        self.topic = topic
        self._indexes: dict[int, _ScoreIndex] = {}

    async def first_score(self, partition: int, key: bytes, before: int) -> int | None:
        """The offset of the key's first score publication before `before`, if any."""
        index = self._indexes.setdefault(partition, _ScoreIndex())
        if index.read_to < before:
            async for record in self.records(partition, index.read_to, before):
                if record.key is not None and _may_publish_a_score(record.value):
                    index.first_score.setdefault(record.key, record.offset)
            index.read_to = before
        found = index.first_score.get(key)
        return found if found is not None and found < before else None

    async def refold(
        self, partition: int, ensemble: str, start: int, before: int
    ) -> Refolded | None:
        """The ensemble folded from its messages in [start, before), None if that gives it
        no score (every one it published was refused)."""
        engine = EnsembleEngine.new(ensemble)
        key = ensemble.encode()
        ids: list[str] = []
        count = 0
        async for record in self.records(partition, start, before):
            if record.key != key:
                continue
            count += 1
            checked = check(record.key, record.value)
            if isinstance(checked, str):
                continue
            if not engine.has_score and checked.type != "score.published":
                continue  # refused as the worker refused it: no score yet
            outcome = engine.apply(checked)
            if outcome.accepted:
                ids.append(outcome.event_id)
        return Refolded(engine, ids, count) if engine.has_score else None

    async def committed(self, group: str, partition: int) -> int:
        """The group's committed offset of the partition, or where a partition never
        committed is read from: its start (`streams.rewind`)."""
        tp = TopicPartition(self.topic, partition)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(self.broker),
            group_id=group,  # only to read its commit: it never joins
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            committed: int | None = await consumer.committed(tp)
            if committed is None:
                committed = (await consumer.beginning_offsets([tp]))[tp]
            return committed
        finally:
            await consumer.stop()

    async def records(self, partition: int, start: int, before: int) -> AsyncIterator[Any]:
        """The partition's records with offsets in [start, before), in order (those of
        committed transactions only)."""
        tp = TopicPartition(self.topic, partition)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(self.broker),
            enable_auto_commit=False,
            group_id=None,
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            consumer.assign([tp])
            consumer.seek(tp, start)
            while await consumer.position(tp) < before:
                batches = await consumer.getmany(tp, timeout_ms=1000, max_records=10_000)
                for record in batches.get(tp, []):
                    if record.offset >= before:
                        return
                    yield record
        finally:
            await consumer.stop()


def _may_publish_a_score(value: bytes | None) -> bool:
    """Whether the message is (or may be) a `score.published` event: cheap, and never
    wrong about one that is (the refold decides)."""
    if value is None or _SCORE_TYPE not in value:
        return False
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "score.published"
