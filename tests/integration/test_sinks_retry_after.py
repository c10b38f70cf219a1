"""A receiver that refuses with `Retry-After` (Slack's rate limit answers 429 with one) is not
tried again before it asked, up to the sink's longest wait; one that says nothing gets the
usual backoff."""

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from local_processes import free_port
from prometheus_client import CollectorRegistry
from receivers import CloudEventsReceiver
from runtime_servers import EXAMPLES

from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.runtime.delivery import Courier
from conductor.runtime.live import LiveRuntime
from conductor.runtime.store import Store
from conductor.session.clock import ScaledClock
from conductor.sinks.retry import RetryPolicy
from conductor.sinks.routing import Router
from conductor.sinks.senders import WebhookSink

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()[:40]


def outbox(db: Path) -> Store:
    """The first lines of the example log ingested for the sink `hooks`."""
    clock = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
    live = LiveRuntime(
        Store(db), build_metrics(CollectorRegistry()), clock, Router.to_all(["hooks"])
    )
    live.recover()
    live.publish_score(load_score(EXAMPLES / "score.yaml"))
    live.ingest(LINES)
    return live.store


def first_try(store: Store, url: str, policy: RetryPolicy) -> tuple[float, float, float]:
    """One look at the outbox, refused; (before, after, when the cue is tried next)."""

    async def deliver() -> int:
        sink = WebhookSink("hooks", url, SECRET)
        try:
            return await Courier(
                sink, store, build_metrics(CollectorRegistry()), policy
            ).deliver_due()
        finally:
            await sink.close()

    before = time.time()
    assert asyncio.run(deliver()) == 0
    after = time.time()
    retry_at = store.next_attempt("hooks")
    assert retry_at is not None
    return before, after, retry_at


@pytest.mark.parametrize(
    ("refusal", "headers", "cap", "wait"),
    [
        (429, {"Retry-After": "30"}, 300.0, 30.0),
        (503, {"Retry-After": "30"}, 10.0, 10.0),  # never longer than the sink's longest wait
    ],
)
def test_a_retry_after_is_waited_for(
    tmp_path: Path, refusal: int, headers: dict[str, str], cap: float, wait: float
) -> None:
    receiver = CloudEventsReceiver(
        free_port(), secret=SECRET, always_fail=True, refusal=refusal, refusal_headers=headers
    ).start()
    try:
        store = outbox(tmp_path / "c.db")
        policy = RetryPolicy(attempts=5, first=0.05, cap=cap)
        before, after, retry_at = first_try(store, receiver.url, policy)
    finally:
        receiver.stop()
    assert receiver.count() == 1, "the courier stops at the refused cue"
    assert before + wait <= retry_at <= after + wait
    (row,) = [
        row for row in store.deliveries(False, "hooks", 1000, float("inf")) if row["attempts"]
    ]
    assert str(refusal) in row["error"]


def test_without_retry_after_the_usual_backoff(tmp_path: Path) -> None:
    receiver = CloudEventsReceiver(free_port(), secret=SECRET, always_fail=True).start()
    try:
        store = outbox(tmp_path / "c.db")
        before, after, retry_at = first_try(store, receiver.url, RetryPolicy(5, 0.05, 300.0))
    finally:
        receiver.stop()
    assert before + 0.025 <= retry_at <= after + 0.05


@pytest.mark.parametrize("refusal", [400, 404, 410, 422])
def test_a_receiver_refusing_the_cue_for_good_is_not_tried_again(
    tmp_path: Path, refusal: int
) -> None:
    """A 4xx other than 408, 425 and 429 will answer the same to every try: the cue is
    recorded as failed at once, and the sink's later cues are not held back."""
    receiver = CloudEventsReceiver(
        free_port(), secret=SECRET, always_fail=True, refusal=refusal
    ).start()
    store = outbox(tmp_path / "c.db")
    pending = store.pending_count("hooks")

    async def looks() -> int:
        """The courier's looks at the outbox until nothing is pending (each stops at the
        cue it could not deliver)."""
        sink = WebhookSink("hooks", receiver.url, SECRET)
        courier = Courier(sink, store, build_metrics(CollectorRegistry()), RetryPolicy(5))
        taken = 0
        try:
            while store.pending_count("hooks") and taken <= pending:
                assert await courier.deliver_due() == 0
                taken += 1
        finally:
            await sink.close()
        return taken

    try:
        assert asyncio.run(looks()) == pending, "one look a cue: none waits for a retry"
    finally:
        receiver.stop()
    assert receiver.count() == pending, "each cue tried once, none waiting behind another"
    assert store.pending_count("hooks") == 0
    failed = store.deliveries(True, "hooks", 1000, float("inf"))
    assert len(failed) == pending
    assert {(row["status"], row["attempts"]) for row in failed} == {("failed", 1)}
    assert all(str(refusal) in row["error"] for row in failed)


def test_a_request_timeout_is_tried_again(tmp_path: Path) -> None:
    receiver = CloudEventsReceiver(
        free_port(), secret=SECRET, always_fail=True, refusal=408
    ).start()
    try:
        store = outbox(tmp_path / "c.db")
        before, after, retry_at = first_try(store, receiver.url, RetryPolicy(5, 0.05, 300.0))
    finally:
        receiver.stop()
    assert before + 0.025 <= retry_at <= after + 0.05
