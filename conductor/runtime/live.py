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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from conductor.core import EnsembleEngine, Outcome
from conductor.core.publication import publication_at_start
from conductor.core.state import StateFormatError
from conductor.core.timeutil import to_datetime
from conductor.errors import Problem
from conductor.io.eventlog import parse_event
from conductor.io.modeljson import model_json
from conductor.io.statejson import dumps as state_json
from conductor.metrics.catalogue import WHOLE
from conductor.metrics.registry import Metrics
from conductor.runtime.deadlines import DeadlineIndex
from conductor.runtime.pilot import Pilot
from conductor.runtime.store import Entry, Rows, Store
from conductor.runtime.writer import InlineWriter, LogWriter
from conductor.session.clock import Clock, now_of
from conductor.session.ensembles import Session
from conductor.session.ticks import due_tick
from schemas import Cue, Score
from schemas.events import Event, ScoreData, ScoreRevised

logger = logging.getLogger(__name__)


@dataclass
class LineResult:
    line: int
    status: str
    """accepted, duplicate or rejected"""
    id: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"line": self.line, "status": self.status}
        if self.id is not None:
            result["id"] = self.id
        if self.problems:
            result["problems"] = [{"path": p.path, "message": p.message} for p in self.problems]
        return result


@dataclass
class BatchResult:
    results: list[LineResult]
    appended: bool
    offset: int
    committed: "Future[Any] | None" = None
    """Resolves once the batch (and the ticks it reached) is in the log; None: nothing to write."""

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    def to_json(self) -> dict[str, Any]:
        return {
            "appended": self.appended,
            "offset": self.offset,
            "accepted": self.count("accepted"),
            "duplicates": self.count("duplicate"),
            "rejected": self.count("rejected"),
            "results": [result.to_json() for result in self.results],
        }


