"""One contract, every runtime: the same events in give the same cues, rejections, ticks and
metrics out — from the embedded runtime over HTTP and from a Kafka worker on the broker.

Written once and run against each runtime, in the manner of a persistence contract suite:
each side is driven as a user drives it (events posted, then read back from `/cues`, the
log and `/metrics`; or events published, then read back from the cues, dead-letter and
events topics and the worker's `/metrics`), with the same clock: standing still after the
log's end, so each ensemble gets exactly one tick, a second before that instant, and the
cues are a rehearsal's up to then.
"""

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import orjson
import pytest
from kafka_broker import Streams
from local_processes import free_port, stop
from prometheus_client import CollectorRegistry, generate_latest
from runtime_servers import InProcessRuntime, wait_for
from streams_logs import as_lines, example_log, rehearsed

from conductor.core import tick_for
from conductor.io.eventlog import parse_event
from conductor.metrics.catalogue import CATALOGUE, WHOLE
from conductor.metrics.registry import build_metrics
from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock
from conductor.session.ensembles import Session
from schemas import Cue
from streams.cuereader import read_records
from streams.publish import Message, publish
from streams.topics import ensure_topics

JSON = {"Content-Type": "application/json"}
MIN_GROUP_SIZE = 4
"""Above the example's `quality` section (size 3): both must show it rolled up."""
END = datetime.fromisoformat("2026-05-20T00:00:00+00:00")
"""Where both clocks stand, after the example log's last event."""

REFUSED = [
    b'{"id": "ghost-start", "type": "task.started", "ensemble": "harbor",'
    b' "occurred_at": "2026-05-12T10:00:00Z", "data": {"task": "g-1", "milestone": "ghost"}}',
    b'{"id": "nobody", "type": "task.started", "ensemble": "nowhere",'
    b' "occurred_at": "2026-05-12T10:00:00Z", "data": {"task": "n-1", "milestone": "m"}}',
]
"""Valid events the core refuses: an unknown milestone; an ensemble without a score."""
INVALID = [
    b'{"id": "broken", "type": "task.started"',
    b'{"id": "naive", "type": "ceremony.held", "ensemble": "harbor",'
    b' "occurred_at": "2026-05-10T09:30:00", "data": {"cadence": "standup"}}',
    b'{"id": "no-such-type", "type": "task.finished", "ensemble": "harbor",'
    b' "occurred_at": "2026-05-10T09:30:00Z", "data": {}}',
]
"""Lines that are no valid event (each sent on its own: one refuses a whole HTTP batch)."""

SHARED_COUNTS = ("conductor_cues_total", "conductor_events_accepted_total",
                 "conductor_events_rejected_total", "conductor_cycle_time_seconds",
                 "conductor_decision_latency_seconds")  # fmt: skip
"""What both count besides the figure gauges. Not the log offset, deliveries and worker
gauges, each runtime's own; nor duplicates: Kafka may deliver a message again (at least
once), which the worker counts as a duplicate and applies once."""
FIGURES = tuple(spec.name for spec in CATALOGUE if spec.figure)


@dataclass(frozen=True)
class Observed:
    cues: dict[str, str]
    """Cue id -> the cue's JSON (each id once)."""
    rejections: dict[bytes, str]
    """The line sent -> the problems named."""
    ticks: set[str]
    metrics: dict[str, float]
    ensembles: int
    """How many ensembles the runtime keeps an engine for."""


class Runtime(Protocol):
    def observe(self, log: list[bytes], expected: list[Cue]) -> Observed:
        """Send `log`, then each of INVALID, and read back what came out (waiting until the
        `expected` cues are out, where results come asynchronously)."""
        ...


def comparable(samples: dict[str, float]) -> dict[str, float]:
    kept = (*SHARED_COUNTS, *FIGURES)
    return {
        name: value
        for name, value in samples.items()
        if name.split("{")[0].removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
        in kept
    }


