"""`conductor deliver` on a real Apache Kafka broker: the cues topic reaches webhooks and chat
with the embedded runtime's routing, quiet hours, retries and signatures, at least once."""

import asyncio
import json
import os
import signal
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kafka_broker import Streams
from local_processes import free_port, stop
from receivers import CloudEventsReceiver, Receiver, SlackReceiver
from runtime_servers import InProcessRuntime, wait_for
from streams_logs import EXAMPLES, as_lines, example_log, example_score, rehearsed, with_horizon
from test_runtime_delivery import logged_cues
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

from conductor.io.modeljson import model_json
from conductor.rehearsal.replay import rehearse_file
from schemas import Cue, Score
from streams.cuereader import read_records
from streams.topics import bootstrap, ensure_topics, partitions_of

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


class Deliver:
    """`conductor deliver` processes of one test, each stopped at the end."""

    def __init__(self, streams: Streams, sinks: Path) -> None:
        self.streams = streams
        self.sinks = sinks
        self.processes: list[subprocess.Popen[bytes]] = []
        self.port = free_port()

    def start(self, *extra: str) -> subprocess.Popen[bytes]:
        log = (self.streams.logs / f"deliver-{uuid.uuid4().hex[:6]}.log").open("wb")
        process = subprocess.Popen(
            [
                *self.streams.command("deliver", "--sinks", str(self.sinks)),
                "--app-id",
                f"{self.streams.app_id}-deliver",
                "--web-port",
                str(self.port),
                "--loglevel",
                "warning",
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TEAM_SECRET": SECRET},
        )
        log.close()
        self.processes.append(process)
        return process

    def metrics(self) -> dict[str, float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as reply:
            text = reply.read().decode()
        samples = (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
        return {name: float(value) for name, value in samples}

    def deliveries(self, **query: str) -> list[dict[str, Any]]:
        """`GET /deliveries` of the running `conductor deliver`."""
        answer = httpx.get(f"http://127.0.0.1:{self.port}/deliveries", params=query, timeout=5)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["deliveries"]
        return rows

    def stop_all(self) -> None:
        for process in self.processes:
            stop(process)
        self.processes.clear()


def sinks_file(tmp_path: Path, sinks: list[dict[str, Any]]) -> Path:
    path = tmp_path / "sinks.yaml"
    path.write_text(yaml.safe_dump({"sinks": sinks}), encoding="utf-8")
    return path


def committed(streams: Streams, group: str) -> dict[int, int]:
    async def fetch() -> dict[int, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap(streams.broker), group_id=group)
        await consumer.start()
        try:
            found = {}
            for partition in await partitions_of(streams.broker, streams.cues_topic):
                offset = await consumer.committed(TopicPartition(streams.cues_topic, partition))
                found[partition] = offset or 0
            return found
        finally:
            await consumer.stop()

    return asyncio.run(fetch())


def end_offsets(streams: Streams) -> dict[int, int]:
    async def fetch() -> dict[int, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap(streams.broker))
        await consumer.start()
        try:
            tps = [
                TopicPartition(streams.cues_topic, p)
                for p in await partitions_of(streams.broker, streams.cues_topic)
            ]
            return {
                tp.partition: offset for tp, offset in (await consumer.end_offsets(tps)).items()
            }
        finally:
            await consumer.stop()

    return asyncio.run(fetch())


def test_deliver_brings_every_cue_of_the_workers_to_a_webhook_and_a_chat_at_least_once(
    streams: Streams, tmp_path: Path, receivers: list[Receiver]
) -> None:
    webhook = CloudEventsReceiver(free_port(), secret=SECRET, fail_first=3).start()
    slack = SlackReceiver(free_port()).start()
    receivers += [webhook, slack]
    path = sinks_file(
        tmp_path,
        [
            {"name": "hooks", "type": "webhook", "url": webhook.url, "secret_env": "TEAM_SECRET",
             "retry": {"attempts": 5, "first_seconds": 0.05, "max_seconds": 0.2}},
            {"name": "chat", "type": "slack", "url": slack.url, "kinds": ["hold", "breakdown"]},
        ],
    )  # fmt: skip
    log = with_horizon(example_log()[1:])
    published = subprocess.run(
        streams.command("publish", "--score", str(EXAMPLES / "score.yaml")),
        input=b"".join(line + b"\n" for line in as_lines(log)),
        capture_output=True,
        check=True,
    )
    assert published.returncode == 0
    expected = rehearsed([example_log()[0], *log])
    wanted = {cue.id for cue in expected}
    chat_wanted = [cue.id for cue in expected if cue.kind in {"hold", "breakdown"}]
    deliver = Deliver(streams, path)
    worker, _ = streams.start_worker()
    try:
        first = deliver.start()
        wait_for(lambda: len(webhook.ids()) >= 20, timeout=180, what="some cues delivered")
        first.send_signal(signal.SIGKILL)  # a crash: what it had not committed comes again
        first.wait(timeout=10)
        deliver.start()
        wait_for(lambda: webhook.ids() == wanted, timeout=180, what="every cue at the webhook")
        wait_for(lambda: len(set(slack.cue_ids())) == len(chat_wanted), what="chat cues")
        metrics = deliver.metrics()
        wait_for(
            lambda: committed(streams, f"{streams.app_id}-deliver") == end_offsets(streams),
            what="the offsets of every delivered cue committed",
        )
    finally:
        stop(worker)
        deliver.stop_all()
    assert webhook.errors == [] and slack.errors == []
    by_id = {cue.id: json.loads(model_json(cue)) for cue in expected}
    for cue_id, cue in webhook.cues.items():
        assert cue == by_id[cue_id]
        assert webhook.events[cue_id].get_type() == f"dev.conductor.cue.{cue['kind']}"
    assert sorted(set(slack.cue_ids())) == sorted(chat_wanted)
    assert webhook.count() >= len(wanted) + 3, "the three refused requests were tried again"
    assert metrics['conductor_cue_deliveries_total{kind="chat"}'] >= 1
    assert metrics['conductor_cue_delivery_pending{kind="hooks"}'] == 0


QUIET = {"start": "19:00", "end": "08:00", "days_off": ["SA", "SU"]}


def produce(streams: Streams, cues: list[Cue]) -> None:
    async def send() -> None:
        await ensure_topics(streams.broker, [streams.cues_topic], 2)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap(streams.broker), acks="all")
        await producer.start()
        try:
            for cue in cues:
                await producer.send_and_wait(
                    streams.cues_topic, model_json(cue), key=cue.ensemble.encode()
                )
        finally:
            await producer.stop()

    asyncio.run(send())


def quiet_example() -> tuple[Score, list[Cue]]:
    """The example score with quiet hours (19:00-08:00 and weekends), and its cues."""
    data = example_score().model_dump(mode="json")
    data["tempo"]["quiet_hours"] = QUIET
    score = Score.model_validate(data)
    lines = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
    return score, rehearse_file(score, lines, None).cues


def test_deliver_holds_cues_for_quiet_hours_and_records_the_last_failure(
    streams: Streams, tmp_path: Path, receivers: list[Receiver]
) -> None:
    """With its clock standing at Saturday 21 March 12:00 in Berlin, deliver sends the cues due
    by then and holds the one fired that morning (a hold at 09:27, due Monday 08:00); with a
    later clock, the rest."""
    _, cues = quiet_example()
    produce(streams, cues)
    saturday = datetime(2026, 3, 21, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    due = {cue.id for cue in cues if (cue.deliver_at or cue.at) <= saturday}
    held = [cue for cue in cues if cue.at <= saturday < (cue.deliver_at or cue.at)]
    assert [cue.kind for cue in held] == ["hold"]
    webhook = CloudEventsReceiver(free_port(), secret=SECRET).start()
    down = CloudEventsReceiver(free_port(), secret=SECRET, always_fail=True).start()
    receivers += [webhook, down]
    path = sinks_file(
        tmp_path,
        [
            {"name": "hooks", "type": "webhook", "url": webhook.url, "secret_env": "TEAM_SECRET"},
            {"name": "down", "type": "webhook", "url": down.url, "secret_env": "TEAM_SECRET",
             "kinds": ["breakdown"], "retry": {"attempts": 2, "first_seconds": 0.05}},
        ],
    )  # fmt: skip
    breakdowns = [cue.id for cue in cues if cue.kind == "breakdown"]
    deliver = Deliver(streams, path)
    try:
        deliver.start("--clock", saturday.isoformat())
        wait_for(lambda: webhook.ids() == due, timeout=120, what="the cues due by Saturday")
        assert set(breakdowns) <= due
        wait_for(
            lambda: (
                deliver.metrics().get('conductor_cue_deliveries_failed_total{kind="down"}')
                == len(breakdowns)
            ),
            what="the failed record after the last try",
        )
        assert not {cue.id for cue in held} & webhook.ids()
        failed = deliver.deliveries(failed="true")
        waiting = deliver.deliveries(sink="hooks")
        deliver.stop_all()
        deliver.start("--clock", "2026-06-01T09:00:00+02:00")
        wait_for(lambda: webhook.ids() == {c.id for c in cues}, timeout=120, what="all the rest")
    finally:
        deliver.stop_all()
    assert breakdowns and down.count() == 2 * len(breakdowns)
    assert sorted(row["cue"] for row in failed) == sorted(breakdowns)
    assert {(row["sink"], row["kind"], row["status"], row["attempts"]) for row in failed} == {
        ("down", "breakdown", "failed", 2)
    }
    assert all("503" in row["error"] for row in failed)
    assert {row["cue"] for row in waiting} == {c.id for c in cues} - due, "not due by the clock"
    assert {row["status"] for row in waiting} == {"held"}
    for cue in held:
        assert cue.deliver_at is not None
        assert webhook.cues[cue.id]["deliver_at"] == cue.deliver_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert webhook.cues[cue.id]["at"] == cue.at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_embedded_runtime_s_kafka_sink_produces_every_cue_keyed_by_ensemble(
    streams: Streams, tmp_path: Path
) -> None:

    topic = f"{streams.prefix}team.cues"
    asyncio.run(ensure_topics(streams.broker, [topic], 2))
    path = sinks_file(
        tmp_path, [{"name": "bus", "type": "kafka", "broker": streams.broker, "topic": topic}]
    )
    config = settings(tmp_path, sinks=path, jsonl=None)
    lines = (EXAMPLES / "events.jsonl").read_bytes()
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        assert httpx.post(f"{server.url}/events", content=lines, headers=NDJSON).status_code == 200
        stored = [cue["id"] for cue in logged_cues(config.db)]

        def produced() -> list[Any]:
            async def collect() -> list[Any]:
                return [record async for record in read_records(streams.broker, topic)]

            return asyncio.run(collect())

        wait_for(lambda: len(produced()) >= len(stored), timeout=60, what="every cue produced")
    records = produced()
    assert sorted(json.loads(r.value)["id"] for r in records) == sorted(stored)
    assert {r.key for r in records} == {b"harbor"}
    assert len({r.partition for r in records}) == 1, "an ensemble's cues stay in one partition"
