"""Kafka workers on a real broker give the cues a rehearsal of the same log gives."""

import asyncio
import os
import queue
import signal
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import rocksdict
from kafka_broker import CONDUCTOR, Streams
from local_processes import stop
from streams_logs import (
    EXAMPLES,
    as_lines,
    example_log,
    example_score,
    generated_log,
    rehearsed,
    with_horizon,
    with_ticks,
)

from conductor.metrics.catalogue import ALLOWED_LABELS
from schemas import Cue, Event
from streams.cuereader import read_records, read_topic
from streams.publish import Message, publish
from streams.topics import changelog_topic, ensure_topics


def _publish(streams: Streams, items: list[Message], partitions: int = 4) -> None:
    asyncio.run(ensure_topics(streams.broker, [streams.events], partitions))
    asyncio.run(publish(streams.broker, streams.events, items))


def _keyed(lines: list[bytes], ensembles: list[str]) -> list[Message]:
    return [(ensemble.encode(), line) for line, ensemble in zip(lines, ensembles, strict=True)]


def _messages(events: list[Event]) -> list[Message]:
    return _keyed(as_lines(events), [event.ensemble for event in events])


def _assert_same_cues(got: list[Cue], expected: list[Cue]) -> None:
    by_id: dict[str, Cue] = {}
    for cue in got:
        assert by_id.setdefault(cue.id, cue) == cue, f"cue {cue.id} sent twice, differently"
    wanted = {cue.id: cue for cue in expected}
    missing = [f"{c.ensemble} {c.kind.value} {c.at}" for i, c in wanted.items() if i not in by_id]
    extra = [f"{c.ensemble} {c.kind.value} {c.at}" for i, c in by_id.items() if i not in wanted]
    assert (missing, extra) == ([], []), f"{len(missing)} missing, {len(extra)} unexpected"
    assert sorted(by_id.values(), key=lambda c: c.id) == sorted(expected, key=lambda c: c.id)


def test_example_log_gives_the_rehearsal_cues(streams: Streams) -> None:
    log = with_horizon(example_log()[1:])  # `conductor publish --score` publishes the score
    lines = b"".join(line + b"\n" for line in as_lines(log))
    published = subprocess.run(
        streams.command("publish", "--score", str(EXAMPLES / "score.yaml")),
        input=lines,
        capture_output=True,
        check=True,
    )
    assert f"published {len(log) + 1} events".encode() in published.stdout
    expected = rehearsed([example_log()[0], *log])
    worker, _ = streams.start_worker()
    try:
        streams.wait_for_cues({cue.id for cue in expected})
    finally:
        stop(worker)
    printed = subprocess.run(
        streams.command("cues", "--format", "jsonl"),
        capture_output=True,
        check=True,
    )
    got = [Cue.model_validate_json(line) for line in printed.stdout.splitlines()]
    assert len(expected) > 50
    _assert_same_cues(got, expected)


def test_cues_follow_prints_each_new_cue_once_and_the_table_lists_them(streams: Streams) -> None:
    cues = rehearsed(example_log())[:7]
    first, later, sentinel = cues[:5], cues[5], cues[6]
    as_messages = [(cue.ensemble.encode(), cue.model_dump_json().encode()) for cue in cues]
    asyncio.run(ensure_topics(streams.broker, [streams.cues_topic], 4))
    asyncio.run(publish(streams.broker, streams.cues_topic, [*as_messages[:5], as_messages[0]]))
    follower = subprocess.Popen(
        streams.command("cues", "--follow", "--format", "jsonl"), stdout=subprocess.PIPE
    )
    lines = _lines_of(follower)
    try:
        seen = [Cue.model_validate_json(lines.get(timeout=60)) for _ in first]
        assert sorted(cue.id for cue in seen) == sorted(cue.id for cue in first)
        # A repeat, then a new cue of the same key (so of the same partition, after it):
        # a repeat printed again would come before the sentinel.
        again = [as_messages[5], as_messages[1], as_messages[6]]
        asyncio.run(publish(streams.broker, streams.cues_topic, again))
        assert Cue.model_validate_json(lines.get(timeout=60)) == later
        assert Cue.model_validate_json(lines.get(timeout=60)) == sentinel, "a repeat printed"
    finally:
        stop(follower)
    table = subprocess.run(
        streams.command("cues"), capture_output=True, text=True, check=True
    ).stdout
    assert table.split()[:2] == ["7", "cues"], "nine messages, seven cues: each id once"
    for cue in cues:
        assert cue.subject in table


