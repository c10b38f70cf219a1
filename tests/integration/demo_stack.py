"""The demo every dashboard test and `make previews` read: a real `conductor run` fed the
example log in accelerated time (with a webhook sink that fails at first), a real
`conductor worker` fed the same log under another ensemble name, and a real Prometheus
scraping both with the shipped rules. Started once per test session.

The runtime's clock starts well before the score, so Prometheus scrapes every cue counter at
zero before the first cue fires: `increase` over the demo then counts every cue exactly.
"""

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from kafka_broker import Streams
from local_processes import free_port, stop
from runtime_servers import EXAMPLES, Prometheus, RuntimeProcess, WebhookReceiver, wait_for

from conductor.io.modeljson import model_json
from conductor.io.scorefile import load_score
from schemas.events import ScoreData, ScorePublished

ROOT = EXAMPLES.parent
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
ENSEMBLE = "harbor"
WORKER_ENSEMBLE = "harbor-kafka"
"""The worker folds the same log under its own name, so the two runtimes' team figures never
add up in one series."""
CLOCK_START = datetime(2026, 1, 25, tzinfo=UTC)
"""Five weeks before the score starts: cue counters are scraped at zero first."""
SPEED = 250_000.0
"""Log seconds per wall second: the example's ten weeks pass in half a minute."""
LEAD = 1.0 * SPEED
"""Events are posted this far (log time) ahead of the clock, so the runtime's time is always
the newest event's when one arrives, as in a rehearsal."""
AFTER = 5 * 86_400
"""Log time the demo runs past the newest event (end-of-day digests, a cycle boundary)."""


@dataclass
class Demo:
    prometheus: Prometheus
    runtime: RuntimeProcess
    worker_port: int
    began: float
    """Wall time before the score was published (every dashboard range starts before it)."""
    at: float = 0.0
    """A scrape of the runtime, at which the tests evaluate every query."""

    def range_seconds(self) -> int:
        return int(self.at - self.began) + 5


def _lines() -> list[bytes]:
    return (EXAMPLES / "events.jsonl").read_bytes().splitlines()


def _occurred(line: bytes) -> float:
    return datetime.fromisoformat(orjson.loads(line)["occurred_at"]).timestamp()


def _publication(path: Path = EXAMPLES / "score.yaml") -> bytes:
    """The score's publication at the clock's start, weeks before the score starts (no cue
    fires at it)."""
    score = load_score(path)
    event = ScorePublished(
        id=f"{score.score}:published",
        type="score.published",
        ensemble=score.ensemble,
        occurred_at=CLOCK_START,
        source="demo",
        data=ScoreData(score=score),
    )
    return model_json(event)


