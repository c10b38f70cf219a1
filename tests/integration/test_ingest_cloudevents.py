"""CloudEvents into `POST /events` over real HTTP, in all three modes, sent as the CloudEvents
SDK sends them (structured and binary mode by its own HTTP binding; a batch is a JSON array
of structured events, as the spec's batched mode has it and the SDK has no helper for)."""

import base64
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from local_processes import free_port
from runtime_servers import EXAMPLES, InProcessRuntime

from conductor.io.eventlog import parse_event
from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock

BEFORE_THE_SCORE = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
BATCH = {"Content-Type": "application/cloudevents-batch+json"}
ATTRIBUTES = ("specversion", "id", "source", "type", "time", "ensemble")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessRuntime]:
    """One runtime for the module: every test posts events of its own ids."""
    settings = Settings.model_validate(
        {
            "score": EXAMPLES / "score.yaml",
            "db": tmp_path_factory.mktemp("cloudevents") / "conductor.db",
            "port": free_port(),
            "stdout": False,
        }
    )
    with InProcessRuntime(settings, BEFORE_THE_SCORE) as running:
        yield running


def started(event_id: str, task: str, time: str = "2026-03-03T09:15:00Z") -> CloudEvent:
    return CloudEvent(
        attributes={
            "id": event_id,
            "source": "https://ci.harbor.example/pipelines/7",
            "type": "task.started",
            "time": datetime.fromisoformat(time),
            "ensemble": "harbor",
            "subject": task,
        },
        data={"task": task, "milestone": "api-contract"},
    )


def offset(server: InProcessRuntime) -> int:
    return int(httpx.get(f"{server.url}/healthz").json()["offset"])


def logged(server: InProcessRuntime) -> dict[str, bytes]:
    """The log's events by id, read from the SQLite file as another process would."""
    assert server.settings.db is not None
    with sqlite3.connect(server.settings.db) as db:
        bodies = [row[0] for row in db.execute("SELECT body FROM events ORDER BY pos")]
    return {json.loads(body)["id"]: body for body in bodies}


