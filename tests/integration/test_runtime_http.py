"""The embedded runtime over real HTTP (uvicorn on a loopback port, clock injected)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from local_processes import free_port
from runtime_servers import EXAMPLES, InProcessRuntime, wait_for

from conductor.io.scorefile import load_score
from conductor.rehearsal.replay import rehearse_file
from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock

BEFORE_THE_SCORE = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
"""A clock standing still before the example score starts: the runtime's time is then the
newest event's, as in a rehearsal, so the two must give the same cues."""
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}
TASK = {
    "id": "extra-1",
    "type": "task.started",
    "ensemble": "harbor",
    "occurred_at": "2026-05-14T15:00:00Z",
    "data": {"task": "launch-1", "milestone": "launch"},
}


def settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "score": EXAMPLES / "score.yaml",
        "db": tmp_path / "conductor.db",
        "port": free_port(),
        "stdout": False,
        "jsonl": tmp_path / "cues.jsonl",
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessRuntime]:
    with InProcessRuntime(settings(tmp_path, max_body_bytes=64 * 1024), BEFORE_THE_SCORE) as s:
        yield s


def all_cues(url: str) -> list[dict[str, object]]:
    cues: list[dict[str, object]] = []
    since = 0
    while True:
        page = httpx.get(f"{url}/cues", params={"since": since, "limit": 50}).json()
        cues += page["cues"]
        if page["next"] == since:
            return cues
        since = page["next"]


def offset(url: str) -> int:
    return int(httpx.get(f"{url}/healthz").json()["offset"])


def test_posting_the_example_log_gives_the_cues_of_a_rehearsal(server: InProcessRuntime) -> None:
    log = (EXAMPLES / "events.jsonl").read_bytes()
    lines = log.splitlines()
    for start in range(0, len(lines), 40):
        batch = b"\n".join(lines[start : start + 40])
        answer = httpx.post(f"{server.url}/events", content=batch, headers=NDJSON)
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"] == len(lines[start : start + 40])
    served = all_cues(server.url)
    rehearsed = rehearse_file(load_score(EXAMPLES / "score.yaml"), lines, None).cues
    expected = [json.loads(cue.model_dump_json()) for cue in rehearsed]
    assert sorted(served, key=lambda cue: str(cue["at"])) == expected
    assert {cue["kind"] for cue in served} >= {"entry", "hold", "breakdown", "digest"}


def test_filters_and_paging_of_cues(server: InProcessRuntime) -> None:
    httpx.post(
        f"{server.url}/events", content=(EXAMPLES / "events.jsonl").read_bytes(), headers=NDJSON
    )
    holds = httpx.get(f"{server.url}/cues", params={"kind": "hold"}).json()["cues"]
    assert holds and all(cue["kind"] == "hold" for cue in holds)
    designer = httpx.get(f"{server.url}/cues", params={"role": "designer"}).json()["cues"]
    assert designer and all(cue["to"] == {"role": "designer"} for cue in designer)
    bad = httpx.get(f"{server.url}/cues", params={"kind": "nagging"})
    assert bad.status_code == 422
    (problem,) = bad.json()["problems"]
    assert problem["path"] == "query.kind"


def test_a_duplicate_is_acknowledged_and_not_appended(server: InProcessRuntime) -> None:
    first = httpx.post(f"{server.url}/events", json=TASK)
    assert first.status_code == 200
    assert first.json()["results"] == [{"line": 1, "status": "accepted", "id": "extra-1"}]
    before = offset(server.url)
    again = httpx.post(f"{server.url}/events", json=TASK)
    assert again.status_code == 200
    assert again.json()["results"] == [{"line": 1, "status": "duplicate", "id": "extra-1"}]
    assert offset(server.url) == before


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (b'{"id": "x", "type": ', "(root)", "Invalid JSON"),
        (json.dumps({**TASK, "data": {"task": 7, "milestone": "launch"}}), "data.task", "string"),
        (json.dumps({**TASK, "occurred_at": "2026-05-14T15:00:00"}), "occurred_at", "timezone"),
        (json.dumps({**TASK, "type": "task.finished"}), "type", "task.finished"),
        (
            json.dumps({**TASK, "data": {"task": "t", "milestone": "moon"}}),
            "data.milestone",
            "moon",
        ),
        (json.dumps({**TASK, "ensemble": "tugboat"}), "ensemble", "no score"),
    ],
    ids=["malformed", "wrong-type", "naive-time", "unknown-type", "unknown-milestone", "no-score"],
)
def test_bad_events_get_422_naming_the_field(
    server: InProcessRuntime, body: str | bytes, path: str, message: str
) -> None:
    before = offset(server.url)
    answer = httpx.post(f"{server.url}/events", content=body, headers=JSON)
    assert answer.status_code == 422
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected"
    assert any(p["path"] == path and message in p["message"] for p in result["problems"]), result
    assert offset(server.url) == before