def _lines_of(process: subprocess.Popen[bytes]) -> "queue.Queue[bytes]":
    """The process's stdout lines as they come, so a test can wait for one with a timeout.

    The reader closes the pipe at its end (when the process is stopped)."""
    lines: queue.Queue[bytes] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_several_ensembles_and_bad_messages(streams: Streams) -> None:
    log = with_horizon(generated_log(ensembles=3, days=40))
    good = _messages(log)
    bad: list[Message] = [
        (b"team-0", b"not json at all"),
        (b"team-1", b'{"id": "x1", "type": "task.started", "ensemble": "team-1"}'),
        (
            b"team-2",
            b'{"id": "x2", "type": "task.exploded", "ensemble": "team-2",'
            b' "occurred_at": "2026-03-03T10:00:00Z", "source": "t", "data": {}}',
        ),
        (b"team-0", good[5][1].replace(b'"ensemble":"team-', b'"ensemble":"other-')),
    ]
    third = len(good) // 3
    _publish(streams, [*good[:third], *bad, *good[third:]])
    expected = rehearsed(log)
    worker, port = streams.start_worker()
    try:
        got = streams.wait_for_cues({cue.id for cue in expected})
        metrics = streams.metrics(port)
    finally:
        stop(worker)
    _assert_same_cues(got, expected)
    assert metrics["conductor_worker_deadletter_total"] == len(bad)
    accepted = sum(v for k, v in metrics.items() if k.startswith("conductor_events_accepted_total"))
    assert accepted >= len(log)
    assert metrics['conductor_events_accepted_total{ensemble="team-0"}'] > 0
    letters = asyncio.run(_dead_letters(streams))
    assert sorted(value for value, _ in letters) == sorted(value for _, value in bad)
    reasons = {value: headers["reason"] for value, headers in letters}
    assert "Invalid JSON" in reasons[bad[0][1]]
    assert "data: Field required" in reasons[bad[1][1]] or "occurred_at" in reasons[bad[1][1]]
    assert "type:" in reasons[bad[2][1]] and "task.exploded" in reasons[bad[2][1]]
    assert reasons[bad[3][1]].startswith("key:")
    source = asyncio.run(_by_position(streams))
    for value, headers in letters:
        assert headers["source-topic"] == streams.events
        position = (int(headers["source-partition"]), int(headers["source-offset"]))
        assert source[position] == value


async def _dead_letters(streams: Streams) -> list[tuple[bytes, dict[str, str]]]:
    return [
        (record.value, {key: value.decode() for key, value in record.headers})
        async for record in read_records(streams.broker, f"{streams.prefix}deadletter")
    ]


async def _by_position(streams: Streams) -> dict[tuple[int, int], bytes]:
    return {
        (record.partition, record.offset): record.value
        async for record in read_records(streams.broker, streams.events)
    }


def test_sigkill_mid_stream_loses_nothing(streams: Streams) -> None:
    log = with_horizon(generated_log(ensembles=3, days=50))
    messages = _messages(log)
    half = len(messages) // 2
    _publish(streams, messages[:half])
    first, _ = streams.start_worker(snapshot_every=20)
    while not streams.all_cues():  # kill it once it is under way
        assert first.poll() is None
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    _publish(streams, messages[half:])
    expected = rehearsed(log)
    second, _ = streams.start_worker(snapshot_every=20)
    try:
        got = streams.wait_for_cues({cue.id for cue in expected})
    finally:
        stop(second)
    _assert_same_cues(got, expected)