def samples_of(text: str) -> dict[str, float]:
    rows = (line.rsplit(" ", 1) for line in text.splitlines() if line and line[0] != "#")
    return {name: float(value) for name, value in rows}


def cue_json(cue: dict[str, Any]) -> str:
    return Cue.model_validate(cue).model_dump_json()


class Embedded:
    """`conductor run` in-process, its clock injected, over real HTTP."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "contract.db"
        values = {"db": self.db, "port": free_port(), "stdout": False}
        self.settings = Settings.model_validate({**values, "min_group_size": MIN_GROUP_SIZE})

    def observe(self, log: list[bytes], expected: list[Cue]) -> Observed:
        with InProcessRuntime(self.settings, ScaledClock(END, speed=0)) as server:
            ndjson = {"Content-Type": "application/x-ndjson"}
            batch = httpx.post(f"{server.url}/events", content=b"\n".join(log), headers=ndjson)
            answers = [(log[r["line"] - 1], r) for r in batch.json()["results"]]
            for line in INVALID:
                single = httpx.post(f"{server.url}/events", content=line, headers=JSON)
                answers += [(line, result) for result in single.json()["results"]]
            rejections = {
                line: "; ".join(f"{p['path']}: {p['message']}" for p in result["problems"])
                for line, result in answers
                if result["status"] == "rejected"
            }
            cues = self._cues(server.url)
            metrics = samples_of(httpx.get(f"{server.url}/metrics").text)
            ensembles = len(server.runtime.session.engines)
        with sqlite3.connect(self.db) as db:
            entries = [orjson.loads(row[0]) for row in db.execute("SELECT body FROM events")]
        ticks = {entry["id"] for entry in entries if entry["type"] == "clock.tick"}
        return Observed(cues, rejections, ticks, comparable(metrics), ensembles)

    @staticmethod
    def _cues(url: str) -> dict[str, str]:
        found: dict[str, str] = {}
        since = 0
        while True:
            page = httpx.get(f"{url}/cues", params={"since": since, "limit": 500}).json()
            found |= {cue["id"]: cue_json(cue) for cue in page["cues"]}
            if page["next"] == since:
                return found
            since = page["next"]


class OnKafka:
    """A `conductor worker` process on the broker, its clock given on the command line."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams

    def observe(self, log: list[bytes], expected: list[Cue]) -> Observed:
        streams = self.streams
        topics = [streams.events, streams.cues_topic, streams.deadletter]
        asyncio.run(ensure_topics(streams.broker, topics, 4))
        messages: list[Message] = [(_ensemble_key(line), line) for line in [*log, *INVALID]]
        asyncio.run(publish(streams.broker, streams.events, messages))
        worker, port = streams.start_worker(
            clock=END.isoformat(), extra=("--min-group-size", str(MIN_GROUP_SIZE))
        )
        rejected = len(INVALID) + len(REFUSED)
        try:
            wait_for(
                lambda: (
                    self._read().keys() >= {cue.id for cue in expected}
                    and len(self._dead_letters()) == rejected
                    and len(self._ticks()) == len({cue.ensemble for cue in expected})
                ),
                timeout=180,
                what="every cue, dead letter and tick",
            )
            metrics = streams.metrics(port)
        finally:
            stop(worker)
        held = int(metrics["conductor_worker_ensembles"])
        return Observed(
            self._read(), self._dead_letters(), self._ticks(), comparable(metrics), held
        )

    def _records(self, topic: str) -> list[Any]:
        async def collect() -> list[Any]:
            return [record async for record in read_records(self.streams.broker, topic)]

        return asyncio.run(collect())

    def _read(self) -> dict[str, str]:
        cues = (Cue.model_validate_json(r.value) for r in self._records(self.streams.cues_topic))
        return {cue.id: cue.model_dump_json() for cue in cues}

    def _dead_letters(self) -> dict[bytes, str]:
        found = self._records(self.streams.deadletter)
        return {record.value: dict(record.headers)["reason"].decode() for record in found}

    def _ticks(self) -> set[str]:
        values = (r.value for r in self._records(self.streams.events))
        return {orjson.loads(v)["id"] for v in values if b'"type":"clock.tick"' in v}


