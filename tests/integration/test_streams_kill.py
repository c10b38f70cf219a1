"""Workers killed mid-stream, state lost or compacted: nothing lost, and every ensemble's
state is a clean replay of the events topic."""

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.partitioner import DefaultPartitioner
from kill_rounds import KillPlan, against_replay, kill_rounds, wait_until_settled
from local_processes import stop
from streams_env import Streams
from streams_logs import as_lines, generated_log, rehearsed, with_horizon, with_ticks

from conductor.core import tick_for
from schemas import EVENT_ADAPTER, Event
from streams.cuereader import read_records
from streams.publish import Message, publish
from streams.snapshots import SEEN_CHUNK
from streams.topics import LOG_SETTINGS, bootstrap, changelog_topic, ensure_topics


def _messages(events: list[Event]) -> list[Message]:
    return [(e.ensemble.encode(), line) for e, line in zip(events, as_lines(events), strict=True)]


def _publish(streams: Streams, messages: list[Message]) -> None:
    asyncio.run(
        ensure_topics(streams.broker, [streams.events], 4, configs={streams.events: LOG_SETTINGS})
    )
    asyncio.run(publish(streams.broker, streams.events, messages))


def test_workers_killed_at_random_moments_lose_nothing(streams: Streams) -> None:
    report = kill_rounds(streams, KillPlan(rounds=3, ensembles=6, days=40, seed=14))
    print(report.summary())  # shown when it fails
    assert report.kills == 3
    assert report.events > 1_000 and report.cues_expected > 300
    assert report.events_lost == []
    assert report.dead_letters == []
    assert (report.cues_missing, report.cues_unexpected, report.cues_differing) == ([], [], [])
    assert report.states_differing == []
    assert report.exact


def test_a_commit_never_passes_an_event_still_waiting_for_its_snapshot(
    streams: Streams,
) -> None:
    """A partition's events are done out of order (each ensemble's snapshot on its own
    schedule; a dead letter at once). Faust commits the first run of acknowledged offsets
    and checked it against nothing while a partition had no commit: here it committed past
    a score whose snapshot was never written, and a worker killed then left that ensemble
    to a successor without its state."""
    log = with_horizon(generated_log(ensembles=1, days=30))
    slow, fast = _on_two_partitions("team-0")
    score, rest = log[0], log[1:]
    first = [(slow.encode(), _renamed(score, slow)), (slow.encode(), b"not json")]
    _publish(streams, [*first, (fast.encode(), b"not json either")])
    partition = {name: _partition_of(name) for name in (slow, fast)}
    worker, _ = streams.start_worker(extra=("--snapshot-after", "3600"))
    try:
        # The dead letter of `fast` is alone in its partition: committed at the next commit,
        # the same commit that decides `slow`'s partition (Faust commits all in one go).
        _wait_until(lambda: streams.committed()[partition[fast]] == 1, worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        stop(worker)
    assert streams.committed()[partition[slow]] in (None, 0), "committed past the score"
    later = [_renamed(event, slow) for event in rest]
    _publish(streams, [(slow.encode(), line) for line in later])
    successor, _ = streams.start_worker()
    try:
        expected = rehearsed([_as_event(_renamed(score, slow)), *map(_as_event, later)])
        streams.wait_for_cues({cue.id for cue in expected})
        wait_until_settled(streams)
    finally:
        stop(successor)
    report = against_replay(streams, [_as_event(line) for line in [first[0][1], *later]], expected)
    assert report.events_lost == [] and report.states_differing == []
    assert (report.cues_missing, report.cues_unexpected) == ([], [])


def _on_two_partitions(prefix: str) -> tuple[str, str]:
    """Two ensemble names whose messages go to different partitions (of four)."""
    names = [f"{prefix}-{number}" for number in range(20)]
    first = names[0]
    other = next(name for name in names if _partition_of(name) != _partition_of(first))
    return first, other


def _partition_of(ensemble: str) -> int:
    partition: int = DefaultPartitioner()(ensemble.encode(), [0, 1, 2, 3], [0, 1, 2, 3])
    return partition


def _renamed(event: Event, ensemble: str) -> bytes:
    line = event.model_dump_json().replace(f'"{event.ensemble}', f'"{ensemble}')
    return line.encode()


def _as_event(line: bytes) -> Event:
    return EVENT_ADAPTER.validate_json(line)


def _wait_until(
    condition: Callable[[], bool], worker: subprocess.Popen[bytes], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, f"the worker exited with {worker.returncode}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _cut_short(streams: Streams) -> None:
    """Delete every record of the changelog, as delete retention would."""

    async def delete() -> None:
        topic = changelog_topic(streams.app_id)
        ends = await _end_offsets(streams.broker, topic)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(streams.broker))
        await admin.start()
        try:
            # Kafka deletes records of a topic only while its policy includes delete.
            await _set_policy(admin, topic, "delete")
            await admin.delete_records({tp: RecordsToDelete(end) for tp, end in ends.items()})
            await _set_policy(admin, topic, "compact")
        finally:
            await admin.close()

    asyncio.run(delete())


async def _set_policy(admin: AIOKafkaAdminClient, topic: str, policy: str) -> None:
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, {"cleanup.policy": policy})
    for response in await admin.alter_configs([resource]):
        assert all(not error for error, *_ in response.resources), response


