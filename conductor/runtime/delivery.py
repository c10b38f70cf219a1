"""Cue delivery from the outbox to the sinks: stdout, a JSON Lines file, an HTTP webhook.

Each sink has its own loop and its own place in the outbox, so a sink that is down holds
back only itself, never ingest nor the other sinks. A cue is marked delivered after the
sink accepted it; after a crash the cues not yet marked are sent again, which is why the
webhook carries the cue id as `Idempotency-Key` (the receiver drops repeats).
"""

import asyncio
import contextlib
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

import httpx
import orjson

from conductor.metrics.registry import Metrics
from conductor.runtime.store import Store
from conductor.runtime.writer import InlineWriter, LogWriter

logger = logging.getLogger(__name__)


# A local write costs less than a commit: the file and stdout sinks mark in runs of 100.
LOCAL_MARK_EVERY = 100


class Sink(Protocol):
    name: str
    # How many deliveries are marked in one transaction. A crash between sending and
    # marking sends up to this many cues again, which consumers drop by cue id.
    mark_every: int

    async def send(self, body: bytes) -> None:
        """Deliver one cue (its JSON); raise if the sink did not accept it."""
        ...

    async def close(self) -> None: ...


def readable(body: bytes) -> str:
    """One line a person can read: time, kind, recipient, subject and reason."""
    cue = orjson.loads(body)
    ((kind, name),) = cue["to"].items()
    return (
        f"cue {cue['at']} {cue['kind']} -> {kind}:{name} [{cue['subject']}] "
        f"{cue['severity']}: {cue['reason']}"
    )


@dataclass
class StdoutSink:
    out: TextIO = sys.stdout
    name: str = "stdout"
    mark_every: int = LOCAL_MARK_EVERY

    async def send(self, body: bytes) -> None:
        self.out.write(readable(body) + "\n")
        self.out.flush()

    async def close(self) -> None:
        return None


class JsonlSink:
    """Appends each cue as a line; flushed per cue so a reader tailing the file sees it."""

    name = "jsonl"
    mark_every = LOCAL_MARK_EVERY

    def __init__(self, path: Path) -> None:
        self.path = path
        self._out: BinaryIO | None = None

    async def send(self, body: bytes) -> None:
        if self._out is None:
            self._out = self.path.open("ab")
        self._out.write(body + b"\n")
        self._out.flush()

    async def close(self) -> None:
        if self._out is not None:
            self._out.close()


class WebhookSink:
    """POSTs each cue as JSON; any answer but 2xx (or no answer) is a failure to retry."""

    name = "webhook"
    mark_every = 1  # a round trip per cue anyway; a crash resends only the one in flight

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self._client = httpx.AsyncClient(timeout=timeout)

    async def send(self, body: bytes) -> None:
        cue_id = orjson.loads(body)["id"]
        response = await self._client.post(
            self.url,
            content=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": cue_id},
        )
        response.raise_for_status()

    async def close(self) -> None:
        await self._client.aclose()


def backoff(attempts: int, cap: float) -> float:
    """Seconds before retry number `attempts`: 0.1, 0.2, 0.4, ... up to `cap`."""
    return float(min(cap, 0.1 * 2 ** min(attempts, 30)))


class Courier:
    """Moves cues from the outbox to one sink, in outbox order, retrying with backoff."""

    def __init__(
        self,
        sink: Sink,
        store: Store,
        metrics: Metrics,
        retry_cap: float,
        writer: LogWriter | None = None,
    ) -> None:
        self.sink = sink
        self.store = store
        """Read for what is due; marks go through `writer`, in order with the log's writes."""
        self.writer: LogWriter = writer or InlineWriter(store)
        self.metrics = metrics
        self.retry_cap = retry_cap
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            self.wake.clear()
            try:
                delivered = await self.deliver_due()
            except Exception:  # a bug must not silently end delivery: log it, try again
                logger.exception("delivery to %s failed; retrying", self.sink.name)
                await asyncio.sleep(self.retry_cap)
                continue
            if delivered:
                continue
            retry_at = self.store.next_attempt(self.sink.name)
            timeout = None if retry_at is None else max(0.0, retry_at - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout)

    async def deliver_due(self) -> int:
        """Send what is due now; stops at the first failure (order is kept). Returns sent.

        Deliveries are marked in runs of the sink's `mark_every`, one transaction a run.
        """
        name = self.sink.name
        sent = 0
        unmarked: list[tuple[int, float]] = []
        try:
            for pending in self.store.pending(name, time.time(), limit=500):
                try:
                    await self.sink.send(pending.body)
                except Exception as error:  # any failure of a sink is retried, never fatal
                    retry_at = time.time() + backoff(pending.attempts, self.retry_cap)
                    await self._write("mark_failed", name, pending.seq, retry_at, repr(error))
                    self.metrics.child(self.metrics.delivery_failures, name).inc()
                    break
                now = time.time()
                sent += 1
                unmarked.append((pending.seq, now))
                self.metrics.child(self.metrics.deliveries, name).inc()
                lag = max(0.0, now - pending.created)
                self.metrics.child(self.metrics.delivery_lag, name).observe(lag)
                if len(unmarked) == self.sink.mark_every:
                    await self._write("mark_delivered", name, unmarked)
                    unmarked = []
                await asyncio.sleep(0)  # a sink that never awaits must not starve ingest
        finally:
            if unmarked:
                await self._write("mark_delivered", name, unmarked)
        return sent

    async def _write(self, operation: str, *args: Any) -> None:
        """Wait for the mark: the next look at the outbox must not see these cues as due."""
        await asyncio.wrap_future(self.writer.submit(operation, *args))
