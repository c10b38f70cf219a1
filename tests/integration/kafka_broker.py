"""A real Apache Kafka broker (`deploy/kafka/local-broker`, one per test session) and real
`conductor worker` processes for the stream tests."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_processes import start_local_broker, stop
from streams_env import CONDUCTOR, Streams

__all__ = ["CONDUCTOR", "Streams", "kafka_broker", "streams"]


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kafka://127.0.0.1:PORT` of an Apache Kafka broker started for this test session.

    Its warnings are in `kafka/storage/broker.log` under the session's tmp dir, its stderr
    in `kafka/local-broker.stderr`."""
    scratch = tmp_path_factory.mktemp("kafka")
    with (scratch / "local-broker.stderr").open("wb") as output:
        process, url = start_local_broker(scratch / "storage", output)
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture
def streams(kafka_broker: str, tmp_path: Path) -> Streams:
    tag = uuid.uuid4().hex[:8]
    return Streams(kafka_broker, f"t{tag}.", f"conductor-test-{tag}", tmp_path)