def post(server: InProcessRuntime, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(f"{server.url}/events", headers=headers, content=body)


def wip(server: InProcessRuntime, section: str) -> int:
    return int(httpx.get(f"{server.url}/ensembles/harbor").json()["wip"][section]["wip"])


def test_structured_mode_maps_every_attribute(server: InProcessRuntime) -> None:
    before = wip(server, "platform")
    message = to_structured(started("ce-1", "api-contract-1"), JSONFormat())
    answer = post(server, message.headers, message.body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"] == [{"line": 1, "status": "accepted", "id": "ce-1"}]
    event = parse_event(logged(server)["ce-1"])
    assert not isinstance(event, list)
    assert event.type == "task.started"
    assert event.ensemble == "harbor"
    assert event.occurred_at == datetime(2026, 3, 3, 9, 15, tzinfo=UTC)
    assert event.source == "https://ci.harbor.example/pipelines/7"
    assert event.model_dump(mode="json")["data"] == {
        "task": "api-contract-1",
        "milestone": "api-contract",
    }
    assert wip(server, "platform") == before + 1


def test_binary_mode_reads_the_ce_headers(server: InProcessRuntime) -> None:
    message = to_binary(started("ce-2", "api-contract-2"), JSONFormat())
    assert "ce-ensemble" in message.headers and "ce-time" in message.headers
    answer = post(server, message.headers, message.body)
    assert answer.status_code == 200, answer.text
    event = parse_event(logged(server)["ce-2"])
    assert not isinstance(event, list)
    assert (event.type, event.occurred_at) == (
        "task.started",
        datetime(2026, 3, 3, 9, 15, tzinfo=UTC),
    )


def test_a_batch_is_one_answer_line_per_event(server: InProcessRuntime) -> None:
    events = [started(f"ce-b{n}", f"api-contract-b{n}") for n in range(3)]
    body = b"[" + b",".join(JSONFormat().write(event) for event in events) + b"]"
    answer = post(server, BATCH, body)
    assert answer.status_code == 200, answer.text
    assert [(r["line"], r["status"], r["id"]) for r in answer.json()["results"]] == [
        (1, "accepted", "ce-b0"),
        (2, "accepted", "ce-b1"),
        (3, "accepted", "ce-b2"),
    ]
    assert {"ce-b0", "ce-b1", "ce-b2"} <= set(logged(server))


def test_data_base64_of_json_is_read_as_the_data(server: InProcessRuntime) -> None:
    document = json.loads(JSONFormat().write(started("ce-64", "api-contract-64")))
    data = json.dumps(document.pop("data")).encode()
    document["data_base64"] = base64.b64encode(data).decode()
    answer = post(
        server, {"Content-Type": "application/cloudevents+json"}, json.dumps(document).encode()
    )
    assert answer.status_code == 200, answer.text
    assert "ce-64" in logged(server)


def structured_without(attribute: str) -> tuple[dict[str, str], bytes]:
    message = to_structured(started(f"no-{attribute}", "t"), JSONFormat())
    document = json.loads(message.body)
    del document[attribute]
    return message.headers, json.dumps(document).encode()


def binary_without(attribute: str) -> tuple[dict[str, str], bytes]:
    message = to_binary(started(f"no-{attribute}", "t"), JSONFormat())
    headers = {k: v for k, v in message.headers.items() if k != f"ce-{attribute}"}
    return headers, message.body


def batch_without(attribute: str) -> tuple[dict[str, str], bytes]:
    good = JSONFormat().write(started("fine", "t-fine"))
    _, bad = structured_without(attribute)
    return BATCH, b"[" + good + b"," + bad + b"]"


@pytest.mark.parametrize("attribute", ATTRIBUTES)
@pytest.mark.parametrize("mode", ["structured", "binary", "batch"])
def test_a_missing_attribute_is_422_naming_it(
    server: InProcessRuntime, mode: str, attribute: str
) -> None:
    build = {"structured": structured_without, "binary": binary_without, "batch": batch_without}
    headers, body = build[mode](attribute)
    before = offset(server)
    answer = post(server, headers, body)
    assert answer.status_code == 422, answer.text
    report: dict[str, Any] = answer.json()
    assert report["appended"] is False
    faulty = report["results"][-1]
    named = f"ce-{attribute}" if mode == "binary" else attribute
    assert [problem["path"] for problem in faulty["problems"]] == [named]
    if mode == "batch":
        assert report["results"][0]["problems"][0]["path"] == "(batch)"
    assert offset(server) == before


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"type": "com.example.build.finished"}, "type", "com.example.build.finished"),
        ({"time": "2026-03-03T09:15:00"}, "time", "timezone"),
        ({"specversion": "0.3"}, "specversion", "only CloudEvents 1.0"),
        ({"data": {"task": "t"}}, "data.milestone", "Field required"),
        ({"datacontenttype": "text/plain"}, "datacontenttype", "must be JSON"),
    ],
    ids=["not-a-conductor-type", "naive-time", "old-spec", "incomplete-data", "not-json-data"],
)
def test_an_invalid_cloudevent_is_422_naming_the_attribute(
    server: InProcessRuntime, change: dict[str, Any], path: str, message: str
) -> None:
    document = json.loads(JSONFormat().write(started("bad", "t")))
    document.update(change)
    answer = post(
        server, {"Content-Type": "application/cloudevents+json"}, json.dumps(document).encode()
    )
    assert answer.status_code == 422, answer.text
    (result,) = answer.json()["results"]
    assert any(p["path"] == path and message in p["message"] for p in result["problems"]), result


def test_a_batch_that_is_not_an_array_is_refused(server: InProcessRuntime) -> None:
    answer = post(server, BATCH, JSONFormat().write(started("lonely", "t")))
    assert answer.status_code == 422
    assert answer.json()["results"][0]["problems"] == [
        {"path": "(root)", "message": "a CloudEvents batch is a JSON array of events"}
    ]


def test_a_cloudevent_sent_again_is_a_duplicate(server: InProcessRuntime) -> None:
    message = to_structured(started("ce-again", "api-contract-9"), JSONFormat())
    assert post(server, message.headers, message.body).json()["accepted"] == 1
    before = offset(server)
    binary = to_binary(started("ce-again", "api-contract-9"), JSONFormat())
    again = post(server, binary.headers, binary.body)
    assert again.status_code == 200
    assert again.json()["results"] == [{"line": 1, "status": "duplicate", "id": "ce-again"}]
    assert offset(server) == before


def test_the_core_refusing_a_cloudevent_names_the_field(server: InProcessRuntime) -> None:
    event = CloudEvent(
        attributes={
            "id": "ce-moon",
            "source": "/ci",
            "type": "task.started",
            "time": datetime(2026, 3, 3, 10, tzinfo=UTC),
            "ensemble": "harbor",
        },
        data={"task": "t", "milestone": "moon"},
    )
    message = to_structured(event, JSONFormat())
    answer = post(server, message.headers, message.body)
    assert answer.status_code == 422
    assert answer.json()["results"][0]["problems"] == [
        {"path": "data.milestone", "message": "unknown milestone 'moon'"}
    ]