def test_a_batch_with_one_bad_line_appends_nothing(server: InProcessRuntime) -> None:
    good = [
        json.dumps({**TASK, "id": f"b-{n}", "data": {"task": f"t{n}", "milestone": "launch"}})
        for n in range(3)
    ]
    bad = json.dumps({**TASK, "id": "b-bad", "occurred_at": "yesterday"})
    before = offset(server.url)
    answer = httpx.post(
        f"{server.url}/events", content="\n".join([good[0], bad, *good[1:]]), headers=NDJSON
    )
    assert answer.status_code == 422
    report = answer.json()
    assert report["appended"] is False
    statuses = [(r["line"], r["status"]) for r in report["results"]]
    assert statuses == [(1, "rejected"), (2, "rejected"), (3, "rejected"), (4, "rejected")]
    assert report["results"][1]["problems"][0]["path"] == "occurred_at"
    assert report["results"][0]["problems"][0]["path"] == "(batch)"
    assert offset(server.url) == before


def test_lines_the_core_refuses_are_reported_and_the_rest_appended(
    server: InProcessRuntime,
) -> None:
    lines = [
        json.dumps({**TASK, "id": "c-1"}),
        json.dumps({**TASK, "id": "c-2", "data": {"task": "t", "milestone": "moon"}}),
        json.dumps({**TASK, "id": "c-3", "data": {"task": "t3", "milestone": "launch"}}),
    ]
    before = offset(server.url)
    answer = httpx.post(f"{server.url}/events", content="\n".join(lines), headers=NDJSON)
    assert answer.status_code == 200
    report = answer.json()
    assert [r["status"] for r in report["results"]] == ["accepted", "rejected", "accepted"]
    assert report["results"][1]["problems"] == [
        {"path": "data.milestone", "message": "unknown milestone 'moon'"}
    ]
    assert offset(server.url) == before + 2


def test_an_oversized_body_gets_413_and_nothing_appended(server: InProcessRuntime) -> None:
    before = offset(server.url)
    huge = (json.dumps(TASK) + "\n") * 1000
    answer = httpx.post(f"{server.url}/events", content=huge, headers=NDJSON)
    assert answer.status_code == 413
    assert "larger than 65536 bytes" in answer.json()["detail"]
    assert offset(server.url) == before


def test_figures_of_an_ensemble_and_404_for_an_unknown_one(server: InProcessRuntime) -> None:
    httpx.post(
        f"{server.url}/events", content=(EXAMPLES / "events.jsonl").read_bytes(), headers=NDJSON
    )
    figures = httpx.get(f"{server.url}/ensembles/harbor").json()
    assert figures["milestones"]["api-contract"]["status"] == "reached"
    assert figures["commitments"]["public-launch"]["in_breakdown"] is True
    assert 0 <= figures["commitments"]["public-launch"]["forecast"]["probability"] <= 1
    missing = httpx.get(f"{server.url}/ensembles/tugboat")
    assert missing.status_code == 404
    assert "tugboat" in missing.json()["detail"]


def test_openapi_describes_the_api(server: InProcessRuntime) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/events", "/cues", "/ensembles/{ensemble}", "/healthz", "/metrics"} <= set(
        schema["paths"]
    )
    assert "TaskStarted" in schema["components"]["schemas"]
    assert httpx.get(f"{server.url}/docs").status_code == 200


def test_a_token_guards_posting_events_and_reading(tmp_path: Path) -> None:
    """Every endpoint, the read-only token, the calendar feed: test_runtime_access.py."""
    guarded = settings(tmp_path, api_token="s3cret")
    with InProcessRuntime(guarded, BEFORE_THE_SCORE) as server:
        assert httpx.post(f"{server.url}/events", json=TASK).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.post(f"{server.url}/events", json=TASK, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert httpx.post(f"{server.url}/events", json=TASK, headers=right).status_code == 200
        assert httpx.get(f"{server.url}/cues").status_code == 401
        assert httpx.get(f"{server.url}/cues", headers=right).status_code == 200


def test_cues_reach_the_jsonl_sink(tmp_path: Path, server: InProcessRuntime) -> None:
    httpx.post(
        f"{server.url}/events", content=(EXAMPLES / "events.jsonl").read_bytes(), headers=NDJSON
    )
    served = {cue["id"] for cue in all_cues(server.url)}
    sink = tmp_path / "cues.jsonl"

    def delivered() -> set[str]:
        if not sink.exists():
            return set()
        return {json.loads(line)["id"] for line in sink.read_text().splitlines()}

    wait_for(lambda: delivered() == served, what="every cue in the JSONL sink")
    assert len(sink.read_text().splitlines()) == len(served)
