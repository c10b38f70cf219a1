"""Reading `conductor.cues`: every cue once (deduplicated by id), up to the end or following."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import Cue
from streams.topics import bootstrap, partitions_of


async def read_cues(broker: str, topic: str, follow: bool = False) -> AsyncIterator[Cue]:
    """Cues from the start of the topic, each id once; stops at the end unless following."""
    seen: set[str] = set()
    async for value in read_topic(broker, topic, follow):
        cue = Cue.model_validate_json(value)
        if cue.id not in seen:
            seen.add(cue.id)
            yield cue


async def read_topic(broker: str, topic: str, follow: bool = False) -> AsyncIterator[bytes]:
    """Values from the beginning of every partition, without joining a consumer group."""
    async for record in read_records(broker, topic, follow):
        if record.value is not None:
            yield record.value


async def read_records(broker: str, topic: str, follow: bool = False) -> AsyncIterator[Any]:
    """aiokafka records (key, value, headers, partition, offset) from the beginning."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap(broker), enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        tps = await _partitions(broker, topic)
        while follow and not tps:  # the topic is created by the first worker or publisher
            await asyncio.sleep(1.0)
            tps = await _partitions(broker, topic)
        if not tps:
            return
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        while True:
            batches = await consumer.getmany(*tps, timeout_ms=200)
            for records in batches.values():
                for record in records:
                    yield record
            if not follow and await _reached_end(consumer, end):
                return
    finally:
        await consumer.stop()


async def _partitions(broker: str, topic: str) -> list[TopicPartition]:
    """From the cluster's metadata: the consumer's own knows only the topics it tracks, and
    knows none before it is assigned some (Apache Kafka answers aiokafka's bootstrap request
    for no topics with none)."""
    return [TopicPartition(topic, partition) for partition in await partitions_of(broker, topic)]


async def _reached_end(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return False
    return True
