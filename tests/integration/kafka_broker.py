"""A real Apache Kafka broker (`deploy/kafka/local-broker`, one per test session) and real
`conductor worker` processes for the stream tests."""

import asyncio
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from local_processes import free_port, start_local_broker, stop

from schemas import Cue
from streams.cuereader import read_topic

CONDUCTOR = Path(sys.executable).parent / "conductor"
"""The installed command, run as a user runs it."""


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


@dataclass
class Streams:
    """One test's topics (a fresh prefix) and consumer group (a fresh app id)."""

    broker: str
    prefix: str
    app_id: str
    logs: Path

    @property
    def events(self) -> str:
        return f"{self.prefix}events"

    @property
    def cues_topic(self) -> str:
        return f"{self.prefix}cues"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}deadletter"

    def command(self, name: str, *args: str) -> list[str]:
        """`conductor NAME` on this test's broker and topics, as a user would type it."""
        return [str(CONDUCTOR), name, "--broker", self.broker, "--prefix", self.prefix, *args]

    def start_worker(
        self,
        clock: str = "event",
        partitions: int = 4,
        snapshot_every: int = 200,
        store: str = "memory://",
        extra: tuple[str, ...] = (),
    ) -> tuple[subprocess.Popen[bytes], int]:
        """A real `conductor worker` process and the port of its `/metrics`."""
        port = free_port()
        log = self.logs / f"worker-{uuid.uuid4().hex[:6]}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    str(CONDUCTOR),
                    "worker",
                    "--broker",
                    self.broker,
                    "--app-id",
                    self.app_id,
                    "--prefix",
                    self.prefix,
                    "--partitions",
                    str(partitions),
                    "--clock",
                    clock,
                    "--snapshot-every",
                    str(snapshot_every),
                    "--store",
                    store,
                    "--web-port",
                    str(port),
                    "--short-timeouts",
                    "--loglevel",
                    "warning",
                    *extra,
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.logs,  # Faust keeps its data directory in the working directory
            )
        return process, port

    def all_cues(self) -> list[Cue]:
        """Every cue message in the topic, duplicates included."""

        async def collect() -> list[Cue]:
            return [
                Cue.model_validate_json(v) async for v in read_topic(self.broker, self.cues_topic)
            ]

        return asyncio.run(collect())

    def metrics(self, port: int) -> dict[str, float]:
        """A worker's `/metrics` samples, by name with labels."""
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            text = reply.read().decode()
        samples = (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
        return {name: float(value) for name, value in samples}

    def wait_for_cues(self, expected: set[str], timeout: float = 120.0) -> list[Cue]:
        """Poll the cues topic until every expected id is there (or the time is up)."""
        deadline = time.monotonic() + timeout
        cues = self.all_cues()
        while {cue.id for cue in cues} < expected and time.monotonic() < deadline:
            time.sleep(1.0)
            cues = self.all_cues()
        return cues


@pytest.fixture
def streams(kafka_broker: str, tmp_path: Path) -> Streams:
    tag = uuid.uuid4().hex[:8]
    return Streams(kafka_broker, f"t{tag}.", f"conductor-test-{tag}", tmp_path)
