"""The embedded runtime refuses what its document does not describe, each refusal in the one
error shape (`detail`, `problems[{path, message}]`), and appends nothing it refused."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from runtime_servers import InProcessRuntime
from test_runtime_http import BEFORE_THE_SCORE, JSON, NDJSON, TASK, offset, settings


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessRuntime]:
    with InProcessRuntime(settings(tmp_path, api_token="s3cret"), BEFORE_THE_SCORE) as running:
        yield running


AUTH = {"Authorization": "Bearer s3cret"}


def post(server: InProcessRuntime, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/events", content=body, headers={**AUTH, **headers})


def in_the_one_shape(answer: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert all({"path", "message"} <= problem.keys() for problem in body["problems"])
    return body


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
    ids=["text-plain", "form", "none"],
)
def test_a_body_of_another_type_is_415_naming_the_types_taken(
    server: InProcessRuntime, headers: dict[str, str]
) -> None:
    before = offset(server.url)
    answer = post(server, json.dumps(TASK).encode(), headers)
    assert answer.status_code == 415
    detail = in_the_one_shape(answer)["detail"]
    assert "application/json" in detail and "application/x-ndjson" in detail
    assert offset(server.url) == before


@pytest.mark.parametrize(
    ("body", "headers"), [(b"", JSON), (b"\n \n", NDJSON)], ids=["json", "ndjson"]
)
def test_a_body_with_no_event_is_422(
    server: InProcessRuntime, body: bytes, headers: dict[str, str]
) -> None:
    answer = post(server, body, headers)
    assert answer.status_code == 422
    (problem,) = in_the_one_shape(answer)["problems"]
    assert (problem["path"], problem["message"]) == ("(body)", "the body holds no event")


def test_invalid_utf8_is_reported_as_an_encoding_error(server: InProcessRuntime) -> None:
    body = (
        json.dumps({**TASK, "id": "café"}, ensure_ascii=False)
        .encode()
        .replace("é".encode(), b"\xe9")
    )
    answer = post(server, body, JSON)
    assert answer.status_code == 422
    (problem,) = in_the_one_shape(answer)["problems"]
    assert problem["message"] == "not UTF-8: byte 11 is 0xe9"


def test_a_reused_id_with_other_content_is_a_conflict_and_not_kept(
    server: InProcessRuntime,
) -> None:
    assert post(server, json.dumps(TASK).encode(), JSON).status_code == 200
    before = offset(server.url)
    reordered = json.dumps(dict(reversed(list(TASK.items()))), indent=2).encode()
    same = post(server, reordered, JSON)
    assert (same.status_code, same.json()["results"][0]["status"]) == (200, "duplicate")
    other = {**TASK, "data": {"task": "launch-2", "milestone": "launch"}}
    answer = post(server, json.dumps(other).encode(), JSON)
    assert answer.status_code == 409
    (result,) = answer.json()["results"]
    assert (result["status"], result["id"]) == ("conflict", "extra-1")
    (problem,) = in_the_one_shape(answer)["problems"]
    assert problem["path"] == "id" and "'extra-1' was appended before" in problem["message"]
    assert offset(server.url) == before


def test_in_a_batch_a_conflict_is_told_per_line_and_the_rest_appended(
    server: InProcessRuntime,
) -> None:
    """The first line is not in the log yet when the third repeats its id."""
    first = {**TASK, "id": "batch-1"}
    lines = [first, {**TASK, "id": "batch-2"}, {**first, "occurred_at": "2026-05-14T16:00:00Z"}]
    before = offset(server.url)
    answer = post(server, b"\n".join(json.dumps(line).encode() for line in lines), NDJSON)
    assert answer.status_code == 200
    body = answer.json()
    assert [result["status"] for result in body["results"]] == ["accepted", "accepted", "conflict"]
    assert (body["accepted"], body["conflicts"]) == (2, 1)
    assert offset(server.url) == before + 2


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"since": "9223372036854775808"}, "query.since"),
        ({"since": "-1"}, "query.since"),
        ({"limit": "0"}, "query.limit"),
        ({"role": "r" * 201}, "query.role"),
    ],
)
def test_query_parameters_out_of_range_are_422(
    server: InProcessRuntime, params: dict[str, str], path: str
) -> None:
    answer = httpx.get(f"{server.url}/cues", params=params, headers=AUTH)
    assert answer.status_code == 422
    assert [problem["path"] for problem in in_the_one_shape(answer)["problems"]] == [path]


def test_every_refusal_has_the_one_shape(server: InProcessRuntime) -> None:
    unknown = httpx.get(f"{server.url}/ensembles/tugboat", headers=AUTH)
    assert unknown.status_code == 404 and "tugboat" in in_the_one_shape(unknown)["detail"]
    no_token = httpx.post(f"{server.url}/events", json=TASK)
    assert no_token.status_code == 401
    assert in_the_one_shape(no_token)["detail"] == "a bearer token is required"
    no_route = httpx.get(f"{server.url}/nowhere", headers=AUTH)
    assert no_route.status_code == 404 and in_the_one_shape(no_route)["problems"] == []
    rejected = post(server, json.dumps({**TASK, "ensemble": "tugboat"}).encode(), JSON)
    assert rejected.status_code == 422
    (problem,) = in_the_one_shape(rejected)["problems"]
    assert (problem["line"], problem["path"]) == (1, "ensemble")
