"""Snapshots: orjson's native serialization of the states gives `to_dict`'s exact JSON, and
a worker's snapshot, a head and chunks of ids, restores the state it was taken of."""

from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from conductor.core import EnsembleEngine, tick_for
from conductor.core.publication import publication_at_start
from conductor.io.eventlog import BadLine, read_events
from conductor.io.scorefile import load_score
from conductor.io.statejson import dumps as state_json
from conductor.session.ensembles import Session
from schemas import Event
from streams.fold import Live
from streams.snapshots import (
    SEEN_CHUNK,
    BrokenSnapshot,
    Write,
    chunk_key,
    head_key,
    restore,
    snapshot_writes,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_events() -> list[Event]:
    """The example log with its score's publication first."""
    events: list[Event] = [publication_at_start(load_score(EXAMPLES / "score.yaml"))]
    for _, event in read_events((EXAMPLES / "events.jsonl").read_bytes().splitlines()):
        assert not isinstance(event, BadLine), event
        events.append(event)
    return events


def folded() -> Session:
    """The example log folded: tasks, decisions, digests, sets and daily counts all filled."""
    ensembles = Session()
    for event in example_events():
        ensembles.apply(event)
    return ensembles


def test_snapshot_bytes_equal_the_json_of_to_dict() -> None:
    engines = folded().engines
    state = engines["harbor"].state
    assert state.tasks and state.seen and state.daily_done, "the fold must fill the state"
    expected = {"offset": 7, "ensembles": {"harbor": state.to_dict()}}
    assert state_json({"offset": 7, "ensembles": {"harbor": state}}) == orjson.dumps(expected)


def test_a_snapshot_restores_the_same_state() -> None:
    engines = folded().engines
    data = orjson.loads(state_json({"ensembles": {"harbor": engines["harbor"].state}}))
    restored = EnsembleEngine.restore(data["ensembles"]["harbor"])
    assert restored.state.to_dict() == engines["harbor"].state.to_dict()


def ticks_of_long_ids(after: Event, count: int) -> list[Event]:
    """`count` ticks a minute apart after `after`, each id 200 characters, the longest."""
    ticks = [
        tick_for(after.ensemble, after.occurred_at + timedelta(minutes=number))
        for number in range(1, count + 1)
    ]
    return [tick.model_copy(update={"id": tick.id.rjust(200, "x")}) for tick in ticks]


def fold_as_a_worker(live: Live, events: list[Event]) -> None:
    """Apply events as the worker does: each applied id also queued for the chunks."""
    for event in events:
        outcome = live.engine.apply(event)
        assert outcome.rejection is None, outcome.rejection
        if not outcome.duplicate:
            live.unchunked_ids.append(outcome.event_id)


def written(table: dict[bytes, bytes], writes: list[Write]) -> list[Write]:
    table.update(writes)
    return writes


def test_a_worker_snapshot_restores_the_same_state_and_partition() -> None:
    live = Live(EnsembleEngine.new("harbor"), partition=3)
    events = example_events()
    fold_as_a_worker(live, events)
    table: dict[bytes, bytes] = {}
    written(table, snapshot_writes(live))
    restored = restore(table[head_key("harbor")], table.get)
    assert restored.partition == 3
    assert restored.engine.state.to_dict() == live.engine.state.to_dict()
    assert restored.engine.apply(events[5]).duplicate


def test_ids_go_to_chunks_and_a_snapshot_rewrites_only_the_unfilled_one() -> None:
    events = example_events()
    live = Live(EnsembleEngine.new("harbor"), partition=0)
    fold_as_a_worker(live, events)
    ticks = ticks_of_long_ids(events[-1], 2 * SEEN_CHUNK + SEEN_CHUNK // 2)
    fold_as_a_worker(live, ticks)
    table: dict[bytes, bytes] = {}
    first = written(table, snapshot_writes(live))
    assert [key for key, _ in first] == [*(chunk_key("harbor", n) for n in range(3)), b"harbor"]
    assert max(len(value) for _, value in first) < 250_000  # Kafka takes 1 MB by default
    more = ticks_of_long_ids(ticks[-1], 10)
    fold_as_a_worker(live, more)
    second = written(table, snapshot_writes(live))
    assert [key for key, _ in second] == [chunk_key("harbor", 2), b"harbor"]
    restored = restore(table[b"harbor"], table.get)
    assert restored.engine.state.seen == live.engine.state.seen
    assert len(restored.engine.state.seen) == len(events) + len(ticks) + len(more)
    assert restored.unchunked_ids == live.unchunked_ids
    assert all(restored.engine.apply(tick).duplicate for tick in ticks)
    after = ticks_of_long_ids(more[-1], SEEN_CHUNK)
    fold_as_a_worker(restored, after)
    fold_as_a_worker(live, after)
    assert snapshot_writes(restored) == snapshot_writes(live), "the restored one goes on alike"


def test_a_head_older_than_its_chunks_restores_only_its_own_ids() -> None:
    """A worker that died after writing a chunk and before its head: the older head's ids,
    no more, so the events after it are applied again when they are redelivered."""
    events = example_events()
    live = Live(EnsembleEngine.new("harbor"), partition=0)
    fold_as_a_worker(live, events)
    table: dict[bytes, bytes] = {}
    written(table, snapshot_writes(live))
    before = live.engine.state.to_dict()
    later = ticks_of_long_ids(events[-1], SEEN_CHUNK)
    fold_as_a_worker(live, later)
    *chunks, _ = snapshot_writes(live)
    table.update(chunks)  # the head never reached the broker
    restored = restore(table[b"harbor"], table.get)
    assert restored.engine.state.to_dict() == before
    assert not any(restored.engine.apply(tick).duplicate for tick in later)


def test_a_head_whose_chunks_are_gone_is_refused_by_key() -> None:
    live = Live(EnsembleEngine.new("harbor"), partition=0)
    fold_as_a_worker(live, example_events())
    table: dict[bytes, bytes] = dict(snapshot_writes(live))
    del table[chunk_key("harbor", 0)]
    with pytest.raises(BrokenSnapshot, match=r"harbor#ids#0: missing: the table holds 0 of"):
        restore(table[b"harbor"], table.get)
