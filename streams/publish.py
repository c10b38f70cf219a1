"""Feeding `conductor.events` from a team's tooling: validate, key by ensemble, publish."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from conductor.core.publication import publication_at_start
from conductor.io.eventlog import BadLine, read_events
from schemas import Event, Score
from streams.topics import bootstrap

Message = tuple[bytes | None, bytes]
"""A key (None for no key) and a value."""


@dataclass
class PublishReport:
    published: int
    bad_lines: list[BadLine]


def messages(score: Score | None, lines: Iterable[bytes], bad: list[BadLine]) -> Iterator[Message]:
    """The score's publication first (at its `starts`), then every valid line in order;
    invalid lines are appended to `bad` and not published."""
    if score is not None:
        yield _keyed(publication_at_start(score))
    for _, item in read_events(lines):
        if isinstance(item, BadLine):
            bad.append(item)
        else:
            yield _keyed(item)


def _keyed(event: Event) -> Message:
    return event.ensemble.encode(), event.model_dump_json().encode()


async def publish(broker: str, topic: str, items: Iterable[Message]) -> int:
    """Publish in order and wait until the broker acknowledged every message."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap(broker), acks="all", linger_ms=5)
    await producer.start()
    count = 0
    try:
        for key, value in items:
            await producer.send(topic, value, key=key)
            count += 1
        await producer.flush()
    finally:
        await producer.stop()
    return count


async def publish_log(
    broker: str, topic: str, score: Score | None, lines: Iterable[bytes]
) -> PublishReport:
    bad: list[BadLine] = []
    published = await publish(broker, topic, messages(score, lines, bad))
    return PublishReport(published, bad)