def test_a_worker_on_rocksdict_keeps_its_tables_there_and_a_restart_continues(
    streams: Streams, tmp_path: Path
) -> None:
    log = with_horizon(generated_log(ensembles=3, days=40))
    messages = _messages(log)
    half = len(messages) // 2
    state = tmp_path / "state"
    store = f"rocksdict://{state}"
    _publish(streams, messages[:half])
    first, port = streams.start_worker(snapshot_every=20, store=store)
    try:
        _wait_until_caught_up(streams, port)
        streams.wait_until_all_committed()  # so every event is in a snapshot
    finally:
        stop(first)  # SIGTERM: Faust closes its RocksDB files
    stored = _keys_in_rocksdb(state / "v1" / "tables", partitions=4)
    assert {event.ensemble.encode() for event in log} <= stored, stored
    _publish(streams, messages[half:])
    second, _ = streams.start_worker(snapshot_every=20, store=store)
    try:
        got = streams.wait_for_cues({cue.id for cue in rehearsed(log)})
    finally:
        stop(second)
    _assert_same_cues(got, rehearsed(log))


def test_an_unknown_store_is_refused_by_name() -> None:
    answer = subprocess.run(
        [str(CONDUCTOR), "worker", "--broker", "kafka://127.0.0.1:9", "--store", "redis://x"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},  # the error box on one line
    )
    assert answer.returncode == 2
    assert "--store" in answer.stderr
    assert "expected memory:// or rocksdict://DIR, not 'redis://x'" in answer.stderr


def _keys_in_rocksdb(tables: Path, partitions: int) -> set[bytes]:
    """The keys of the ensembles table in a stopped worker's RocksDB files, per partition."""
    keys: set[bytes] = set()
    for partition in range(partitions):
        db = rocksdict.Rdict(
            str(tables / f"ensembles-{partition}.db"),
            access_type=rocksdict.AccessType.read_only(),
        )
        keys |= set(db.keys())  # not set(db): iterating an Rdict itself raises on it
        db.close()
    return keys


def _wait_until_caught_up(streams: Streams, port: int, timeout: float = 120.0) -> None:
    """Until the worker reports all four partitions assigned and no lag on any."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            lags = {k: v for k, v in streams.metrics(port).items() if k.startswith(LAG)}
        except OSError:
            lags = {}
        if len(lags) == 4 and not any(lags.values()):
            return
        time.sleep(0.5)
    raise AssertionError("the worker did not catch up with the events topic")


def test_a_worker_restarted_with_nothing_new_to_read_reports_no_lag(streams: Streams) -> None:
    """Lag counts from the committed offset too: a worker that has read nothing itself is
    not behind a partition whose every event its group committed."""
    log = with_horizon(generated_log(ensembles=3, days=30))
    _publish(streams, _messages(log))
    first, port = streams.start_worker()
    try:
        _wait_until_caught_up(streams, port)
        streams.wait_until_all_committed()
    finally:
        stop(first)
    second, port = streams.start_worker()
    try:
        assert streams.settled_assignment([port]) == [{0, 1, 2, 3}]
        _publish(streams, _messages(log[-1:]))  # once handled, every partition was fetched
        _wait_until_counted(
            streams, port, f'conductor_events_duplicate_total{{ensemble="{log[-1].ensemble}"}}', 1
        )
        lags = {k: v for k, v in streams.metrics(port).items() if k.startswith(LAG)}
    finally:
        stop(second)
    assert len(lags) == 4 and set(lags.values()) == {0.0}, lags


LAG = 'conductor_worker_consumer_lag_messages{partition="'


def test_two_workers_share_the_partitions(streams: Streams) -> None:
    log = with_horizon(generated_log(ensembles=6, days=30))
    asyncio.run(ensure_topics(streams.broker, [streams.events], 4))
    one, one_port = streams.start_worker()
    two, two_port = streams.start_worker()
    try:
        _publish(streams, _messages(log))
        expected = rehearsed(log)
        got = streams.wait_for_cues({cue.id for cue in expected})
        assigned = streams.settled_assignment([one_port, two_port])
        scraped_labels = [
            {pair.split("=")[0] for pair in name.partition("{")[2].rstrip("}").split(",") if pair}
            for port in (one_port, two_port)
            for name in streams.metrics(port)
        ]
    finally:
        stop(one)
        stop(two)
    _assert_same_cues(got, expected)
    assert all(assigned), assigned
    assert assigned[0] | assigned[1] == {0, 1, 2, 3}
    for labels in scraped_labels:
        # The catalogue's labels, Prometheus' own, and the worker's partition (of a topic,
        # not a group of people) on its consumer lag: nothing finer.
        assert labels <= ALLOWED_LABELS | {"le", "partition"}, labels
    assert {"ensemble", "section", "partition"} <= set().union(*scraped_labels)


def test_fixed_clock_ticks_through_deadlines(streams: Streams) -> None:
    score = example_score()
    horizon = "2026-03-20T03:17:29+00:00"  # no deadline falls on it: < and <= agree
    subprocess.run(
        streams.command("publish", "--score", str(EXAMPLES / "score.yaml"), "/dev/null"),
        capture_output=True,
        check=True,
    )
    expected = rehearsed([example_log()[0]], until=datetime.fromisoformat(horizon))
    worker, _ = streams.start_worker(clock=horizon)
    try:
        got = streams.wait_for_cues({cue.id for cue in expected})
    finally:
        stop(worker)
    assert expected and score.ensemble == "harbor"
    _assert_same_cues(got, expected)
    values = asyncio.run(_values(streams, streams.events))
    assert sum(b'"type":"clock.tick"' in value for value in values) > 0


async def _values(streams: Streams, topic: str) -> list[bytes]:
    return [value async for value in read_topic(streams.broker, topic)]


KAFKA_MESSAGE_LIMIT = 1_000_000
"""The largest message Faust's producer sends by default (`producer_max_request_size`)."""


