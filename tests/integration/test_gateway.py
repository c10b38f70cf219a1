"""`conductor gateway` on the real broker: the same requests answered as the embedded runtime
answers them, the accepted events produced keyed by ensemble, and a worker folding them into
the cues a rehearsal of them gives."""

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from github_payloads import SCORE, SECRET, all_payloads, headers, person_values, raw
from kafka_broker import CONDUCTOR, Streams
from local_processes import free_port, stop
from prometheus_client.parser import text_string_to_metric_families
from runtime_servers import InProcessRuntime, healthy, wait_for
from streams_logs import rehearsed

from conductor.core import tick_for
from conductor.core.publication import publication_at_start
from conductor.io.eventlog import parse_event
from conductor.io.scorefile import load_score
from conductor.metrics.catalogue import GATEWAY, exposed_by
from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock
from schemas import Event
from streams.cuereader import read_records

Request = tuple[str, dict[str, str], bytes]
"""(path, headers, body)"""
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}
STILL = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
"""Before the score: the embedded runtime's time is its newest event's, as a worker ticking
by event time keeps it."""


def native(event_id: str, kind: str, at: str, **data: str) -> bytes:
    return json.dumps(
        {"id": event_id, "type": kind, "ensemble": "harbor", "occurred_at": at, "data": data}
    ).encode()


def cloud(event_id: str, task: str, at: str) -> CloudEvent:
    return CloudEvent(
        attributes={
            "id": event_id,
            "source": "/ci/harbor",
            "type": "task.started",
            "time": datetime.fromisoformat(at),
            "ensemble": "harbor",
        },
        data={"task": task, "milestone": "design-system"},
    )


def github(name: str, delivery: str, secret: str = SECRET) -> Request:
    body = raw(name)
    return ("/webhooks/github", headers(name.split(".")[0], body, delivery, secret), body)


def task(event_id: str, kind: str, at: str, task: str) -> bytes:
    return native(event_id, kind, at, task=task, milestone="api-contract")


def requests() -> list[Request]:
    """Native, CloudEvents in each mode, GitHub deliveries; valid and not; one last tick."""
    score = load_score(SCORE)
    publication = publication_at_start(score).model_dump_json().encode()
    structured = to_structured(cloud("ce-1", "design-1", "2026-03-03T10:00:00Z"), JSONFormat())
    binary = to_binary(cloud("ce-2", "design-2", "2026-03-03T10:05:00Z"), JSONFormat())
    batch = [cloud(f"ce-b{n}", f"design-b{n}", "2026-03-03T10:10:00Z") for n in range(2)]
    batched = b"[" + b",".join(JSONFormat().write(event) for event in batch) + b"]"
    no_time = json.loads(JSONFormat().write(cloud("ce-x", "design-x", "2026-03-03T10:00:00Z")))
    del no_time["time"]
    two = [
        task("n-2", "task.started", "2026-03-03T08:30:00Z", "api-2"),
        task("n-3", "task.completed", "2026-03-03T09:00:00Z", "api-1"),
    ]
    one_bad = [
        task("n-4", "task.started", "2026-03-03T09:30:00Z", "api-4"),
        b'{"id": "n-5", "type": "task.started", "ensemble": "harbor"',
    ]
    horizon = tick_for("harbor", datetime(2026, 3, 12, tzinfo=UTC)).model_dump_json().encode()
    return [
        ("/events", {"Content-Type": "application/json"}, publication),
        ("/events", JSON, task("n-1", "task.started", "2026-03-03T08:00:00Z", "api-1")),
        ("/events", NDJSON, b"\n".join(two)),
        ("/events", NDJSON, b"\n".join(one_bad)),
        ("/events", structured.headers, structured.body),
        ("/events", binary.headers, binary.body),
        ("/events", {"Content-Type": "application/cloudevents-batch+json"}, batched),
        ("/events", {"Content-Type": "application/cloudevents+json"}, json.dumps(no_time).encode()),
        github("issues.opened.json", "gh-1"),
        github("issues.labeled.json", "gh-2", secret="wrong"),
        github("ping.json", "gh-3"),
        github("issues.opened-unmapped.json", "gh-4"),
        github("pull_request.opened.json", "gh-5"),
        github("issues.closed.json", "gh-6"),
        ("/events", JSON, horizon),
    ]


@pytest.fixture
def gateway(streams: Streams, tmp_path: Path) -> Iterator[str]:
    """A real `conductor gateway` process, as a team on Kafka starts it."""
    port = free_port()
    env = {**os.environ, "CONDUCTOR_GITHUB_WEBHOOK_SECRET": SECRET}
    args = [str(CONDUCTOR), "gateway", "--broker", streams.broker, "--prefix", streams.prefix]
    args += ["--port", str(port), "--score", str(SCORE), "--partitions", "2"]
    with (tmp_path / "gateway.log").open("wb") as output:
        process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        if process.poll() is not None:
            raise AssertionError((tmp_path / "gateway.log").read_text())
        return healthy(url)

    try:
        wait_for(serving, timeout=60, what="the gateway to serve")
        yield url
    finally:
        stop(process)


