"""The Faust app: one agent folds `events` into engines, a timer appends ticks.

The agent reads raw bytes so that anything invalid, even non-JSON, reaches the dead-letter
topic with its reason instead of stopping the worker.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import faust
from faust.streams import _current_event
from faust.transport.consumer import Consumer
from faust.types import EventT, StreamT
from faust.types.tuples import TP

from conductor.io.modeljson import model_json
from conductor.session.clock import now_of, too_far_ahead
from conductor.session.ensembles import Session
from conductor.session.ticks import due_tick
from schemas import Cue
from streams.config import WorkerConfig, parse_store
from streams.cuebatches import CueBatches
from streams.fold import Ackable, Live, LiveEngines, SnapshotPolicy, check
from streams.rewind import rewind_uncommitted
from streams.snapshots import Write, head_key, head_partition, is_head_key, restore, snapshot_writes
from streams.topics import SNAPSHOT_TABLE, bootstrap
from streams.worker_metrics import WorkerMetrics

log = logging.getLogger(__name__)

SNAPSHOTS_IN_FLIGHT = 64
"""Snapshots waiting for the broker before the agent waits too: a slow or stalled broker
slows the worker down instead of filling its memory with unacknowledged events."""


def _raw_topic(app: faust.App, name: str, config: WorkerConfig) -> Any:
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=config.partitions,
        replicas=config.replication,
    )


@contextmanager
def _as_part_of(event: EventT[bytes]) -> Iterator[None]:
    """Write the table's local store as if processing `event`.

    Faust's RocksDB store keeps a database per partition and takes the partition from the
    current event; a snapshot, written in a task of its own, has none, so it borrows its
    newest covered event, which is in the ensemble's own partition.
    """
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class ConductorApp:
    """The app and the state its agent and timer share."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        timeouts = config.timeouts
        store, datadir = parse_store(config.store)
        self.app = faust.App(
            config.app_id,
            broker=config.broker,
            store=store,
            **_datadir(datadir),
            autodiscover=False,
            topic_partitions=config.partitions,
            topic_replication_factor=config.replication,
            table_standby_replicas=config.standby_replicas,
            web_host=config.web_host,
            web_bind=config.web_host,
            web_port=config.web_port,
            # Faust's /table/ views would serve the snapshots (each ensemble's state) and
            # /router/ the partitions' owners to anyone reaching the port: only /metrics and
            # /healthz are served.
            web_tables_enabled=False,
            web_router_enabled=False,
            producer_acks=-1,
            # Cues and ticks wait up to 5 ms to share a produce request: one request per
            # cue was a fifth of a busy worker's time (bench/streams.py: b/a 0.29 -> 0.39).
            producer_linger_ms=5,
            broker_session_timeout=timeouts.session,
            broker_heartbeat_interval=timeouts.heartbeat,
            broker_rebalance_timeout=timeouts.rebalance,
            broker_request_timeout=timeouts.request,
            broker_commit_interval=timeouts.commit_interval,
            # Unsnapshotted events are never acked on the way out: the next owner of the
            # partition folds them again, so a stopping worker need not wait for them.
            stream_wait_empty=False,
        )
        names = config.topics
        self.events = _raw_topic(self.app, names.events, config)
        self.cues = CueBatches(bootstrap(config.broker), names.cues)
        self.app.add_dependency(self.cues)  # started and stopped with the app
        self.deadletter = _raw_topic(self.app, names.deadletter, config)
        self.table = self.app.Table(
            SNAPSHOT_TABLE,
            partitions=config.partitions,
            key_type=bytes,  # bytes types make Faust use the raw codec both ways
            value_type=bytes,
        )
        self.session = Session(config.min_group_size)
        self.live = LiveEngines()
        """Per ensemble of this worker's partitions: its engine (the session's) and what its
        next snapshot must cover."""
        self._snapshots: set[asyncio.Future[None]] = set()
        """Snapshots under way (held here: the event loop keeps only weak references)."""
        self._crashing: asyncio.Future[None] | None = None
        self.policy = SnapshotPolicy(config.snapshot_every, config.snapshot_after)
        self.metrics = WorkerMetrics(self.app, names.events, self.session)
        self.app.agent(self.events, name="conduct")(self._conduct)
        self.app.timer(config.tick_interval, name="tick")(self._tick)
        self.app.page("/metrics")(self.metrics.handler())
        self.app.page("/healthz")(self.metrics.health_handler())
        self.app.on_partitions_revoked.connect(self._on_revoked)
        rewind_uncommitted(cast(Consumer, self.app.consumer))

    async def _conduct(self, stream: StreamT[bytes]) -> None:
        manual: StreamT[bytes] = stream.noack()  # type: ignore[attr-defined]  # not on StreamT
        async for event in manual.events():
            await self.handle(event)

    async def handle(self, event: EventT[bytes]) -> None:
        message = event.message
        self.metrics.seen(message.partition, message.offset)
        checked = check(message.key, event.value)
        if isinstance(checked, str):
            self.metrics.invalid()
            await self._reject(event, checked)
            return
        ahead = too_far_ahead(checked, self.config.clock, self.config.max_clock_skew)
        if ahead is not None:
            self.metrics.invalid()
            await self._reject(event, str(ahead))
            return
        ensemble = checked.ensemble
        live = self._restored(ensemble, message.partition)
        outcome = self.session.apply(checked)
        self.metrics.record(ensemble, outcome)
        if outcome.rejection is not None:
            await self._reject(event, str(outcome.rejection))
            return
        if outcome.duplicate:
            event.ack()
            return
        if live is None:  # its score was just published
            live = self.live.add(ensemble, Live(self.session.engines[ensemble], message.partition))
        if outcome.cues:
            self._send_cues(live, outcome.cues)
        live.pending.append(event)
        live.unchunked_ids.append(outcome.event_id)
        if live.dirty_since is None:
            live.dirty_since = time.monotonic()
        if self.policy.full(live):  # the age of pending events is the timer's to check
            self._snapshot_soon(live)
            if len(self._snapshots) > SNAPSHOTS_IN_FLIGHT:
                await asyncio.wait(self._snapshots, return_when=asyncio.FIRST_COMPLETED)
        self._maybe_tick(live)  # a clock far ahead catches up tick by tick, not per second

    def _restored(self, ensemble: str, partition: int) -> Live | None:
        """The ensemble on this worker, restored from its snapshot if it has one here."""
        live = self.live.get(ensemble)
        if live is None:
            raw = self.table.get(head_key(ensemble))
            if raw is None:
                return None
            live = self._adopt(ensemble, restore(raw, self.table.get))
            live.partition = partition
        return live

    def _adopt(self, ensemble: str, live: Live) -> Live:
        self.session.adopt(live.engine)
        return self.live.add(ensemble, live)

    def _send_cues(self, live: Live, cues: list[Cue]) -> None:
        """Hand the cues to their batches; the snapshot waits until the broker has them."""
        for cue in cues:
            live.delivered = self.cues.add(cue.ensemble.encode(), model_json(cue))

    async def _reject(self, event: EventT[bytes], reason: str) -> None:
        message = event.message
        await self.deadletter.send(
            key=message.key,
            value=event.value,
            headers=[
                ("reason", reason.encode()),
                ("source-topic", message.topic.encode()),
                ("source-partition", str(message.partition).encode()),
                ("source-offset", str(message.offset).encode()),
            ],
            force=True,
        )
        self.metrics.dead_lettered()
        log.info(
            "dead-lettered %s[%d]@%d: %s", message.topic, message.partition, message.offset, reason
        )
        event.ack()

    def _snapshot_soon(self, live: Live) -> None:
        """Snapshot what the ensemble has folded so far, in a task of its own: the agent
        goes on folding while the broker works.

        What the snapshot covers is taken now: events folded while it waits for the broker
        belong to the next one.
        """
        if not live.pending:
            return
        pending, live.pending, live.dirty_since = live.pending, [], None
        delivered, live.delivered = live.delivered, None
        write = self._write_snapshot(live, snapshot_writes(live), pending, delivered)
        task = asyncio.ensure_future(write)
        self._snapshots.add(task)
        task.add_done_callback(self._snapshot_done)

    def _snapshot_done(self, task: "asyncio.Future[None]") -> None:
        """A snapshot the broker refused (or its cues) stops the worker: its events stay
        unacknowledged, and the next owner of the partition folds them again and re-sends
        their cues. Going on would leave them unacknowledged and those cues unsent."""
        self._snapshots.discard(task)
        if task.cancelled() or (error := task.exception()) is None:
            return
        log.error("a snapshot or its cues did not reach the broker: stopping", exc_info=error)
        self.metrics.unhealthy()
        if self._crashing is None:
            self._crashing = asyncio.ensure_future(self.app.crash(error))

    async def _write_snapshot(
        self,
        live: Live,
        writes: list[Write],
        pending: list[Ackable],
        delivered: Awaitable[None] | None,
    ) -> None:
        """Write the snapshot once every cue it covers is acked, then, once the broker has
        the snapshot too, ack its events.

        The lock keeps an ensemble's snapshots in order. The changelog writes are awaited
        here rather than left to Faust's flush before a commit, which gives up on its
        buffer after 0.1 s without a send; the head only once the broker has its chunks.
        An ensemble whose partition was revoked meanwhile is not written: its events are
        the next owner's to fold.
        """
        async with live.lock:
            if delivered is not None:
                await delivered
            if self.live.get(live.engine.state.ensemble) is not live:
                return
            began = time.perf_counter()
            with _as_part_of(cast(EventT[bytes], pending[-1])):
                for key, value in writes:
                    self.table.data[key] = value
            *chunks, (key, head) = writes
            await asyncio.gather(
                *(self.table.send_changelog(live.partition, k, v) for k, v in chunks)
            )
            await self.table.send_changelog(live.partition, key, head)
            self.metrics.catalogue.snapshot_duration.observe(time.perf_counter() - began)
            for event in pending:
                event.ack()

    async def _tick(self) -> None:
        """Snapshot idle ensembles, then append a `clock.tick` for every ensemble whose next
        deadline has passed."""
        now = time.monotonic()
        for live in list(self.live.by_ensemble.values()):
            if self.policy.due(live, now):
                self._snapshot_soon(live)
        self._load_quiet_ensembles()
        for live in list(self.live.by_ensemble.values()):
            self._maybe_tick(live)

    def _maybe_tick(self, live: Live) -> None:
        """If the clock has passed the ensemble's next deadline, append one tick a second
        before now: it fires every deadline before now at once, however far behind.

        Never a tick *at* now: with the event clock, deadlines at the newest event's instant
        stay for the events that may share that instant, as in a replay without ticks.
        """
        deadline = live.engine.next_deadline()
        if deadline is None or (live.ticked is not None and deadline <= live.ticked):
            return  # the tick in flight fires it
        tick = due_tick(live.engine, now_of(self.config.clock, live.engine))
        if tick is not None:
            # Not awaited: a tick lost in a crash is appended again, as the next owner's
            # engine still has the deadline.
            self.events.send_soon(key=tick.ensemble.encode(), value=model_json(tick))
            live.ticked = tick.occurred_at

    def _load_quiet_ensembles(self) -> None:
        """Engines for snapshotted ensembles of our partitions that had no event since
        this worker got them: their deadlines must tick too."""
        mine = self.assigned_partitions()
        for key in list(self.table.keys()):
            if not is_head_key(key) or self.live.get(ensemble := key.decode()) is not None:
                continue
            head = self.table[key]
            if head_partition(head) in mine:
                self._adopt(ensemble, restore(head, self.table.get))

    def assigned_partitions(self) -> set[int]:
        assignment: set[TP] = self.app.consumer.assignment()
        return {tp.partition for tp in assignment if tp.topic == self.events.get_topic_name()}

    def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        (revoked,) = args  # the set of revoked topic partitions
        topic = self.events.get_topic_name()
        for ensemble in self.live.drop_partitions(
            {tp.partition for tp in revoked if tp.topic == topic}
        ):
            self.session.forget(ensemble)


def _datadir(directory: Path | None) -> dict[str, Any]:
    """Faust's `datadir` setting when one is chosen (else Faust's default applies)."""
    return {} if directory is None else {"datadir": str(directory)}
