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

from conductor.errors import ConductorError
from conductor.io.modeljson import model_json
from conductor.session.clock import now_of, too_far_ahead
from conductor.session.ensembles import Session
from conductor.session.ticks import due_tick
from schemas import Cue
from streams.acks import InOrderAcks, Tracked, commit_what_is_done
from streams.config import WorkerConfig, parse_store
from streams.cuebatches import CueBatches
from streams.fold import Live, LiveEngines, SnapshotPolicy, check
from streams.rebuild import EventLog
from streams.rewind import rewind_uncommitted
from streams.snapshots import Write, head_key, head_partition, is_head_key, restore, snapshot_writes
from streams.stalls import StallWatch
from streams.topics import SNAPSHOT_TABLE, bootstrap
from streams.worker_metrics import WorkerMetrics

log = logging.getLogger(__name__)

UNREADABLE = (ConductorError, ValueError, KeyError, TypeError)
"""What restoring a snapshot raises when it cannot be read: a head counting chunks the
table lacks (`BrokenSnapshot`), another state layout (`StateFormatError`), or bytes that
are no snapshot at all."""

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
        self.acks = InOrderAcks()
        self.stalls = StallWatch()
        self.live = LiveEngines()
        """Per ensemble of this worker's partitions: its engine (the session's) and what its
        next snapshot must cover."""
        self._snapshots: set[asyncio.Future[None]] = set()
        """Snapshots under way (held here: the event loop keeps only weak references)."""
        self._crashing: asyncio.Future[None] | None = None
        self._revoked_in: int | None = None
        """The generation whose partitions were revoked last (their events are stale)."""
        self.log = EventLog(config.broker, names.events)
        self.policy = SnapshotPolicy(config.snapshot_every, config.snapshot_after)
        self.metrics = WorkerMetrics(self.app, names.events, self.session)
        self.app.agent(self.events, name="conduct")(self._conduct)
        self.app.timer(config.tick_interval, name="tick")(self._tick)
        self.app.page("/metrics")(self.metrics.handler())
        self.app.page("/healthz")(self.metrics.health_handler())
        self.app.on_partitions_revoked.connect(self._on_revoked)
        rewind_uncommitted(cast(Consumer, self.app.consumer))
        commit_what_is_done(self.app.consumer, self.acks, names.events)

    async def _conduct(self, stream: StreamT[bytes]) -> None:
        manual: StreamT[bytes] = stream.noack()  # type: ignore[attr-defined]  # not on StreamT
        async for event in manual.events():
            await self.handle(event)

    async def handle(self, event: EventT[bytes]) -> None:
        if self._stale(event):
            # Fetched before a rebalance: folded, it would give a revoked partition an
            # engine and a commit again (whose commit the coordinator takes from any member
            # of the new generation), racing the partition's new owner.
            return
        message = event.message
        partition, offset = message.partition, message.offset
        if self.acks.assignment(partition) is None:  # the first since it was assigned
            committed = await self.log.committed(self.config.app_id, partition)
            if self._stale(event):
                return  # revoked meanwhile: the partition's next owner folds it
            log.info(
                "%s[%d]: reading from offset %d (committed %d), generation %d",
                message.topic,
                partition,
                offset,
                committed,
                message.generation_id,
            )
        else:
            committed = None
        missed = self.acks.missed(partition, offset, committed)
        if missed is not None and not await self._read_missed(event, *missed):
            return
        self.metrics.seen(partition, offset)
        await self._fold(self.acks.track(partition, offset, event), message.key, event.value)

    def _stale(self, event: EventT[bytes]) -> bool:
        """Whether the group rebalanced since Faust fetched the event, or is rebalancing
        and took the event's partition away: between the revocation and the next
        assignment the generation stays the same, and an event in hand then (its agent
        waiting for the broker as Faust revoked) would be folded on a partition no longer this
        worker's, without its state (forgotten at the revocation)."""
        generation = event.message.generation_id
        return bool(generation != self.app.consumer_generation_id or generation == self._revoked_in)

    async def _read_missed(self, event: EventT[bytes], start: int, end: int) -> bool:
        """Fold the partition's messages [start, end), which Faust's fetch skipped, from
        the broker, before the event in hand (which is at `end`); False if the partition
        was revoked meanwhile."""
        partition = event.message.partition
        log.warning(
            "%s[%d]: offsets %d to %d were not delivered; reading them from the broker",
            self.events.get_topic_name(),
            partition,
            start,
            end - 1,
        )
        self.metrics.skipped(end - start)
        async for record in self.log.records(partition, start, end):
            if self._stale(event):
                return False
            self.metrics.seen(partition, record.offset)
            tracked = self.acks.track(partition, record.offset, event, own=False)
            await self._fold(tracked, record.key, record.value)
        return not self._stale(event)

    async def _fold(self, tracked: Tracked, key: bytes | None, value: bytes) -> None:
        """Fold one message of the partition, in its order."""
        event = cast(EventT[bytes], tracked.event)
        partition = event.message.partition
        checked = check(key, value)
        if isinstance(checked, str):
            self.metrics.invalid()
            await self._reject(tracked, key, value, checked)
            return
        ahead = too_far_ahead(checked, self.config.clock, self.config.max_clock_skew)
        if ahead is not None:
            self.metrics.invalid()
            await self._reject(tracked, key, value, str(ahead))
            return
        ensemble = checked.ensemble
        live = self._restored(ensemble, partition)
        if live is None and (start := self.acks.first_offset(partition)):
            live = await self._rebuilt(ensemble, partition, start, tracked)
            if tracked.revoked:
                return  # the partition's next owner folds it
        outcome = self.session.apply(checked)
        self.metrics.record(ensemble, outcome)
        if outcome.rejection is not None:
            await self._reject(tracked, key, value, str(outcome.rejection))
            return
        if outcome.duplicate:
            tracked.ack()
            return
        if live is None:  # its score was just published
            live = self.live.add(ensemble, Live(self.session.engines[ensemble], partition))
        if outcome.cues:
            self._send_cues(live, outcome.cues)
        live.pending.append(tracked)
        live.unchunked_ids.append(outcome.event_id)
        if live.dirty_since is None:
            live.dirty_since = time.monotonic()
        if self.policy.full(live):  # the age of pending events is the timer's to check
            self._snapshot_soon(live)
            if len(self._snapshots) > SNAPSHOTS_IN_FLIGHT:
                await asyncio.wait(self._snapshots, return_when=asyncio.FIRST_COMPLETED)
        self._maybe_tick(live)  # a clock far ahead catches up tick by tick, not per second

    def _restored(self, ensemble: str, partition: int) -> Live | None:
        """The ensemble on this worker, restored from its snapshot if it has one here (and
        it can be read)."""
        live = self.live.get(ensemble)
        if live is None:
            raw = self.table.get(head_key(ensemble))
            if raw is None:
                return None
            try:
                restored = restore(raw, self.table.get)
            except UNREADABLE as error:
                log.warning("the snapshot of %r cannot be restored: %s", ensemble, error)
                return None
            live = self._adopt(ensemble, restored)
            live.partition = partition
            log.debug(
                "%r restored from its snapshot: %d events", ensemble, len(live.engine.state.seen)
            )
        return live

    async def _rebuilt(
        self, ensemble: str, partition: int, before: int, tracked: Tracked
    ) -> Live | None:
        """An ensemble this worker has no state for, folded afresh from the events topic
        if a score of it was published there before `before`, where this worker began
        reading the partition (`streams.rebuild`). After `before`, this worker handled
        every event itself: it would have the ensemble had its score been published there.
        """
        start = await self.log.first_score(partition, ensemble.encode(), before)
        if start is None:
            return None  # never published: the session refuses the event
        refolded = await self.log.refold(partition, ensemble, start, before)
        if refolded is None or tracked.revoked:
            return None
        log.warning(
            "%r had no state here although its score was published at %s[%d]@%d: rebuilt "
            "from %d messages of the events topic",
            ensemble,
            self.events.get_topic_name(),
            partition,
            start,
            refolded.messages,
        )
        self.metrics.rebuilt()
        # Every id is unchunked: the next snapshot writes the ensemble's chunks anew.
        live = Live(refolded.engine, partition, unchunked_ids=refolded.ids)
        return self._adopt(ensemble, live)

    def _adopt(self, ensemble: str, live: Live) -> Live:
        self.session.adopt(live.engine)
        return self.live.add(ensemble, live)

    def _send_cues(self, live: Live, cues: list[Cue]) -> None:
        """Hand the cues to their batches; the snapshot waits until the broker has them."""
        for cue in cues:
            live.delivered = self.cues.add(cue.ensemble.encode(), model_json(cue))

    async def _reject(self, tracked: Tracked, key: bytes | None, value: bytes, reason: str) -> None:
        topic = self.events.get_topic_name()
        partition = cast(EventT[bytes], tracked.event).message.partition
        await self.deadletter.send(
            key=key,
            value=value,
            headers=[
                ("reason", reason.encode()),
                ("source-topic", topic.encode()),
                ("source-partition", str(partition).encode()),
                ("source-offset", str(tracked.offset).encode()),
            ],
            force=True,
        )
        self.metrics.dead_lettered()
        log.info("dead-lettered %s[%d]@%d: %s", topic, partition, tracked.offset, reason)
        tracked.ack()

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
        pending: list[Tracked],
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
            with _as_part_of(cast(EventT[bytes], pending[-1].event)):
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
        if not self.app.rebalancing:
            self._load_quiet_ensembles()
            await self._seek_stalled(now)
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
        this worker got them: their deadlines must tick too.

        Never while the group rebalances: a newly assigned partition's table is being
        recovered from the changelog until the rebalance ends, and a head read then may be
        an older one; its engine would stay, and the partition's events go on from it.
        """
        mine = self.assigned_partitions()
        for key in list(self.table.keys()):
            if not is_head_key(key) or self.live.get(ensemble := key.decode()) is not None:
                continue
            head = self.table[key]
            try:
                if head_partition(head) in mine:
                    self._adopt(ensemble, restore(head, self.table.get))
            except UNREADABLE as error:  # its next event rebuilds it from the events topic
                log.warning("the snapshot of %r cannot be restored: %s", ensemble, error)

    async def _seek_stalled(self, now: float) -> None:
        """Seek back each partition whose delivery stopped short of the broker's end
        (`streams.stalls`)."""
        consumer = self.app.consumer
        topic = self.events.get_topic_name()
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp) if tp.topic == topic else None
            if highwater is None:
                continue
            following = self.acks.following(tp.partition)
            if following is None:  # nothing handed over since it was assigned
                # Faust's record of the commit (as the lag reads it); 0: never committed.
                following = consumer._committed_offset.get(tp) or 0  # type: ignore[attr-defined]
            if not self.stalls.stalled(tp.partition, following, highwater, now):
                continue
            log.warning(
                "%s[%d]: nothing handed over past offset %d for %.0f s although the broker "
                "has %d more: seeking the consumer back to it",
                topic,
                tp.partition,
                following,
                self.stalls.patience,
                highwater - following,
            )
            self.metrics.stalled()
            await consumer.seek(tp, following)

    def assigned_partitions(self) -> set[int]:
        assignment: set[TP] = self.app.consumer.assignment()
        return {tp.partition for tp in assignment if tp.topic == self.events.get_topic_name()}

    def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        (revoked,) = args  # the set of revoked topic partitions
        self._revoked_in = self.app.consumer_generation_id
        topic = self.events.get_topic_name()
        partitions = {tp.partition for tp in revoked if tp.topic == topic}
        self.acks.drop(partitions)
        self.stalls.forget(partitions)
        for ensemble in self.live.drop_partitions(partitions):
            self.session.forget(ensemble)


def _datadir(directory: Path | None) -> dict[str, Any]:
    """Faust's `datadir` setting when one is chosen (else Faust's default applies)."""
    return {} if directory is None else {"datadir": str(directory)}