def answers(base_url: str) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for path, sent, body in requests():
        answer = httpx.post(f"{base_url}{path}", headers=sent, content=body, timeout=30)
        document = answer.json()
        document.pop("offset", None)  # the embedded log's own
        found.append((answer.status_code, document))
    return found


def produced(streams: Streams) -> list[Any]:
    async def collect() -> list[Any]:
        return [record async for record in read_records(streams.broker, streams.events)]

    return asyncio.run(collect())


def test_the_gateway_answers_as_the_embedded_runtime_and_a_worker_folds_what_it_produced(
    streams: Streams, gateway: str, tmp_path: Path
) -> None:
    settings = Settings.model_validate(
        {"db": tmp_path / "embedded.db", "port": free_port(), "stdout": False,
         "github_webhook_secret": SECRET}
    )  # fmt: skip
    with InProcessRuntime(settings, STILL) as embedded:
        expected = answers(embedded.url)
    got = answers(gateway)
    statuses = [200, 200, 200, 422, 200, 200, 200, 422, 200, 401, 200, 200, 200, 200, 200]
    assert [status for status, _ in got] == statuses
    assert got == expected
    accepted = [
        result["id"]
        for _, document in got
        for result in document.get("results", [])
        if result["status"] == "accepted"
    ]
    assert len(accepted) == 12

    records = produced(streams)
    assert {record.key for record in records} == {b"harbor"}, "keyed by ensemble"
    assert {record.partition for record in records} == {records[0].partition}
    events: list[Event] = []
    for record in sorted(records, key=lambda r: r.offset):
        event = parse_event(record.value)
        assert not isinstance(event, list), record.value
        events.append(event)
    assert [event.id for event in events] == accepted, "every accepted event, in order, once"
    issue = next(event for event in events if event.id == "gh-1")
    assert issue.source == "github"
    assert issue.model_dump(mode="json")["data"] == {
        "task": "octo-org/octo-repo#1347",
        "milestone": "payments",
    }
    people = set().union(*(person_values(document) for document in all_payloads().values()))
    topic_bytes = b"".join(record.value for record in records).decode().lower()
    assert sorted(value for value in people if value.lower() in topic_bytes) == []
    metrics = httpx.get(f"{gateway}/metrics").text
    counted = {
        (sample.name, sample.labels.get("kind")): sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name in ("conductor_ingest_ignored", "conductor_gateway_events_published")
        for sample in family.samples
        if sample.name.endswith("_total")
    }
    assert counted == {
        ("conductor_ingest_ignored_total", "github-ping"): 1,
        ("conductor_ingest_ignored_total", "github-item"): 1,
        ("conductor_gateway_events_published_total", None): 12,
    }
    families = {family.name: family for family in text_string_to_metric_families(metrics)}
    share = {spec.name.removesuffix("_total") for spec in exposed_by(GATEWAY)}
    assert {name for name in families if not name.endswith("_created")} == share
    rejected = families["conductor_events_rejected"].samples
    assert [(s.labels, s.value) for s in rejected if s.name.endswith("_total")] == [
        ({"ensemble": ""}, 2)
    ], "the NDJSON line and the CloudEvent without a time, not the unsigned delivery"
    printed = (tmp_path / "gateway.log").read_text()
    assert "conductor gateway: serving" in printed
    for place, text in {"/metrics": metrics, "gateway.log": printed}.items():
        found = sorted(value for value in people if value.lower() in text.lower())
        assert found == [], f"the gateway's {place} holds person data: {found}"

    cues = rehearsed(events)
    assert len(cues) > 10
    worker, _ = streams.start_worker()
    try:
        folded = streams.wait_for_cues({cue.id for cue in cues})
    finally:
        stop(worker)
    assert {cue.id for cue in folded} == {cue.id for cue in cues}


def test_without_its_broker_the_gateway_does_not_serve(tmp_path: Path) -> None:
    """Nothing listens at the broker's address: the gateway cannot make sure of its topic,
    so it exits instead of answering requests it could not produce."""
    port = free_port()
    dead = f"kafka://127.0.0.1:{free_port()}"
    args = [str(CONDUCTOR), "gateway", "--broker", dead, "--port", str(port)]
    with (tmp_path / "gateway.log").open("wb") as output:
        process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT)
    try:
        process.wait(timeout=120)
    finally:
        stop(process)
    assert process.returncode != 0
    assert not healthy(f"http://127.0.0.1:{port}")
