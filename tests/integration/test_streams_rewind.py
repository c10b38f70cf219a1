"""Seeking back to the committed offset, on a real broker, with and without a commit."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.publish import publish
from streams.rewind import rewind_uncommitted
from streams.topics import bootstrap, ensure_topics


class SeeksLikeFaust:
    """The three seeks Faust's consumer offers, on a plain aiokafka consumer."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer

    async def seek_to_committed(self) -> Mapping[TopicPartition, int | None]:
        committed: Mapping[TopicPartition, int | None] = await self.consumer.seek_to_committed()
        return committed

    async def earliest_offsets(self, *partitions: TopicPartition) -> Mapping[TopicPartition, int]:
        earliest: Mapping[TopicPartition, int] = await self.consumer.beginning_offsets(
            list(partitions)
        )
        return earliest

    async def seek(self, partition: TopicPartition, offset: int) -> None:
        self.consumer.seek(partition, offset)


def test_a_partition_never_committed_goes_back_to_its_start(kafka_broker: str) -> None:
    topic = _topic_of_ten_messages(kafka_broker)

    async def scenario() -> tuple[int, int]:
        async with _consumer(kafka_broker, topic) as (consumer, tp):
            await _read(consumer, tp, 4)
            seeks = SeeksLikeFaust(consumer)
            await seeks.seek_to_committed()
            left_alone = await consumer.position(tp)  # what Faust relied on
            rewind_uncommitted(seeks)
            await seeks.seek_to_committed()
            return left_alone, (await consumer.getone()).offset

    left_alone, next_offset = asyncio.run(scenario())
    assert left_alone == 4, "aiokafka itself now rewinds: the wrapper may be dropped"
    assert next_offset == 0


def test_a_committed_partition_goes_back_to_its_commit_only(kafka_broker: str) -> None:
    topic = _topic_of_ten_messages(kafka_broker)

    async def scenario() -> int:
        async with _consumer(kafka_broker, topic) as (consumer, tp):
            await consumer.commit({tp: 3})
            consumer.seek(tp, 3)
            await _read(consumer, tp, 5)
            seeks = SeeksLikeFaust(consumer)
            rewind_uncommitted(seeks)
            await seeks.seek_to_committed()
            return int((await consumer.getone()).offset)

    assert asyncio.run(scenario()) == 3


def _topic_of_ten_messages(broker: str) -> str:
    topic = f"rewind-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(broker, [topic], 1))
    asyncio.run(publish(broker, topic, [(b"k", str(n).encode()) for n in range(10)]))
    return topic


@asynccontextmanager
async def _consumer(
    broker: str, topic: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, TopicPartition]]:
    """A consumer of a fresh group (no commits), assigned the topic's one partition."""
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap(broker),
        group_id=f"rewind-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        yield consumer, tp
    finally:
        await consumer.stop()


async def _read(consumer: AIOKafkaConsumer, tp: TopicPartition, count: int) -> None:
    """Read `count` messages, as a fetcher running ahead of a rebalance would have."""
    for _ in range(count):
        await consumer.getone(tp)