class LiveRuntime:
    """Folds events into the core, appends them (with ticks and cues) to the store."""

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        clock: Clock,
        sinks: Sequence[str] = (),
        snapshot_every: int = 100_000,
        min_group_size: int = 3,
        writer: LogWriter | None = None,
        pilot: Score | None = None,
    ) -> None:
        self.store = store
        """Read by the runtime (recovery, cues, the outbox); written only through `writer`."""
        self.writer: LogWriter = writer or InlineWriter(store)
        self.metrics = metrics
        self.clock = clock
        self.sinks = tuple(sinks)
        self.snapshot_every = snapshot_every
        self.min_group_size = min_group_size
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
        self._deadlines = DeadlineIndex()
        self.pilot_score = pilot
        self.pilot: Pilot | None = None
        """The pilot score in shadow (`conductor.runtime.pilot`), when one is given."""
        self._pilot_seq = 0
        self._pilot_ticks: list[Cue] = []

    # -- start ---------------------------------------------------------------------------

    def recover(self) -> int:
        """Rebuild state from the newest snapshot and the log after it; returns events replayed."""
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
        return replayed

    def publish_score(self, score: Score) -> BatchResult | None:
        """Publish the score as an event if the log does not already hold this version."""
        engine = self.session.engines.get(score.ensemble)
        event: Event
        if engine is None:
            event = publication_at_start(score)
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
        result = self._apply_all([event], [1])
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
        ticks = self._tick_due()
        if self.pilot is not None:
            self._pilot_ticks += self.pilot.tick(self.clock)
        self._flush()  # a failed write is the writer's callback's to handle
        return ticks

    def _tick_due(self) -> int:
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
        return ticks

    # -- ingest --------------------------------------------------------------------------

    def ingest(self, lines: Sequence[bytes]) -> BatchResult:
        """Validate every line; if all parse, apply them and append the accepted ones at once.

        A line that does not validate refuses the whole batch (nothing applied, nothing
        appended). Lines the core refuses are reported and skipped; the accepted lines are
        appended in one transaction with the ticks of the deadlines the batch reached.
        """
        parsed: list[Event] = []
        numbers: list[int] = []
        invalid: list[LineResult] = []
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            event = parse_event(raw)
            if isinstance(event, list):
                invalid.append(LineResult(number, "rejected", _raw_id(raw), event))
            else:
                parsed.append(event)
                numbers.append(number)
        if invalid:
            for _ in invalid:
                self.metrics.events_rejected.inc(WHOLE)
            return self._refused(invalid, parsed, numbers)
        result = self._apply_all(parsed, numbers, list(lines))
        self._tick_due()
        result.committed = self._flush()
        result.offset = self.offset
        return result

    def _refused(
        self, invalid: list[LineResult], parsed: list[Event], numbers: list[int]
    ) -> BatchResult:
        results = invalid + [
            LineResult(
                number,
                "rejected",
                event.id,
                [Problem("(batch)", "not appended: another line is invalid")],
            )
            for number, event in zip(numbers, parsed, strict=True)
        ]
        results.sort(key=lambda result: result.line)
        return BatchResult(results, appended=False, offset=self.offset)

    def _apply_all(
        self, events: Sequence[Event], numbers: Sequence[int], lines: Sequence[bytes] = ()
    ) -> BatchResult:
        results = []
        for number, event in zip(numbers, events, strict=True):
            outcome = self._apply(event)
            if outcome.duplicate:
                results.append(LineResult(number, "duplicate", event.id))
            elif outcome.rejection is not None:
                results.append(LineResult(number, "rejected", event.id, [outcome.rejection]))
            else:
                body = lines[number - 1].strip() if lines else model_json(event)
                self._pending.append(self._entry(event, body, outcome))
                results.append(LineResult(number, "accepted", event.id))
        return BatchResult(results, appended=bool(self._pending), offset=self.offset)

    def _apply(self, event: Event) -> Outcome:
        outcome = self.session.apply(event)
        engine = self.session.engines.get(event.ensemble)
        if engine is not None:
            self._deadlines.note(event.ensemble, engine.next_deadline())
        self.session.record(self.metrics, event.ensemble, outcome)
        if outcome.accepted:
            self._saw(event.occurred_at)
        return outcome

    # -- appending -----------------------------------------------------------------------

    def _entry(self, event: Event, body: bytes, outcome: Outcome) -> Entry:
        shadow = self.pilot.fold(event) if self.pilot is not None else []
        return Entry(event.id, event.ensemble, body, outcome.cues, shadow)

    def _flush(self) -> "Future[Any] | None":
        """Hand the pending entries, if any, to the writer: one transaction for a batch and
        its ticks. Returns the commit to wait for."""
        if not self._pending and not self._pilot_ticks:
            return None
        entries, self._pending = self._pending, []
        pilot_ticks, self._pilot_ticks = self._pilot_ticks, []
        rows = Rows.of(entries, self.offset, self._cue_seq, self._pilot_seq, pilot_ticks)
        self.offset += len(rows.events)
        self._cue_seq += len(rows.cues)
        self._pilot_seq += len(rows.pilot_cues)
        committed = self.writer.submit("write", rows, self.sinks, time.time())
        generation = self._generation
        committed.add_done_callback(lambda done: self._written(done, generation))
        self.metrics.log_offset.set(self.offset)
        if self.offset - self._snapshot_at >= self.snapshot_every:
            self.snapshot()
        return committed

    def _written(self, done: "Future[Any]", generation: int) -> None:
        """After a commit: wake the couriers; after the first failed one, rebuild from the log.

        The engines already folded what the log refused, and every write submitted after it
        (refused too); the log is the truth, so the state is replayed from it.
        """
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
        saved = self.writer.submit("save_snapshot", self.offset, data)
        saved.add_done_callback(_log_if_failed)
        self._snapshot_at = self.offset

    def _restore(self, data: dict[str, Any]) -> None:
        for state in data["ensembles"].values():
            engine = EnsembleEngine.restore(state)
            self.session.adopt(engine)
            if engine.state.now:
                self._saw(to_datetime(engine.state.now))
        self.offset = int(data["offset"])

    def close(self) -> None:
        """Wait for every write handed to the writer, then close the log."""
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
        for sink in self.sinks:
            self.metrics.delivery_pending.labels(sink).set(self.store.pending_count(sink))


def _parsed(entries: Iterable[tuple[int, bytes]]) -> Iterator[Event]:
    for _, body in entries:
        event = parse_event(body)
        if not isinstance(event, list):
            yield event


def _log_if_failed(done: "Future[Any]") -> None:
    """A snapshot that was not saved costs a longer replay at the next start, nothing more."""
    if done.exception() is not None:
        logger.error("snapshot not saved: %s", done.exception())


def _raw_id(raw: bytes) -> str | None:
    """The id of a line that failed validation, when it is readable, to help the sender."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    found = data.get("id") if isinstance(data, dict) else None
    return found if isinstance(found, str) else None