def _post(url: str, lines: list[bytes]) -> None:
    answer = httpx.post(
        f"{url}/events",
        content=b"\n".join(lines),
        headers={"Content-Type": "application/x-ndjson"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json()["rejected"] == 0, answer.text


def _runtime_now(url: str) -> float:
    now = httpx.get(f"{url}/healthz", timeout=5).json()["now"]
    return datetime.fromisoformat(now).timestamp()


def feed(url: str) -> float:
    """Post the example log as the runtime's clock reaches it; returns the newest event's time."""
    pending = _lines()
    wall, log = time.time(), _runtime_now(url)
    while pending:
        clock = log + (time.time() - wall) * SPEED
        due = [line for line in pending if _occurred(line) <= clock + LEAD]
        if due:
            _post(url, due)
            pending = pending[len(due) :]
        else:
            time.sleep(0.05)
    return _occurred(_lines()[-1])


class WorkerDemo:
    """A worker folding the example under `WORKER_ENSEMBLE`: the score's publication first
    (its counters are scraped at zero), then the log and one event it must dead-letter."""

    def __init__(self, streams: Streams, directory: Path) -> None:
        self.streams = streams
        score = (EXAMPLES / "score.yaml").read_text(encoding="utf-8")
        self.score = directory / "score.yaml"
        self.score.write_text(
            score.replace(f"ensemble: {ENSEMBLE}", f"ensemble: {WORKER_ENSEMBLE}"),
            encoding="utf-8",
        )
        self.process, self.port = streams.start_worker(
            clock="event", partitions=2, snapshot_every=50
        )

    def _publish(self, lines: list[bytes], *args: str) -> None:
        subprocess.run(
            self.streams.command("publish", "--partitions", "2", *args),
            input=b"".join(line + b"\n" for line in lines),
            capture_output=True,
            check=True,
        )

    def publish_score(self) -> None:
        self._publish([_publication(self.score)])

    def publish_log(self) -> None:
        mark, renamed = f'"ensemble":"{ENSEMBLE}"'.encode(), f'"ensemble":"{WORKER_ENSEMBLE}"'
        lines = [line.replace(mark, renamed.encode()) for line in _lines()]
        started = next(line for line in lines if b'"task.started"' in line)
        ghost = started.replace(b'"milestone":"', b'"milestone":"ghost-')
        self._publish([*lines, ghost.replace(b'"id":"', b'"id":"ghost-')])


@pytest.fixture(scope="session")
def demo(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    directory = tmp_path_factory.mktemp("demo")
    with ExitStack() as started:
        yield _run(started, kafka_broker, directory)


def _run(started: ExitStack, broker: str, directory: Path) -> Demo:
    """Start everything (each stopped by `started`) and run the demo to its end."""
    receiver = WebhookReceiver(free_port(), fail_first=3).start()
    started.callback(receiver.stop)
    tag = uuid.uuid4().hex[:8]
    (directory / "worker").mkdir()
    worker = WorkerDemo(
        Streams(broker, f"d{tag}.", f"conductor-demo-{tag}", directory / "worker"), directory
    )
    started.callback(stop, worker.process)
    port = free_port()
    prometheus = Prometheus(
        directory / "prometheus",
        [f"127.0.0.1:{port}"],
        jobs={"conductor-worker": [f"127.0.0.1:{worker.port}"]},
        rule_files=[RULES],
    )
    prometheus.directory.mkdir()
    prometheus.start()
    started.callback(prometheus.stop)
    worker.publish_score()
    zero = 'sum(conductor_cues_total{{ensemble="{}"}}) == 0'
    wait_for(lambda: bool(prometheus.query(zero.format(WORKER_ENSEMBLE))), 120, "the worker")
    # Started last: its clock runs from here, and must not reach the score's start before
    # Prometheus has scraped the published score's counters at zero.
    runtime = RuntimeProcess(
        [
            "--db",
            str(directory / "conductor.db"),
            "--no-stdout",
            "--webhook",
            receiver.url,
            "--snapshot-every",
            "50",
            "--clock-start",
            CLOCK_START.isoformat(),
            "--clock-speed",
            str(SPEED),
        ],
        port,
        {"CONDUCTOR_RETRY_MAX_SECONDS": "1"},
    )
    started.callback(runtime.stop)
    runtime.start()
    demo = Demo(prometheus, runtime, worker.port, time.time())
    wait_for(lambda: bool(prometheus.query('up{job="conductor"} == 1')), 60, "a scrape")
    _post(runtime.url, [_publication()])
    zero_runtime = zero.format(ENSEMBLE)
    wait_for(lambda: bool(prometheus.query(zero_runtime)), 10, "counters scraped at zero")
    publishing = threading.Thread(target=worker.publish_log)
    publishing.start()
    newest = feed(runtime.url)
    publishing.join()
    wait_for(lambda: _runtime_now(runtime.url) > newest + AFTER, 60, "the clock to pass")
    folded = f'sum(conductor_events_accepted_total{{ensemble="{WORKER_ENSEMBLE}"}})'
    wanted = len(_lines()) + 1
    wait_for(
        lambda: any(float(s["value"][1]) >= wanted for s in prometheus.query(folded)),
        120,
        "the worker to fold the log",
    )
    dead = 'conductor_worker_deadletter_total{job="conductor-worker"} > 0'
    wait_for(lambda: bool(prometheus.query(dead)), 60, "the worker to dead-letter the ghost")
    (sample,) = prometheus.query('timestamp(conductor_log_offset{job="conductor"})')
    demo.at = float(sample["value"][1])
    return demo
