"""Cue batches on a real broker: every cue delivered once, in order, where Kafka's default
partitioner puts its key."""

import asyncio
import uuid
from typing import Any

from aiokafka.partitioner import murmur2

from streams.cuebatches import CueBatches
from streams.cuereader import read_records
from streams.topics import bootstrap, ensure_topics

PARTITIONS = 4


def _sent_and_read(broker: str, items: list[tuple[bytes, bytes]]) -> list[Any]:
    topic = f"cues-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(broker, [topic], PARTITIONS))

    async def scenario() -> list[Any]:
        batches = CueBatches(bootstrap(broker), topic)
        await batches.start()
        try:
            deliveries = [batches.add(key, value) for key, value in items]
            await asyncio.gather(*deliveries)
        finally:
            await batches.stop()
        return [record async for record in read_records(broker, topic)]

    return asyncio.run(scenario())


def _expected_partition(key: bytes) -> int:
    partition: int = (murmur2(key) & 0x7FFFFFFF) % PARTITIONS
    return partition


def test_cues_arrive_once_in_order_in_their_key_s_partition(kafka_broker: str) -> None:
    # 1 KB values overflow aiokafka's 16 KB batches: several batches per partition
    items = [(f"team-{n % 7}".encode(), f"{n:05d}".encode() + b"x" * 1000) for n in range(300)]
    records = _sent_and_read(kafka_broker, items)
    assert sorted((r.key, r.value) for r in records) == sorted(items)
    for record in records:
        assert record.partition == _expected_partition(record.key)
    for key in {key for key, _ in items}:
        sent = [value for k, value in items if k == key]
        got = sorted(
            (r for r in records if r.key == key),
            key=lambda r: r.offset,
        )
        assert [r.value for r in got] == sent