async def _end_offsets(broker: str, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap(broker), group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(4)]
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()


def _unreadable(streams: Streams) -> None:
    """Overwrite each ensemble's head with one no worker can restore: a state of another
    layout, a head counting ids its chunks do not hold, bytes that are no snapshot."""
    topic = changelog_topic(streams.app_id)
    heads = {
        record.key: record
        for record in asyncio.run(_records(streams.broker, topic))
        if b"#" not in record.key
    }
    assert len(heads) == 3, heads.keys()
    breakers = [_other_layout, _more_ids, lambda _: b"{not a snapshot"]
    broken = [
        (record.partition, key, breaker(record.value))
        for (key, record), breaker in zip(sorted(heads.items()), breakers, strict=True)
    ]

    async def overwrite() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap(streams.broker), acks="all")
        await producer.start()
        try:
            for partition, key, value in broken:
                await producer.send_and_wait(topic, value, key=key, partition=partition)
        finally:
            await producer.stop()

    asyncio.run(overwrite())


def _other_layout(head: bytes) -> bytes:
    data = orjson.loads(head)
    data["state"]["format"] += 1
    return orjson.dumps(data)


def _more_ids(head: bytes) -> bytes:
    data = orjson.loads(head)
    data["ids"] += 2 * SEEN_CHUNK
    return orjson.dumps(data)


async def _records(broker: str, topic: str) -> list[Any]:
    return [record async for record in read_records(broker, topic)]


@pytest.mark.parametrize("damage", [_cut_short, _unreadable], ids=["cut-short", "unreadable"])
def test_an_ensemble_whose_state_was_lost_is_rebuilt_from_the_events_topic(
    streams: Streams, damage: Callable[[Streams], None]
) -> None:
    log = with_horizon(generated_log(ensembles=3, days=40))
    half = len(log) // 2
    _publish(streams, _messages(log[:half]))
    first, _ = streams.start_worker(snapshot_every=20)
    try:
        wait_until_settled(streams)
    finally:
        stop(first)
    damage(streams)
    ghost = tick_for("ghost", log[half].occurred_at)  # an ensemble that never had a score
    _publish(streams, [*_messages(log[half:]), *_messages([ghost])])
    second, port = streams.start_worker(snapshot_every=20)
    expected = rehearsed(log)
    try:
        streams.wait_for_cues({cue.id for cue in expected})
        wait_until_settled(streams)
        rebuilt = streams.metrics(port)["conductor_worker_rebuilt_total"]
    finally:
        stop(second)
    report = against_replay(streams, log, expected)
    assert rebuilt == 3
    assert report.events_lost == [] and report.states_differing == []
    assert (report.cues_missing, report.cues_unexpected, report.cues_differing) == ([], [], [])
    letters = asyncio.run(_records(streams.broker, streams.deadletter))
    # (at least once: a dead letter is sent again when its event is delivered again)
    assert {(r.key, dict(r.headers)["reason"]) for r in letters} == {
        (b"ghost", b"ensemble: no score has been published for 'ghost' yet")
    }


COMPACTING = {
    "cleanup.policy": "compact",
    "segment.ms": "100",
    "min.cleanable.dirty.ratio": "0.01",
    "min.compaction.lag.ms": "0",
    "delete.retention.ms": "100",
}
"""A changelog the broker compacts within seconds (its cleaner looks every second)."""


def test_a_worker_restored_from_a_compacted_changelog_has_a_clean_replays_state(
    streams: Streams,
) -> None:
    log = with_horizon(with_ticks(generated_log(ensembles=2, days=60), 2 * SEEN_CHUNK))
    changelog = changelog_topic(streams.app_id)
    asyncio.run(ensure_topics(streams.broker, [changelog], 4, configs={changelog: COMPACTING}))
    half = len(log) * 3 // 4
    _publish(streams, _messages(log[:half]))
    first, _ = streams.start_worker(snapshot_every=5)
    try:
        wait_until_settled(streams)
    finally:
        stop(first)
    written = sum(asyncio.run(_end_offsets(streams.broker, changelog)).values())
    kept = _wait_for_compaction(streams.broker, changelog, written)
    keys = [record.key for record in kept]
    assert len(keys) < written / 2, (len(keys), written)
    assert b"team-0#ids#1" in keys, "a chunk key was compacted away"
    _publish(streams, _messages(log[half:]))
    second, _ = streams.start_worker(snapshot_every=5)
    expected = rehearsed(log)
    try:
        streams.wait_for_cues({cue.id for cue in expected})
        wait_until_settled(streams)
    finally:
        stop(second)
    report = against_replay(streams, log, expected)
    assert report.events_lost == [] and report.states_differing == []
    assert (report.cues_missing, report.cues_unexpected, report.cues_differing) == ([], [], [])


def _wait_for_compaction(broker: str, topic: str, written: int, timeout: float = 90.0) -> list[Any]:
    """The changelog's records once the broker has compacted away most of what was written
    (each key's newest value stays; the active segment is never cleaned)."""
    deadline = time.monotonic() + timeout
    while True:
        kept = asyncio.run(_records(broker, topic))
        if len(kept) < written / 2 or time.monotonic() > deadline:
            return kept
        time.sleep(1.0)