def test_an_ensemble_whose_event_ids_outgrow_a_kafka_message_recovers_them_all(
    streams: Streams,
) -> None:
    """Each applied event id is kept for deduplication, so an ensemble's state grows with
    its log; its snapshot must still fit in Kafka messages, and a new worker must get every
    id back (republished events are then duplicates, not applied twice)."""
    long_id = f"tick.{'long-id-' * 22}{{}}"  # nearly the longest allowed (200 characters)
    log = with_horizon(with_ticks(generated_log(ensembles=1, days=30), 6_000, long_id))
    ids = sum(len(event.id) for event in log)
    assert ids > KAFKA_MESSAGE_LIMIT, "the ids alone must not fit in one message"
    messages = _messages(log)
    _publish(streams, messages)
    expected = rehearsed(log)
    first, port = streams.start_worker()
    try:
        got = streams.wait_for_cues({cue.id for cue in expected})
        _wait_until_caught_up(streams, port)
        streams.wait_until_all_committed()  # so the next worker reads only what follows
    finally:
        stop(first)
    _assert_same_cues(got, expected)
    largest = max(map(len, asyncio.run(_values(streams, changelog_topic(streams.app_id)))))
    assert largest < KAFKA_MESSAGE_LIMIT / 4, largest
    _publish(streams, messages)  # all of it again: every one a duplicate
    duplicates = 'conductor_events_duplicate_total{ensemble="team-0"}'
    second, port = streams.start_worker()
    try:
        _wait_until_counted(streams, port, duplicates, len(log))
        _wait_until_caught_up(streams, port)
        metrics = streams.metrics(port)
    finally:
        stop(second)
    # At least once each: Faust may deliver a message again when it seeks back to the
    # committed offsets after its table recovery (a fetch it had already handed over).
    assert metrics[duplicates] >= len(log)
    assert metrics.get('conductor_events_accepted_total{ensemble="team-0"}', 0) == 0
    assert {cue.id for cue in streams.all_cues()} == {cue.id for cue in expected}


def _wait_until_counted(
    streams: Streams, port: int, sample: str, count: float, timeout: float = 120.0
) -> None:
    """Until a worker's `/metrics` sample reaches `count` (its web server may not be up yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (counted := streams.metrics(port).get(sample, 0)) >= count:
                return
        except OSError:
            counted = 0
        time.sleep(0.5)
    raise AssertionError(f"{sample} is {counted}, not {count}, after {timeout} s")
