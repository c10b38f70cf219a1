"""One test's topics and consumer group on a broker, and real `conductor worker` processes
on them (no pytest here: `bench/` uses it too)."""

import asyncio
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from local_processes import free_port

from schemas import Cue
from streams.cuereader import read_topic
from streams.topics import bootstrap

CONDUCTOR = Path(sys.executable).parent / "conductor"
"""The installed command, run as a user runs it."""


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

    def assigned(self, port: int) -> set[int]:
        """The events partitions a worker reports lag for on its `/metrics`: its assignment
        (empty while its web server is not up)."""
        prefix = 'conductor_worker_consumer_lag_messages{partition="'
        try:
            names = self.metrics(port)
        except OSError:
            return set()
        return {int(name[len(prefix) :].split('"')[0]) for name in names if name.startswith(prefix)}

    def settled_assignment(
        self, ports: list[int], partitions: int = 4, timeout: float = 60.0
    ) -> list[set[int]]:
        """The workers' events partitions once each has some and together they have all
        (or when the time is up). A group settles through rebalances: until a worker has
        rejoined, it holds nothing and the other may hold everything (seen on Apache Kafka
        after "Heartbeat failed ... because it is rebalancing": every cue there, and one
        sample of the assignments was [set(), {0, 1, 2, 3}])."""
        deadline = time.monotonic() + timeout
        while True:
            assigned = [self.assigned(port) for port in ports]
            if all(assigned) and set().union(*assigned) == set(range(partitions)):
                return assigned
            if time.monotonic() > deadline:
                return assigned
            time.sleep(0.25)

    def uncommitted(self, partitions: int = 4) -> int:
        """Messages of the events topic after the worker group's committed offsets."""
        ends, committed = self.offsets(partitions)
        return sum(end - (committed[tp] or 0) for tp, end in ends.items())

    def committed(self, partitions: int = 4) -> dict[int, int | None]:
        """The worker group's committed offset of each events partition (None: none yet)."""
        return {tp: offset for tp, offset in self.offsets(partitions)[1].items()}

    def offsets(self, partitions: int = 4) -> tuple[dict[int, int], dict[int, int | None]]:
        """The end offset and the group's committed offset of each events partition."""

        async def read() -> tuple[dict[int, int], dict[int, int | None]]:
            probe = AIOKafkaConsumer(
                bootstrap_servers=bootstrap(self.broker),
                group_id=self.app_id,  # only to read its commits: it never joins
                enable_auto_commit=False,
            )
            await probe.start()
            try:
                tps = [TopicPartition(self.events, number) for number in range(partitions)]
                ends = await probe.end_offsets(tps)
                committed = {tp.partition: await probe.committed(tp) for tp in tps}
                return {tp.partition: end for tp, end in ends.items()}, committed
            finally:
                await probe.stop()

        return asyncio.run(read())

    def wait_until_all_committed(self, timeout: float = 60.0) -> None:
        """Until the worker group's committed offsets are at the end of the events topic."""
        deadline = time.monotonic() + timeout
        while (left := self.uncommitted()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not left, f"{left} events still uncommitted"
