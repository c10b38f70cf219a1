"""Kafka path speed: raw aiokafka, a bare Faust agent, the Conductor worker and two workers
sharing the partitions, on the same broker and topic contents (200,000 events of 100
ensembles), with each consumer's CPU time per event and the load average beside it (the
machine is shared: ratios measured in one run are what to compare).

Each consumer runs as its own group over the same topic; its rate is read from its
committed offsets, so process start-up and group joins are left out: steady, between the
moments it had committed a tenth and nine tenths of the stream, and whole, from its first
commit to its last. The steady rate decides b/a: the worker commits an ensemble's events
only after its next snapshot (every 200 of its events or 1 s), so its last commit trails
its last event by up to two seconds more than the bare agent's, which is latency, not
throughput. Writes its section of bench/RESULTS.md.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.results import core_build, record
from conductor.core.publication import publication_at_start
from conductor.io.scorefile import load_score
from conductor.rehearsal.simulate import simulate_team
from streams.publish import Message, publish
from streams.topics import bootstrap, ensure_topics

ENSEMBLES = 100
PER_ENSEMBLE = 2_000
PARTITIONS = 4
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))  # the tests' Kafka broker
from local_processes import free_port, start_local_broker, stop  # noqa: E402

CONDUCTOR = Path(sys.executable).parent / "conductor"


def kafka_version() -> str:
    """The broker's version, as `deploy/kafka/pom.xml` pins it."""
    pom = ElementTree.parse(ROOT / "deploy" / "kafka" / "pom.xml")
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    for dependency in pom.iterfind(".//m:dependency", ns):
        if dependency.findtext("m:artifactId", namespaces=ns) == "kafka_2.13":
            return dependency.findtext("m:version", default="?", namespaces=ns)
    return "?"


def events() -> list[Message]:
    """One simulated team's 2,000 events, cloned under 100 ensemble names, by time."""
    score = load_score(ROOT / "examples" / "score.yaml")
    team = [publication_at_start(score), *simulate_team(score, seed=1, days=3_000)]
    lines = [e.model_dump_json() for e in team[:PER_ENSEMBLE]]
    times = [e.occurred_at for e in team[:PER_ENSEMBLE]]
    out: list[tuple[object, int, Message]] = []
    for number in range(ENSEMBLES):
        name = f"team-{number:03d}"
        for index, line in enumerate(lines):
            value = line.replace('"harbor', f'"{name}').encode()
            out.append((times[index], number, (name.encode(), value)))
    out.sort(key=lambda item: (item[0], item[1]))
    return [message for _, _, message in out]


async def raw_rate(broker: str, topic: str, total: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap(broker),
        group_id="bench-raw",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        count, started = 0, None
        while count < total:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                started = started or time.perf_counter()
                count += len(records)
        return count / (time.perf_counter() - (started or time.perf_counter()))
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Rates:
    """A consumer group's events/s from its committed offsets."""

    steady: float
    """Between the moments it had committed a tenth and nine tenths of the stream."""
    whole: float
    """From its first commit to its last (its final commit interval included)."""


async def group_rates(
    process: subprocess.Popen[bytes], broker: str, group: str, topic: str, total: int
) -> Rates:
    """Watch the group's committed offsets (a consumer of that group that never joins it)."""
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap(broker), group_id=group)
    await probe.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        first: tuple[float, int] | None = None
        tenth: tuple[float, int] | None = None
        nine_tenths: tuple[float, int] | None = None
        while process.poll() is None:
            done = sum([await probe.committed(tp) or 0 for tp in tps])
            now = time.perf_counter()
            if done and first is None:
                first = (now, done)
            if done >= total / 10 and tenth is None:
                tenth = (now, done)
            if done >= total * 9 / 10 and nine_tenths is None:
                nine_tenths = (now, done)
            if done >= total and first and tenth and nine_tenths:
                return Rates(_rate(tenth, nine_tenths), _rate(first, (now, done)))
            await asyncio.sleep(0.25)
        raise RuntimeError(f"{group}: the consumer exited with {process.returncode}")
    finally:
        await probe.stop()


def _rate(start: tuple[float, int], end: tuple[float, int]) -> float:
    return (end[1] - start[1]) / (end[0] - start[0])


@dataclass(frozen=True)
class Measured:
    rates: Rates
    cpu_per_event: float
    """Seconds of CPU the consumer's processes spent, per event of the stream (start-up and
    group join included)."""


