"""The courier: outbox order, marks in runs, and what a failing sink leaves pending."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry

from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.runtime.delivery import Courier
from conductor.runtime.live import LiveRuntime
from conductor.runtime.store import Store
from conductor.session.clock import ScaledClock
from conductor.sinks.retry import RetryPolicy
from conductor.sinks.routing import Router
from conductor.sinks.senders import LOCAL_MARK_EVERY, JsonlSink

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()


def outbox_of_the_example(db: Path, sink: str) -> Store:
    """The example log ingested with `sink` configured: its outbox holds every cue."""
    clock = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
    live = LiveRuntime(Store(db), build_metrics(CollectorRegistry()), clock, Router.to_all([sink]))
    live.recover()
    live.publish_score(load_score(EXAMPLES / "score.yaml"))
    live.ingest(LINES)
    return live.store


def cue_ids_in_order(store: Store) -> list[str]:
    return [json.loads(body)["id"] for _, body in store.cues(0, None, None, 100_000)]


def test_a_local_sink_gets_every_cue_once_in_order_and_all_are_marked(tmp_path: Path) -> None:
    store = outbox_of_the_example(tmp_path / "c.db", "jsonl")
    expected = cue_ids_in_order(store)
    assert len(expected) > LOCAL_MARK_EVERY, "the example must span more than one run of marks"
    sink = JsonlSink(tmp_path / "cues.jsonl")
    courier = Courier(
        sink, store, build_metrics(CollectorRegistry()), RetryPolicy(cap=0.1, first=0.1)
    )

    async def deliver_all() -> int:
        sent = 0
        while batch := await courier.deliver_due():
            sent += batch
        await sink.close()
        return sent

    assert asyncio.run(deliver_all()) == len(expected)
    written = [json.loads(line)["id"] for line in sink.path.read_text().splitlines()]
    assert written == expected
    assert store.pending_count("jsonl") == 0
    assert asyncio.run(courier.deliver_due()) == 0, "nothing is sent twice"


class FailsAfter:
    """A sink that accepts `accepted` cues, then refuses every one."""

    name = "jsonl"
    mark_every = LOCAL_MARK_EVERY

    def __init__(self, accepted: int) -> None:
        self.accepted = accepted
        self.bodies: list[bytes] = []

    async def send(self, body: bytes) -> str:
        if len(self.bodies) == self.accepted:
            raise ConnectionError("sink went away")
        self.bodies.append(body)
        return "written"

    async def close(self) -> None:
        return None


def test_a_sink_failing_mid_run_keeps_what_it_accepted_marked_and_the_rest_pending(
    tmp_path: Path,
) -> None:
    store = outbox_of_the_example(tmp_path / "c.db", "jsonl")
    total = store.pending_count("jsonl")
    sink = FailsAfter(accepted=LOCAL_MARK_EVERY + 7)
    courier = Courier(
        sink, store, build_metrics(CollectorRegistry()), RetryPolicy(cap=0.1, first=0.1)
    )

    assert asyncio.run(courier.deliver_due()) == LOCAL_MARK_EVERY + 7
    assert store.pending_count("jsonl") == total - (LOCAL_MARK_EVERY + 7)
    retry_at = store.next_attempt("jsonl")
    assert retry_at is not None, "the refused cue waits for its retry"
    pending = store.pending("jsonl", retry_at, limit=1)
    expected_next = cue_ids_in_order(store)[LOCAL_MARK_EVERY + 7]
    assert json.loads(pending[0].body)["id"] == expected_next
    assert pending[0].attempts == 1
