"""The live runtime's fold: the core's engines over the durable log, with ticks and metrics.

Synchronous and single-threaded on purpose: the HTTP layer calls it from one event loop, so
events, ticks and their cues reach the log in one total order, the order a replay uses.
The runtime numbers the rows itself and hands them to a writer (`conductor.runtime.writer`);
a batch's `committed` future resolves once they are in the log.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from conductor.core import EnsembleEngine, Outcome, Problem
from conductor.core.publication import publication_at_start
from conductor.core.state import StateFormatError
from conductor.core.timeutil import to_datetime
from conductor.ingest.answers import LineResult, count, refused, summary
from conductor.ingest.intake import Intake
from conductor.ingest.native import native_lines
from conductor.io.eventlog import parse_event
from conductor.io.modeljson import model_json
from conductor.io.statejson import dumps as state_json
from conductor.metrics.catalogue import WHOLE
from conductor.metrics.registry import Metrics
from conductor.runtime.deadlines import DeadlineIndex
from conductor.runtime.pilot import Pilot
from conductor.runtime.steps import Slicer, Steps, complete
from conductor.runtime.store import Entry, Rows, Store
from conductor.runtime.writer import InlineWriter, LogWriter
from conductor.session.clock import Clock, now_of, too_far_ahead
from conductor.session.ensembles import Session
from conductor.session.ticks import due_tick
from conductor.sinks.routing import Router
from schemas import Cue, Score
from schemas.events import Event, ScoreData, ScoreRevised

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    results: list[LineResult]
    appended: bool
    offset: int
    committed: "Future[Any] | None" = None
    """Resolves once the batch (and the ticks it reached) is in the log; None: nothing to write."""

    def count(self, status: str) -> int:
        return count(self.results, status)

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, **summary(self.results, self.appended)}


class LiveRuntime:
    """Folds events into the core, appends them (with ticks and cues) to the store."""

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        clock: Clock,
        sinks: Router | Sequence[str] = (),
        snapshot_every: int = 100_000,
        min_group_size: int = 3,
        writer: LogWriter | None = None,
        *,
        max_skew: timedelta | None = None,
        pilot: Score | None = None,
    ) -> None:
        self.store = store
        """Read by the runtime (recovery, cues, the outbox); written only through `writer`."""
        self.writer: LogWriter = writer or InlineWriter(store)
        self.closed = False
        self.metrics = metrics
        self.clock = clock
        self.router = sinks if isinstance(sinks, Router) else Router.to_all(sinks)
        """Which sinks take each cue, and when it is due (its outbox rows)."""
        self.sinks = self.router.names
        self.snapshot_every = snapshot_every
        self.min_group_size = min_group_size
        self.max_skew = max_skew
        """Events dated further ahead of the clock are refused (None: no limit)."""
        self.session = Session(min_group_size)
        self.offset = 0
        """The offset of the newest entry folded and handed to the writer."""
        self.newest: datetime | None = None
        self.on_append: Callable[[], None] = lambda: None
        self._cue_seq = 0
        self._generation = 0
        """Bumped when a failed write makes the runtime rebuild its state: the writes folded
        before that fail with the write they followed, and must not rebuild it again."""
        self._snapshot_at = 0
        self._pending: list[Entry] = []
        self._unwritten: dict[tuple[str, str], bytes] = {}
        """Bodies of accepted events on their way to the log, by (ensemble, id): a repeat
        of one is told from a conflict before its commit."""
        self._abandoned = False
        self._deadlines = DeadlineIndex()
        self.pilot_score = pilot
        self.pilot: Pilot | None = None
        """The pilot score in shadow (`conductor.runtime.pilot`), when one is given."""
        self._pilot_seq = 0
        self._pilot_ticks: list[Cue] = []

    # -- start ---------------------------------------------------------------------------

    def recover(self) -> int:
        """Rebuild state from the newest snapshot and the log after it; returns events replayed."""
        began = time.perf_counter()
        self.session = Session(self.min_group_size)
        self.offset = self._snapshot_at = 0
        self.newest = None
        self._pending = []
        self._cue_seq = self.store.last_seq()
        self._pilot_seq = self.store.last_seq(pilot=True)
        self._pilot_ticks = []
        snapshot = self.store.latest_snapshot()
        if snapshot is not None:
            try:
                self._restore(orjson.loads(snapshot[1]))
                self._snapshot_at = snapshot[0]
            except StateFormatError as error:  # the log is the truth: replay it whole
                logger.warning("snapshot at offset %d not used: %s", snapshot[0], error)
                self.session = Session(self.min_group_size)
                self.offset = 0
                self.newest = None
        replayed = 0
        for pos, body in self.store.events_after(self.offset):
            event = parse_event(body)
            if isinstance(event, list):
                raise ValueError(f"log entry {pos} no longer validates: {event}")
            self.session.apply(event)
            self._saw(event.occurred_at)
            self.offset = pos
            replayed += 1
        engines = self.session.engines.items()
        self._deadlines = DeadlineIndex((name, e.next_deadline()) for name, e in engines)
        if self.pilot_score is not None:
            self.pilot = Pilot(self.pilot_score, self.metrics)
            self.pilot.replay(_parsed(self.store.events_after(0)))
        self.metrics.log_offset.set(self.offset)
        self.metrics.snapshot_offset.set(self._snapshot_at)
        self.metrics.recovery_replayed.set(replayed)
        self.metrics.recovery_duration.set(time.perf_counter() - began)
        return replayed

    def publish_score(self, score: Score, from_now: bool = False) -> BatchResult | None:
        """Publish the score as an event if the log does not already hold this version.

        The first publication is at the score's start, or, with `from_now` and a start
        already past on the clock, at the clock's now: the ensemble's time then begins now,
        and the stand-ups and cycles before it are never cued as missed."""
        engine = self.session.engines.get(score.ensemble)
        event: Event
        if engine is None:
            event = publication_at_start(score)
            if from_now and event.occurred_at < (now := self.clock.now()):
                event = event.model_copy(update={"occurred_at": now, "source": "conductor"})
        elif engine.state.score != score.model_dump(mode="json"):
            digest = hashlib.sha256(score.model_dump_json().encode()).hexdigest()[:16]
            event = ScoreRevised(
                id=f"{score.score}:revised:{digest}",
                type="score.revised",
                ensemble=score.ensemble,
                occurred_at=now_of(self.clock, engine),
                source="conductor",
                data=ScoreData(score=score),
            )
        else:
            return None
        result = complete(self._apply_all([event], [1], Slicer()))
        result.committed = self._flush()
        result.offset = self.offset
        return result

    # -- time ----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The later of the newest event in the log and the clock (each ensemble's own time,
        which its ticks follow, is the later of its newest event and the clock)."""
        wall = self.clock.now()
        return wall if self.newest is None or wall > self.newest else self.newest

    def next_deadline(self) -> tuple[datetime, str] | None:
        return self._deadlines.earliest()

    def tick(self) -> int:
        """Append the `clock.tick`s due now (`conductor.session.ticks`)."""
        return complete(self.tick_steps())

    def tick_steps(self) -> Steps[int]:
        """`tick` in slices (`conductor.runtime.steps`)."""
        self._recover_if_abandoned()
        ticks = yield from self._ticks_due(Slicer())
        if self.pilot is not None:
            self._pilot_ticks += self.pilot.tick(self.clock)
        self._flush()  # a failed write is the writer's callback's to handle
        return ticks

    def _ticks_due(self, slicer: Slicer) -> Steps[int]:
        """Fold the tick due for each ensemble whose deadline the clock passed; they join the
        pending entries. (Ensembles are independent folds: ticking one after the other gives
        each the same cues as ticking them interleaved.)"""
        ticks = 0
        for name in self._deadlines.take_due(self.clock.now()):
            engine = self.session.engines[name]
            while (tick := due_tick(engine, now_of(self.clock, engine))) is not None:
                outcome = self._apply(tick)
                self._pending.append(self._entry(tick, model_json(tick), outcome))
                ticks += 1
            self._deadlines.note(name, engine.next_deadline())
            if slicer.due():
                yield
        return ticks

    def abandon(self) -> None:
        """A fold in slices stopped halfway (its request was cancelled, the server stops):
        nothing of it is written, and the state is rebuilt from the log before the next."""
        for entry in self._pending:
            self._unwritten.pop((entry.ensemble, entry.id), None)
        self._pending = []
        self._abandoned = True

    def _recover_if_abandoned(self) -> None:
        if self._abandoned:
            self._abandoned = False
            self.recover()

    # -- ingest --------------------------------------------------------------------------

    def ingest(self, lines: Sequence[bytes]) -> BatchResult:
        """Conductor's own envelope, one event per line (`ingest_intake`)."""
        return self.ingest_intake(native_lines(lines))

    def ingest_intake(self, intake: Intake) -> BatchResult:
        """Apply a request's events, if all of them validated; append the accepted ones at once.

        A line that does not validate refuses the whole batch (nothing applied, nothing
        appended). Lines the core refuses are reported and skipped; the accepted lines are
        appended in one transaction with the ticks of the deadlines the batch reached. What
        the request's reader ignored is counted.
        """
        return complete(self.ingest_steps(intake))

    def ingest_steps(self, intake: Intake) -> Steps[BatchResult]:
        """`ingest_intake` in slices (`conductor.runtime.steps`)."""
        self._recover_if_abandoned()
        slicer = Slicer()
        for ignored in intake.ignored:
            self.metrics.child(self.metrics.ingest_ignored, ignored.kind.value).inc()
        if intake.invalid:
            for _ in intake.invalid:
                self.metrics.events_rejected.inc(WHOLE)
            results = refused(intake.invalid, intake.valid_ids())
            return BatchResult(results, appended=False, offset=self.offset)
        result = yield from self._apply_all(intake.events, intake.numbers, slicer, intake.bodies)
        yield from self._ticks_due(slicer)
        result.committed = self._flush()
        result.offset = self.offset
        return result

    def _apply_all(
        self,
        events: Sequence[Event],
        numbers: Sequence[int],
        slicer: Slicer,
        bodies: Sequence[bytes] = (),
    ) -> Steps[BatchResult]:
        """`bodies[i]` is what the log keeps of `events[i]` (none given: the event's JSON)."""
        results = []
        for index, (number, event) in enumerate(zip(numbers, events, strict=True)):
            ahead = too_far_ahead(event, self.clock, self.max_skew)
            if ahead is not None:
                self.metrics.events_rejected.inc(WHOLE)
                results.append(LineResult(number, "rejected", event.id, [ahead]))
                continue
            outcome = self._apply(event)
            if outcome.duplicate:
                results.append(self._repeated(number, event))
            elif outcome.rejection is not None:
                results.append(LineResult(number, "rejected", event.id, [outcome.rejection]))
            else:
                body = bodies[index] if bodies else model_json(event)
                self._pending.append(self._entry(event, body, outcome))
                self._unwritten[event.ensemble, event.id] = body
                results.append(LineResult(number, "accepted", event.id))
            if slicer.due():
                yield
        return BatchResult(results, appended=bool(self._pending), offset=self.offset)

    def _repeated(self, number: int, event: Event) -> LineResult:
        """An id seen before: a `duplicate` when the event is the same (a retry), else a
        `conflict` (an id names one event: the second is not the first and is not kept)."""
        key = event.ensemble, event.id
        earlier = self._unwritten.get(key) or self.store.event(*key)
        if earlier is None or parse_event(earlier) == event:
            return LineResult(number, "duplicate", event.id)
        self.metrics.events_rejected.inc(WHOLE)
        message = f"{event.id!r} was appended before with other content; an id names one event"
        return LineResult(number, "conflict", event.id, [Problem("id", message)])

    def _apply(self, event: Event) -> Outcome:
        outcome = self.session.apply(event)
        engine = self.session.engines.get(event.ensemble)
        if engine is not None:
            self._deadlines.note(event.ensemble, engine.next_deadline())
        self.session.record(self.metrics, event.ensemble, outcome)
        if outcome.accepted:
            self._saw(event.occurred_at)
        return outcome

    def answer(self, cue_id: str, until: datetime | None = None) -> BatchResult | None:
        """Append a stored cue's `cue.acknowledged`, or its `cue.snoozed` until `until`, at
        its ensemble's time; None if this runtime never stored that cue.

        The event id is the answer's own (`ack:<cue>`, `snooze:<cue>:<until>`), so the same
        answer twice is a duplicate."""
        body = self.store.cue(cue_id)
        if body is None:
            return None
        ensemble = orjson.loads(body)["ensemble"]
        engine = self.session.engines.get(ensemble)
        occurred = self.now() if engine is None else now_of(self.clock, engine)
        event: dict[str, Any] = {
            "type": "cue.acknowledged",
            "ensemble": ensemble,
            "occurred_at": occurred.isoformat(),
            "source": "conductor",
            "data": {"cue": cue_id},
        }
        if until is None:
            event["id"] = f"ack:{cue_id}"
        else:
            event["id"] = f"snooze:{cue_id}:{int(until.timestamp())}"
            event["type"] = "cue.snoozed"
            event["data"]["until"] = until.isoformat()
        return self.ingest([orjson.dumps(event)])

    # -- appending -----------------------------------------------------------------------

    def _entry(self, event: Event, body: bytes, outcome: Outcome) -> Entry:
        shadow = self.pilot.fold(event) if self.pilot is not None else []
        return Entry.of(event.id, event.ensemble, body, outcome.cues, shadow)

    def _flush(self) -> "Future[Any] | None":
        """Hand the pending entries, if any, to the writer: one transaction for a batch and
        its ticks. Returns the commit to wait for."""
        if not self._pending and not self._pilot_ticks:
            return None
        entries, self._pending = self._pending, []
        pilot_ticks, self._pilot_ticks = self._pilot_ticks, []
        rows = Rows.of(
            entries,
            self.offset,
            self._cue_seq,
            self.router.outbox,
            after_pilot_seq=self._pilot_seq,
            pilot_ticks=pilot_ticks,
        )
        keys = [(entry.ensemble, entry.id) for entry in entries]
        self.offset += len(rows.events)
        self._cue_seq += len(rows.cues)
        self._pilot_seq += len(rows.pilot_cues)
        committed = self.writer.submit("write", rows, time.time())
        generation = self._generation
        committed.add_done_callback(lambda done: self._written(done, generation, keys))
        self.metrics.log_offset.set(self.offset)
        if self.offset - self._snapshot_at >= self.snapshot_every:
            self.snapshot()
        return committed

    def _written(
        self, done: "Future[Any]", generation: int, keys: Sequence[tuple[str, str]]
    ) -> None:
        """After a commit: wake the couriers; after the first failed one, rebuild from the log.

        The engines already folded what the log refused, and every write submitted after it
        (refused too); the log is the truth, so the state is replayed from it.
        """
        for key in keys:
            self._unwritten.pop(key, None)
        if done.exception() is None:
            self.on_append()
        elif generation == self._generation:
            self._generation += 1
            self.recover()
            self.writer.resume()

    def snapshot(self) -> None:
        """Save every engine's state at the current offset (after the writes before it)."""
        states = {name: engine.state for name, engine in self.session.engines.items()}
        data = state_json({"offset": self.offset, "ensembles": states})
        began, offset = time.perf_counter(), self.offset
        saved = self.writer.submit("save_snapshot", self.offset, data)
        saved.add_done_callback(_log_if_failed)
        saved.add_done_callback(lambda done: self._snapshot_saved(done, began, offset))
        self._snapshot_at = self.offset

    def _snapshot_saved(self, done: "Future[Any]", began: float, offset: int) -> None:
        if done.exception() is None:
            self.metrics.snapshot_duration.observe(time.perf_counter() - began)
            self.metrics.snapshot_offset.set(offset)

    def _restore(self, data: dict[str, Any]) -> None:
        for state in data["ensembles"].values():
            engine = EnsembleEngine.restore(state)
            self.session.adopt(engine)
            if engine.state.now:
                self._saw(to_datetime(engine.state.now))
        self.offset = int(data["offset"])

    def close(self) -> None:
        """Wait for every write handed to the writer, then close the log (once: the app's
        lifespan closes it, and so may whoever built it)."""
        if self.closed:
            return
        self.closed = True
        self.writer.close()
        self.store.close()

    def _saw(self, at: datetime) -> None:
        if self.newest is None or at > self.newest:
            self.newest = at

    # -- reading -------------------------------------------------------------------------

    def figures(self, ensemble: str) -> dict[str, Any] | None:
        return self.session.figures(ensemble)

    def refresh_metrics(self) -> None:
        """Recompute the figure gauges of every ensemble (called before each scrape)."""
        self.session.publish_figures(self.metrics)
        metrics = self.metrics
        metrics.healthy(self.writer.healthy)
        for sink in self.sinks:
            metrics.delivery_pending.labels(sink).set(self.store.pending_count(sink))
            metrics.child(metrics.deliveries, sink)  # at 0 before the first delivery
            metrics.child(metrics.delivery_failures, sink)
            metrics.child(metrics.delivery_lag, sink)


def _parsed(entries: Iterable[tuple[int, bytes]]) -> Iterator[Event]:
    for _, body in entries:
        event = parse_event(body)
        if not isinstance(event, list):
            yield event


def _log_if_failed(done: "Future[Any]") -> None:
    """A snapshot that was not saved costs a longer replay at the next start, nothing more."""
    if done.exception() is not None:
        logger.error("snapshot not saved: %s", done.exception())
