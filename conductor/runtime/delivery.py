"""Cue delivery from the outbox to the sinks (`conductor.sinks`), one courier per sink.

Each sink has its own loop and its own place in the outbox, so a sink that is down holds
back only itself, never ingest nor the other sinks. A cue is marked delivered after the
sink accepted it; after a crash the cues not yet marked are sent again, which is why every
webhook carries the cue id (`webhook-id`, `Idempotency-Key`) for the receiver to drop
repeats. A cue that quiet hours hold back waits in the outbox until the runtime's time
reaches its release, without holding back the cues behind it; a cue the sink refused is
tried again with backoff (the cues behind it wait: a sink gets its cues in order), and after
the sink's last try it is recorded as failed and the courier goes on.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from conductor.metrics.registry import Metrics
from conductor.runtime.store import Store
from conductor.runtime.writer import InlineWriter, LogWriter
from conductor.sinks.retry import RetryPolicy
from conductor.sinks.senders import Sink

logger = logging.getLogger(__name__)

HELD_POLL_SECONDS = 1.0
"""While quiet hours hold cues back, how often the courier looks whether the runtime's time
reached one (each append to the log wakes it as well)."""


class Courier:
    """Moves cues from the outbox to one sink, in outbox order, retrying with backoff."""

    def __init__(
        self,
        sink: Sink,
        store: Store,
        metrics: Metrics,
        retry: RetryPolicy,
        writer: LogWriter | None = None,
        runtime_time: Callable[[], float] = time.time,
    ) -> None:
        self.sink = sink
        self.store = store
        """Read for what is due; marks go through `writer`, in order with the log's writes."""
        self.writer: LogWriter = writer or InlineWriter(store)
        self.metrics = metrics
        self.retry = retry
        self.runtime_time = runtime_time
        """The runtime's time, epoch seconds: what quiet hours' releases are compared with."""
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            self.wake.clear()
            try:
                delivered = await self.deliver_due()
            except Exception:  # a bug must not silently end delivery: log it, try again
                logger.exception("delivery to %s failed; retrying", self.sink.name)
                await asyncio.sleep(self.retry.cap)
                continue
            if delivered:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self._idle())

    def _idle(self) -> float | None:
        """Seconds until something may be due: the next retry, or a held cue's release."""
        name, released = self.sink.name, self.runtime_time()
        waits = []
        retry_at = self.store.next_attempt(name, released)
        if retry_at is not None:
            waits.append(max(0.0, retry_at - time.time()))
        if self.store.next_release(name, released) is not None:
            waits.append(HELD_POLL_SECONDS)
        return min(waits) if waits else None

    async def deliver_due(self) -> int:
        """Send what is due now; stops at the first failure (order is kept). Returns sent.

        Deliveries are marked in runs of the sink's `mark_every`, one transaction a run.
        """
        name = self.sink.name
        sent = 0
        unmarked: list[tuple[int, float]] = []
        try:
            due = self.store.pending(name, time.time(), 500, self.runtime_time())
            for pending in due:
                try:
                    await self.sink.send(pending.body)
                except Exception as error:  # any failure of a sink is retried, never fatal
                    await self._failed(pending.seq, pending.attempts + 1, error)
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

    async def _failed(self, seq: int, failures: int, error: Exception) -> None:
        name = self.sink.name
        self.metrics.child(self.metrics.delivery_failures, name).inc()
        delay = self.retry.after(failures, error)
        if delay is None:
            logger.warning("%s: cue %d failed after %d tries: %r", name, seq, failures, error)
            await self._write("give_up", name, seq, time.time(), repr(error))
            self.metrics.child(self.metrics.deliveries_failed, name).inc()
        else:
            await self._write("mark_failed", name, seq, time.time() + delay, repr(error))

    async def _write(self, operation: str, *args: Any) -> None:
        """Wait for the mark: the next look at the outbox must not see these cues as due."""
        await asyncio.wrap_future(self.writer.submit(operation, *args))
