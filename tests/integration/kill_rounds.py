"""Workers killed with SIGKILL while events are published, and what they left behind,
compared with a clean replay: the kill test (`test_streams_kill.py`) and `bench/kill.py`.

Two workers of one group share four partitions. A publisher thread sends the log in
bursts the whole time; each round one worker, chosen by a seeded draw, is killed at a
seeded moment and started again, and the next round waits until the group has settled
with both. At the end, once the group has committed the whole events topic, everything is
read back from the broker: the cues (each id once) must be `conductor rehearse`'s of the
published log, every published event must be in its ensemble's state as the changelog
holds it, and that state must be a clean replay of the events topic (the workers' ticks
included, in partition order), field by field.
"""

import asyncio
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_processes import stop
from streams_env import Streams
from streams_logs import as_lines, generated_log, rehearsed, with_horizon

from conductor.errors import ConductorError
from conductor.session.ensembles import Session
from schemas import Cue, Event
from streams.cuereader import read_records
from streams.fold import check
from streams.publish import publish
from streams.snapshots import is_head_key, restore
from streams.topics import LOG_SETTINGS, changelog_topic, ensure_topics

PARTITIONS = 4


@dataclass(frozen=True)
class KillPlan:
    rounds: int = 3
    ensembles: int = 6
    days: int = 40
    seed: int = 14
    snapshot_every: int = 20
    """Small, so that kills fall between snapshots, during them and after them."""
    kill_within: tuple[float, float] = (0.5, 4.0)
    """Seconds after the group settled (seeded, uniform) at which a worker is killed."""
    round_seconds: float = 8.0
    """The publisher spreads the log over rounds x this (the rest goes once they are done)."""


@dataclass
class KillReport:
    rounds: int = 0
    events: int = 0
    """Published events (the workers' ticks not counted)."""
    events_in_topic: int = 0
    """Messages in the events topic at the end: published events and the workers' ticks."""
    kills: int = 0
    events_lost: list[str] = field(default_factory=list)
    """Published events missing from their ensemble's state in the changelog."""
    cues_expected: int = 0
    cues_missing: list[str] = field(default_factory=list)
    cues_unexpected: list[str] = field(default_factory=list)
    cues_differing: list[str] = field(default_factory=list)
    """Ids sent with a body other than the rehearsal's (or twice, differently)."""
    cue_messages: int = 0
    dead_letters: list[str] = field(default_factory=list)
    """Each dead letter's key, source offset and reason (the published log is all valid)."""
    states_differing: list[str] = field(default_factory=list)
    """Ensembles whose state in the changelog is not a clean replay of the events topic."""
    ensembles: int = 0
    seconds: float = 0.0

    @property
    def duplicate_deliveries(self) -> int:
        """Cue messages beyond the first of their id (at-least-once redeliveries)."""
        return self.cue_messages - (self.cues_expected - len(self.cues_missing))

    def summary(self) -> str:
        """The figures, and the first few of each kind of difference."""
        lines = [
            f"{self.rounds} rounds, {self.kills} kills, {self.events} events published "
            f"({self.events_in_topic} in the topic with the workers' ticks), "
            f"{self.ensembles} ensembles, {self.seconds:.0f} s",
            f"cues: {self.cues_expected} expected, {self.cue_messages} messages, "
            f"{self.duplicate_deliveries} duplicate deliveries",
        ]
        for name in ("events_lost", "cues_missing", "cues_unexpected", "cues_differing",
                     "states_differing", "dead_letters"):  # fmt: skip
            found: list[str] = getattr(self, name)
            lines.append(f"{name}: {len(found)} {found[:5]}")
        return "\n".join(lines)

    @property
    def exact(self) -> bool:
        return not (
            self.events_lost
            or self.cues_missing
            or self.cues_unexpected
            or self.cues_differing
            or self.dead_letters
            or self.states_differing
        )


def kill_rounds(
    streams: Streams, plan: KillPlan, say: Callable[[str], None] = lambda _: None
) -> KillReport:
    """Run the rounds on the broker and topics of `streams`; the report says what came out."""
    started = time.monotonic()
    rng = random.Random(plan.seed)
    log = with_horizon(generated_log(ensembles=plan.ensembles, days=plan.days))
    messages = [
        (event.ensemble.encode(), line) for event, line in zip(log, as_lines(log), strict=True)
    ]
    topics = [streams.events, streams.cues_topic, streams.deadletter]
    asyncio.run(
        ensure_topics(streams.broker, topics, PARTITIONS, configs={streams.events: LOG_SETTINGS})
    )
    report = KillReport(events=len(log), ensembles=plan.ensembles)
    publisher = _Publisher(streams.broker, streams.events, messages, plan, rng.random())
    workers = [_start(streams, plan) for _ in range(2)]
    try:
        streams.settled_assignment([port for _, port in workers])
        publisher.start()
        for number in range(plan.rounds):
            time.sleep(rng.uniform(*plan.kill_within))
            victim = rng.randrange(2)
            process, _ = workers[victim]
            assert process.poll() is None, f"worker {victim} exited with {process.returncode}"
            process.send_signal(signal.SIGKILL)
            process.wait()
            report.kills += 1
            say(f"round {number + 1}: killed worker {victim}, {publisher.sent} events sent")
            workers[victim] = _start(streams, plan)
            streams.settled_assignment([port for _, port in workers])
            report.rounds += 1
        publisher.finish()
        say(f"all {len(messages)} events sent; waiting for the workers")
        expected = rehearsed(log)
        streams.wait_for_cues({cue.id for cue in expected}, timeout=180)
        wait_until_settled(streams)
    finally:
        publisher.finish()
        for process, _ in workers:
            stop(process)
    against_replay(streams, log, expected, report)
    report.seconds = time.monotonic() - started
    return report


