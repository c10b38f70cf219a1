"""How an ensemble's state is laid out in the snapshot table: a head, and its event ids in
chunks.

The state keeps the id of every event it applied (a duplicate is applied once), so it grows
with the ensemble's log. Written as one message, a snapshot outgrew what Kafka takes in a
message (1 MB by default) after about 5,000 events with long ids, and the worker stopped on
it for good; it also rewrote every id on every snapshot. So the ids go to chunk keys, in the
order they were applied, `SEEN_CHUNK` to a key: a snapshot writes the chunks it filled and
the unfilled last one, then the head, which is the rest of the state and how many ids it
covers. A chunk is only ever extended and is written before its head, so the first ids of
the chunks, as many as the head counts, are exactly the head's, even when a worker died
between the two writes.
"""

from collections.abc import Callable

import orjson

from conductor.core import EnsembleEngine
from conductor.errors import ConductorError
from conductor.io.statejson import dumps as state_json
from streams.fold import Live

SEEN_CHUNK = 1_000
"""Ids per chunk: at most 1,000 ids of at most 200 characters, ~200 KB a message."""

_CHUNK_MARK = "#ids#"
"""Between the ensemble and the chunk's number in a chunk's key. An ensemble name cannot
contain `#`, so no chunk key is an ensemble's key."""

Write = tuple[bytes, bytes]
Lookup = Callable[[bytes], bytes | None]


class BrokenSnapshot(ConductorError):
    """A head counts ids that its chunks in the table do not hold."""


def head_key(ensemble: str) -> bytes:
    return ensemble.encode()


def chunk_key(ensemble: str, number: int) -> bytes:
    return f"{ensemble}{_CHUNK_MARK}{number}".encode()


def is_head_key(key: bytes) -> bool:
    return _CHUNK_MARK.encode() not in key


def snapshot_writes(live: Live) -> list[Write]:
    """The table writes that snapshot `live` as it is now, in the order they must reach the
    broker: the chunks whose ids changed, then the head."""
    ensemble = live.engine.state.ensemble
    # ids in full chunks written before: every applied id is either there or unchunked
    chunked = len(live.engine.state.seen) - len(live.unchunked_ids)
    writes: list[Write] = []
    while len(live.unchunked_ids) >= SEEN_CHUNK:
        full, live.unchunked_ids = (
            live.unchunked_ids[:SEEN_CHUNK],
            live.unchunked_ids[SEEN_CHUNK:],
        )
        writes.append((chunk_key(ensemble, chunked // SEEN_CHUNK), orjson.dumps(full)))
        chunked += SEEN_CHUNK
    if live.unchunked_ids:
        last = chunk_key(ensemble, chunked // SEEN_CHUNK)
        writes.append((last, orjson.dumps(live.unchunked_ids)))
    writes.append((head_key(ensemble), _head(live)))
    return writes


def _head(live: Live) -> bytes:
    """The state without its ids (the chunks hold them), and how many there are."""
    state = live.engine.state
    seen, state.seen = state.seen, set()  # swapped back before anything else runs
    try:
        return state_json({"partition": live.partition, "ids": len(seen), "state": state})
    finally:
        state.seen = seen


def head_partition(head: bytes) -> int:
    """The partition of the ensemble a head snapshots, without restoring its state."""
    partition: int = orjson.loads(head)["partition"]
    return partition


def restore(head: bytes, lookup: Lookup) -> Live:
    """An ensemble's engine from its head and the chunks `lookup` reads from the table."""
    data = orjson.loads(head)
    engine = EnsembleEngine.restore(data["state"])
    state = engine.state
    count: int = data["ids"]
    ids: list[str] = []
    for number in range(-(-count // SEEN_CHUNK)):
        key = chunk_key(state.ensemble, number)
        chunk = lookup(key)
        ids.extend(orjson.loads(chunk) if chunk is not None else [])
        if len(ids) < min(count, (number + 1) * SEEN_CHUNK):
            raise BrokenSnapshot(
                f"{key.decode()}: {'missing' if chunk is None else 'short'}: the table holds "
                f"{len(ids)} of the first {(number + 1) * SEEN_CHUNK} event ids of the "
                f"{count} in {state.ensemble!r}'s snapshot"
            )
    del ids[count:]
    state.seen = set(ids)
    unchunked = ids[count - count % SEEN_CHUNK :]
    return Live(engine, data["partition"], unchunked_ids=unchunked)