def measure(
    processes: list[subprocess.Popen[bytes]], broker: str, group: str, topic: str, total: int
) -> Measured:
    try:
        rates = asyncio.run(group_rates(processes[0], broker, group, topic, total))
        cpu = sum(_cpu_seconds(process.pid) for process in processes)
        return Measured(rates, cpu / total)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(broker: str, group: str, scratch: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(CONDUCTOR),
            "worker",
            "--broker",
            broker,
            "--app-id",
            group,
            "--clock",
            "event",
            "--short-timeouts",
            "--web-port",
            str(free_port()),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=scratch,  # Faust's data directory
    )


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main() -> None:
    scratch = tempfile.mkdtemp(prefix="bench-streams-")
    kafka, broker = start_local_broker(Path(scratch) / "kafka", subprocess.DEVNULL)
    try:
        topic = "conductor.events"
        step("generating events")
        messages = events()
        total = len(messages)
        asyncio.run(ensure_topics(broker, [topic], PARTITIONS))
        step(f"publishing {total:,} events")
        started = time.perf_counter()
        asyncio.run(publish(broker, topic, messages))
        produce = total / (time.perf_counter() - started)
        step("raw aiokafka")
        raw = asyncio.run(raw_rate(broker, topic, total))
        step("bare Faust agent")
        load = [os.getloadavg()[0]]
        bare = measure(
            [
                subprocess.Popen(
                    [
                        sys.executable,
                        str(ROOT / "bench" / "bare_faust.py"),
                        broker,
                        "bench-bare",
                        topic,
                        "worker",
                        "-l",
                        "info",  # not warn: Faust's spinner then sets the root logger to DEBUG
                        "--without-web",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    cwd=scratch,  # Faust's data directory
                )
            ],
            broker,
            "bench-bare",
            topic,
            total,
        )
        step("Conductor worker")
        load.append(os.getloadavg()[0])
        conductor = measure(
            [worker(broker, "bench-conductor", scratch)], broker, "bench-conductor", topic, total
        )
        step("two Conductor workers sharing the partitions")
        load.append(os.getloadavg()[0])
        two = measure(
            [worker(broker, "bench-two", scratch) for _ in range(2)],
            broker,
            "bench-two",
            topic,
            total,
        )
        load.append(os.getloadavg()[0])
    finally:
        stop(kafka, timeout=60)
    rows = [
        f"| produce (aiokafka, acks=all) | {produce:,.0f} | | |",
        f"| raw aiokafka consumer (ceiling) | {raw:,.0f} | | |",
    ]
    for label, measured in (
        ("(a) bare Faust agent: deserialize + count", bare),
        ("(b) Conductor worker (`--clock event`)", conductor),
        ("(c) two Conductor workers, one group", two),
    ):
        rates = measured.rates
        rows.append(
            f"| {label} | {rates.steady:,.0f} | {rates.whole:,.0f} "
            f"| {measured.cpu_per_event * 1e6:,.0f} |"
        )
    table = "\n".join(rows)
    ratio = conductor.rates.steady / bare.rates.steady
    body = (
        f"{total:,} events of {ENSEMBLES} ensembles, {PARTITIONS} partitions, Apache Kafka "
        f"{kafka_version()} (`deploy/kafka/local-broker`) on loopback, the broker on the same "
        f"machine; the workers on the {core_build()}.\n\n"
        "| consumer | events/s, steady | first to last commit | CPU µs per event |\n"
        f"| --- | ---: | ---: | ---: |\n{table}\n\n"
        f"b/a = {ratio:.2f} steady, target 0.8 {'met' if ratio >= 0.8 else 'NOT met'} "
        f"({conductor.rates.whole / bare.rates.whole:.2f} first to last commit); "
        f"c/b = {two.rates.steady / conductor.rates.steady:.2f}. The worker's own CPU per "
        f"event beyond the bare agent's: "
        f"{(conductor.cpu_per_event - bare.cpu_per_event) * 1e6:,.0f} µs. Load average "
        f"(1 min) before a, b, c and after: {', '.join(f'{x:.1f}' for x in load)}.\n"
    )
    record("Kafka path on Apache Kafka (`python -m bench.streams`)", body)
    print(body)


if __name__ == "__main__":
    main()