def _start(streams: Streams, plan: KillPlan) -> tuple[subprocess.Popen[bytes], int]:
    return streams.start_worker(snapshot_every=plan.snapshot_every)


class _Publisher(threading.Thread):
    """Sends the log in bursts of random size at random intervals, in order."""

    def __init__(
        self,
        broker: str,
        topic: str,
        messages: list[tuple[bytes, bytes]],
        plan: KillPlan,
        seed: float,
    ) -> None:
        super().__init__(daemon=True)
        self.broker, self.topic, self.messages = broker, topic, messages
        self.rng = random.Random(seed)
        self.pause = plan.round_seconds * plan.rounds / 40  # ~40 bursts over the rounds
        self.burst = max(1, len(messages) // 40)
        self.sent = 0
        self._hurry = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while self.sent < len(self.messages):
                size = self.rng.randint(1, 2 * self.burst)
                if self._hurry.is_set():
                    size = len(self.messages)
                burst = self.messages[self.sent : self.sent + size]
                asyncio.run(publish(self.broker, self.topic, burst))
                self.sent += len(burst)
                self._hurry.wait(self.rng.uniform(0, 2 * self.pause))
        except BaseException as error:
            self.error = error
            raise

    def finish(self) -> None:
        """Send the rest at once and wait until the broker has it all."""
        self._hurry.set()
        if self.is_alive():
            self.join()
        elif self.ident is None:  # never started
            return
        if self.error is not None:
            raise RuntimeError("the publisher failed") from self.error


def wait_until_settled(streams: Streams, timeout: float = 120.0) -> None:
    """Until the group has committed the whole events topic, twice a second apart: the
    workers append ticks as deadlines pass, so the end moves until every deadline before
    the newest event has fired."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2:
        assert time.monotonic() < deadline, f"{streams.uncommitted()} events uncommitted"
        quiet = quiet + 1 if streams.uncommitted() == 0 else 0
        time.sleep(1.0)


def against_replay(
    streams: Streams,
    log: list[Event],
    expected: list[Cue],
    report: KillReport | None = None,
) -> KillReport:
    """What the workers left on the broker against a clean replay of the events topic and
    the `expected` cues (a rehearsal's of the published `log`), in `report`."""
    report = report if report is not None else KillReport(events=len(log))
    records = asyncio.run(_all_records(streams.broker, streams.events))
    report.events_in_topic = len(records)
    replayed = _replay(records)
    restored = asyncio.run(_restored_states(streams.broker, changelog_topic(streams.app_id)))
    for ensemble in sorted(set(replayed) | set(restored)):
        if replayed.get(ensemble) != restored.get(ensemble):
            report.states_differing.append(ensemble)
    for event in log:
        state = restored.get(event.ensemble)
        if state is None or event.id not in state["seen"]:
            report.events_lost.append(f"{event.ensemble} {event.id}")
    cues = [r.value for r in asyncio.run(_all_records(streams.broker, streams.cues_topic))]
    report.cue_messages = len(cues)
    by_id: dict[str, Cue] = {}
    for value in cues:
        cue = Cue.model_validate_json(value)
        if by_id.setdefault(cue.id, cue) != cue:
            report.cues_differing.append(cue.id)
    wanted = {cue.id: cue for cue in expected}
    report.cues_expected = len(wanted)
    report.cues_missing = [_named(cue) for i, cue in wanted.items() if i not in by_id]
    report.cues_unexpected = [_named(cue) for i, cue in by_id.items() if i not in wanted]
    report.cues_differing += [i for i, cue in by_id.items() if i in wanted and wanted[i] != cue]
    letters = asyncio.run(_all_records(streams.broker, streams.deadletter))
    report.dead_letters = [_dead_letter(record) for record in letters]
    return report


def _dead_letter(record: Any) -> str:
    headers = {name: value.decode() for name, value in record.headers}
    where = f"{headers['source-topic']}[{headers['source-partition']}]@{headers['source-offset']}"
    return f"{record.key.decode()} {where}: {headers['reason']}"


def _named(cue: Cue) -> str:
    return f"{cue.ensemble} {cue.kind.value} {cue.at.isoformat()}"


def _replay(records: list[Any]) -> dict[str, dict[str, Any]]:
    """Every ensemble's state after folding the events topic afresh, partition by partition
    in offset order (the order a worker folds them in)."""
    session = Session()
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        checked = check(record.key, record.value)
        if not isinstance(checked, str):
            session.apply(checked)
    return {name: engine.state.to_dict() for name, engine in session.engines.items()}


async def _restored_states(broker: str, changelog: str) -> dict[str, dict[str, Any]]:
    """Every ensemble's state as a worker would restore it from the changelog (its newest
    value per key, as the broker keeps it after compaction)."""
    table: dict[bytes, bytes] = {}
    for record in await _all_records(broker, changelog):
        if record.value is None:
            table.pop(record.key, None)
        else:
            table[record.key] = record.value
    states: dict[str, dict[str, Any]] = {}
    for key, head in table.items():
        if is_head_key(key):
            try:
                states[key.decode()] = restore(head, table.get).engine.state.to_dict()
            except ConductorError:  # a broken snapshot: its state counts as differing
                continue
    return states


async def _all_records(broker: str, topic: str) -> list[Any]:
    return [record async for record in read_records(broker, topic)]