def _ensemble_key(line: bytes) -> bytes | None:
    """Keyed as a publisher keys events (by ensemble); a line that is no JSON object: none."""
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    ensemble = parsed.get("ensemble") if isinstance(parsed, dict) else None
    return ensemble.encode() if isinstance(ensemble, str) else None


@pytest.fixture(params=["embedded", "kafka"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    if request.param == "embedded":
        yield Embedded(tmp_path)
    else:
        yield OnKafka(request.getfixturevalue("streams"))


@pytest.fixture(scope="module")
def contract() -> tuple[list[bytes], list[Cue]]:
    """The example log with two refused events in it, and the cues a rehearsal gives up to
    one second before END (where the tick each runtime appends fires deadlines up to)."""
    events = example_log()
    log = as_lines(events)
    log[100:100] = REFUSED[:1]
    log[200:200] = REFUSED[1:]
    return log, rehearsed(events, until=END - timedelta(seconds=1))


def reference_metrics(log: list[bytes]) -> dict[str, float]:
    """The metrics of the log folded by the shared session itself, in the order both runtimes
    apply it (the log, the invalid lines, the tick), with no runtime around it."""
    metrics = build_metrics(CollectorRegistry())
    session = Session(MIN_GROUP_SIZE)
    for line in [*log, *INVALID]:
        event = parse_event(line)
        if isinstance(event, list):
            metrics.events_rejected.inc(WHOLE)
        else:
            session.record(metrics, event.ensemble, session.apply(event))
    tick = tick_for("harbor", END - timedelta(seconds=1))
    session.record(metrics, "harbor", session.apply(tick))
    session.publish_figures(metrics)
    return comparable(samples_of(generate_latest(metrics.registry).decode()))


def test_a_runtime_gives_the_rehearsal_s_cues_the_same_rejections_ticks_and_metrics(
    runtime: Runtime, contract: tuple[list[bytes], list[Cue]]
) -> None:
    log, expected = contract
    seen = runtime.observe(log, expected)
    assert seen.cues == {cue.id: cue.model_dump_json() for cue in expected}
    assert seen.rejections == {
        REFUSED[0]: "data.milestone: unknown milestone 'ghost'",
        REFUSED[1]: "ensemble: no score has been published for 'nowhere' yet",
        INVALID[0]: "(root): Invalid JSON: EOF while parsing an object at line 1 column 39",
        INVALID[1]: "occurred_at: Input should have timezone info",
        INVALID[2]: (
            "type: Input tag 'task.finished' found using 'type' does not match any of the "
            "expected tags: 'score.published', 'score.revised', 'task.started', "
            "'task.completed', 'task.blocked', 'task.unblocked', 'task.dropped', "
            "'milestone.reached', 'ceremony.held', 'decision.requested', 'decision.made', "
            "'concern.raised', 'experiment.started', 'experiment.assessed', "
            "'experiment.stopped', 'clock.tick', 'cue.acknowledged', 'cue.snoozed'"
        ),
    }
    assert seen.ticks == {f"tick:harbor:{int((END - timedelta(seconds=1)).timestamp())}"}
    assert seen.ensembles == 1, "an engine only for the ensemble whose score was published"
    quality = [name for name in seen.metrics if 'section="quality"' in name]
    assert quality == [], f"a section below the minimum group size shown on its own: {quality}"
    assert seen.metrics['conductor_events_rejected_total{ensemble=""}'] == 4
    assert seen.metrics['conductor_events_rejected_total{ensemble="harbor"}'] == 1
    reference = reference_metrics(log)
    assert len(reference) > 50
    assert seen.metrics == reference
