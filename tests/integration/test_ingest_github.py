"""GitHub webhook deliveries into the embedded runtime over real HTTP: signatures, the mapping
of `sources.github`, redeliveries, what is ignored and counted, and that nothing about the
people in GitHub's payloads reaches the log, the cues or the metrics.

The payloads are `tests/fixtures/github/`: GitHub's documented shapes, see its README."""

import hmac
import json
import sqlite3
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from github_payloads import (
    SCORE,
    SECRET,
    all_payloads,
    deliver,
    headers,
    payload,
    person_values,
    raw,
)
from local_processes import free_port
from prometheus_client.parser import text_string_to_metric_families
from runtime_servers import InProcessRuntime, wait_for

from conductor.ingest.github import signature as signature_module
from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock

BEFORE_THE_SCORE = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
"""The runtime's clock stands still before every payload's time: an event's time can only
come from the payload."""


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings.model_validate(
        {
            "score": SCORE,
            "db": tmp_path / "conductor.db",
            "port": free_port(),
            "stdout": False,
            "jsonl": tmp_path / "cues.jsonl",
            "github_webhook_secret": SECRET,
            **overrides,
        }
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessRuntime]:
    with InProcessRuntime(settings(tmp_path), BEFORE_THE_SCORE) as running:
        yield running


def logged(server: InProcessRuntime) -> list[dict[str, Any]]:
    """The log's events (ticks left out), read from the SQLite file."""
    assert server.settings.db is not None
    with sqlite3.connect(server.settings.db) as db:
        bodies = [json.loads(row[0]) for row in db.execute("SELECT body FROM events ORDER BY pos")]
    return [body for body in bodies if body["type"] != "clock.tick"]


def offset(server: InProcessRuntime) -> int:
    return int(httpx.get(f"{server.url}/healthz").json()["offset"])


def wip(server: InProcessRuntime) -> dict[str, int]:
    figures = httpx.get(f"{server.url}/ensembles/harbor").json()["wip"]
    return {section: int(value["wip"]) for section, value in figures.items()}


def ignored_counts(server: InProcessRuntime) -> dict[str, float]:
    text = httpx.get(f"{server.url}/metrics").text
    return {
        sample.labels["kind"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "conductor_ingest_ignored"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


def accepted(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [result["status"] for result in answer.json()["results"]]


def test_an_issue_s_life_maps_to_its_task(server: InProcessRuntime) -> None:
    task = "octo-org/octo-repo#1347"
    assert accepted(deliver(server.url, "issues.opened.json", "d-open")) == ["accepted"]
    assert wip(server)["platform"] == 1, "'payments' maps to a platform milestone"
    assert accepted(deliver(server.url, "issues.labeled.json", "d-block")) == ["accepted"]
    assert accepted(deliver(server.url, "issues.unlabeled.json", "d-unblock")) == ["accepted"]
    assert accepted(deliver(server.url, "issues.closed.json", "d-close")) == ["accepted"]
    assert wip(server)["platform"] == 0
    events = [
        (e["id"], e["type"], e["occurred_at"], e["data"])
        for e in logged(server)
        if e["source"] == "github"
    ]
    blocked_reason = "the GitHub label 'blocked' was added"
    assert events == [
        ("d-open", "task.started", "2026-03-03T09:14:02Z", {"task": task, "milestone": "payments"}),
        (
            "d-block",
            "task.blocked",
            "2026-03-04T10:02:11Z",
            {"task": task, "reason": blocked_reason},
        ),
        ("d-unblock", "task.unblocked", "2026-03-05T15:40:00Z", {"task": task}),
        (
            "d-close",
            "task.completed",
            "2026-03-06T16:20:45Z",
            {"task": task, "milestone": "payments"},
        ),
    ]
    figures = httpx.get(f"{server.url}/ensembles/harbor").json()
    assert figures["milestones"]["payments"]["done"] == 1


def test_occurred_at_is_the_payload_s_own_time(server: InProcessRuntime) -> None:
    deliver(server.url, "issues.opened.json", "d-open")
    labeled = payload("issues.labeled.json")
    deliver(server.url, "issues.labeled.json", "d-block")
    times = {e["id"]: e["occurred_at"] for e in logged(server) if e["source"] == "github"}
    assert times == {
        "d-open": payload("issues.opened.json")["issue"]["created_at"],
        "d-block": labeled["issue"]["updated_at"],
    }, "the payload's times, never the runtime's clock (2026-03-01, standing still)"


def test_an_issue_milestoned_later_starts_then_dropped_and_reopened(
    server: InProcessRuntime,
) -> None:
    unmapped = deliver(server.url, "issues.opened-unmapped.json", "d-1")
    assert unmapped.status_code == 200
    assert unmapped.json()["results"] == []
    assert unmapped.json()["ignored"][0]["kind"] == "github-item"
    assert accepted(deliver(server.url, "issues.milestoned.json", "d-2")) == ["accepted"]
    assert wip(server)["platform"] == 1, "milestone 'v1.0 ledger' maps to ledger"
    assert accepted(deliver(server.url, "issues.closed-not-planned.json", "d-3")) == ["accepted"]
    assert wip(server)["platform"] == 0, "closed as not planned: out of the work in progress"
    assert accepted(deliver(server.url, "issues.reopened.json", "d-4")) == ["accepted"]
    assert wip(server)["platform"] == 1
    kinds = [
        (e["type"], e["data"].get("milestone")) for e in logged(server) if e["source"] == "github"
    ]
    assert kinds == [
        ("task.started", "ledger"),
        ("task.dropped", None),
        ("task.started", "ledger"),
    ]
    figures = httpx.get(f"{server.url}/ensembles/harbor").json()
    assert figures["milestones"]["ledger"]["done"] == 0, "a dropped task is no work done"


def test_a_pull_request_closed_unmerged_is_dropped_and_merged_completes(
    server: InProcessRuntime,
) -> None:
    for name in ("pull_request.opened.json", "pull_request.closed-unmerged.json"):
        assert accepted(deliver(server.url, name)) == ["accepted"]
    assert wip(server)["product"] == 0
    for name in ("pull_request.reopened.json", "pull_request.closed.json"):
        assert accepted(deliver(server.url, name)) == ["accepted"]
    types = [(e["type"], e["data"]["task"]) for e in logged(server) if e["source"] == "github"]
    task = "octo-org/octo-repo#1352"
    assert types == [
        ("task.started", task),
        ("task.dropped", task),
        ("task.started", task),
        ("task.completed", task),
    ]
    assert wip(server)["product"] == 0
    figures = httpx.get(f"{server.url}/ensembles/harbor").json()
    assert figures["milestones"]["portal-ui"]["done"] == 1


def test_a_redelivery_is_a_duplicate(server: InProcessRuntime) -> None:
    assert accepted(deliver(server.url, "issues.opened.json", "d-same")) == ["accepted"]
    before = offset(server)
    again = deliver(server.url, "issues.opened.json", "d-same")
    assert again.status_code == 200
    assert again.json()["results"] == [{"line": 1, "status": "duplicate", "id": "d-same"}]
    assert offset(server) == before


def test_what_is_unmapped_is_answered_200_and_counted(server: InProcessRuntime) -> None:
    elsewhere = payload("issues.opened.json")
    elsewhere["repository"]["full_name"] = "octo-org/another-repo"
    other_repository = json.dumps(elsewhere).encode()
    answers = {
        "ping": deliver(server.url, "ping.json"),
        "edited": deliver(server.url, "issues.edited.json"),
        "unmapped": deliver(server.url, "issues.opened-unmapped.json"),
        "repository": deliver(server.url, "issues.opened.json", body=other_repository),
        "push": httpx.post(
            f"{server.url}/webhooks/github",
            content=raw("issues.opened.json"),
            headers=headers("push", raw("issues.opened.json")),
        ),
    }
    for answer in answers.values():
        assert answer.status_code == 200, answer.text
        assert answer.json()["appended"] is False and answer.json()["results"] == []
    assert ignored_counts(server) == {
        "github-ping": 1,
        "github-action": 1,
        "github-item": 1,
        "github-repository": 1,
        "github-event": 1,
    }
    assert answers["repository"].json()["ignored"] == [
        {
            "kind": "github-repository",
            "reason": "repository 'octo-org/another-repo' is in no published score's "
            "sources.github",
        }
    ]
    assert logged(server)[-1]["type"] == "score.published", "nothing appended"


def test_repositories_compare_without_case(server: InProcessRuntime) -> None:
    shouted = payload("issues.opened.json")
    shouted["repository"]["full_name"] = "Octo-Org/Octo-Repo"
    answer = deliver(server.url, "issues.opened.json", body=json.dumps(shouted).encode())
    assert accepted(answer) == ["accepted"]
    assert logged(server)[-1]["data"]["task"] == "octo-org/octo-repo#1347", "as the score spells it"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "X-Hub-Signature-256: missing"),
        ("sha256=" + "0" * 64, "does not match"),
        ("sha1=d03207e4b030cf234e3447bac4d93add4c6643d8", "does not match"),
        ("wrong-secret", "does not match"),
        ("tampered", "does not match"),
    ],
    ids=["missing", "zeros", "sha1", "wrong-secret", "tampered-body"],
)
def test_a_missing_or_wrong_signature_is_401_and_nothing_appended(
    server: InProcessRuntime, header: str | None, detail: str
) -> None:
    body = raw("issues.opened.json")
    sent = headers("issues", body)
    if header is None:
        del sent["X-Hub-Signature-256"]
    elif header == "wrong-secret":
        sent = headers("issues", body, secret="not the secret")
    elif header == "tampered":
        body = body.replace(b'"number": 1347', b'"number": 1348')
    else:
        sent["X-Hub-Signature-256"] = header
    before = offset(server)
    answer = httpx.post(f"{server.url}/webhooks/github", content=body, headers=sent)
    assert answer.status_code == 401
    assert detail in answer.json()["detail"]
    assert offset(server) == before
    assert wip(server)["platform"] == 0


def test_signatures_are_compared_in_constant_time(
    server: InProcessRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every verdict, good or bad, comes from `hmac.compare_digest` of the whole signatures
    (which takes as long whatever the first differing byte), never from `==`."""
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(signature_module.hmac, "compare_digest", spy)
    body = raw("issues.opened.json")
    good = headers("issues", body)["X-Hub-Signature-256"]
    almost = good[:-1] + ("0" if good[-1] != "0" else "1")
    for given in (good, almost, "sha256=" + "f" * 64):
        sent = {**headers("issues", body), "X-Hub-Signature-256": given}
        httpx.post(f"{server.url}/webhooks/github", content=body, headers=sent)
    assert calls == [
        (good.encode(), good.encode()),
        (good.encode(), almost.encode()),
        (good.encode(), ("sha256=" + "f" * 64).encode()),
    ]


def test_without_a_configured_secret_every_delivery_is_refused(tmp_path: Path) -> None:
    with InProcessRuntime(settings(tmp_path, github_webhook_secret=None), BEFORE_THE_SCORE) as s:
        answer = deliver(s.url, "issues.opened.json")
        assert answer.status_code == 401
        assert "CONDUCTOR_GITHUB_WEBHOOK_SECRET" in answer.json()["detail"]


def test_a_form_encoded_delivery_is_read_too(server: InProcessRuntime) -> None:
    """GitHub's other content type: `payload=<the JSON>`, signed as sent."""
    body = urllib.parse.urlencode({"payload": raw("issues.opened.json").decode()}).encode()
    sent = {**headers("issues", body), "Content-Type": "application/x-www-form-urlencoded"}
    answer = httpx.post(f"{server.url}/webhooks/github", content=body, headers=sent)
    assert accepted(answer) == ["accepted"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p["issue"].pop("number"), "issue.number"),
        (lambda p: p["issue"].update(created_at="yesterday"), "issue.created_at"),
        (lambda p: p.pop("repository"), "repository"),
    ],
    ids=["no-number", "bad-time", "no-repository"],
)
def test_a_signed_but_malformed_payload_is_422_naming_the_field(
    server: InProcessRuntime, change: Any, path: str
) -> None:
    document = payload("issues.opened.json")
    change(document)
    answer = deliver(server.url, "issues.opened.json", body=json.dumps(document).encode())
    assert answer.status_code == 422
    (result,) = answer.json()["results"]
    assert [problem["path"] for problem in result["problems"]] == [path]


def test_a_delivery_without_its_headers_is_422_naming_them(server: InProcessRuntime) -> None:
    body = raw("issues.opened.json")
    sent = headers("issues", body)
    del sent["X-GitHub-Delivery"]
    answer = httpx.post(f"{server.url}/webhooks/github", content=body, headers=sent)
    assert answer.status_code == 422
    assert answer.json()["results"][0]["problems"] == [
        {"path": "X-GitHub-Delivery", "message": "missing header"}
    ]


def test_an_event_the_core_refuses_is_422_with_its_reason(server: InProcessRuntime) -> None:
    """Blocking an issue that never started: GitHub shows the failed delivery and why."""
    answer = deliver(server.url, "issues.labeled.json", "d-early")
    assert answer.status_code == 422
    assert answer.json()["results"][0]["problems"] == [
        {
            "path": "data.task",
            "message": "unknown task 'octo-org/octo-repo#1347' (no task.started for it)",
        }
    ]


def test_nothing_about_people_reaches_the_log_the_cues_or_the_metrics(
    server: InProcessRuntime, tmp_path: Path
) -> None:
    payloads = all_payloads()
    order = [
        "ping.json",
        "issues.opened.json",
        "issues.edited.json",
        "issues.labeled.json",
        "issues.opened-unmapped.json",
        "issues.milestoned.json",
        "pull_request.opened.json",
        "issues.closed-not-planned.json",
        "pull_request.closed-unmerged.json",
        "issues.unlabeled.json",
        "pull_request.reopened.json",
        "issues.reopened.json",
        "issues.closed.json",
        "pull_request.closed.json",
    ]
    assert set(order) == {name for name in payloads if name != "export.issues.json"}
    for name in order:
        answer = deliver(server.url, name)
        assert answer.status_code == 200, (name, answer.text)
    assert len(logged(server)) == 1 + 11, "the score, then every mapped delivery"
    people = set().union(*(person_values(document) for document in payloads.values()))
    assert {"Codertocat", "octocat", "hubot", "monalisa", "octocat@github.com"} <= people
    assert len(people) > 60
    texts = {
        payloads[name]["issue"][field]
        for name in order
        if name.startswith("issues.")
        for field in ("title", "body")
    }
    cues = httpx.get(f"{server.url}/cues", params={"limit": 10_000})
    assert len(cues.json()["cues"]) > 5, "the run cued: the cues are searched, not nothing"
    sink = tmp_path / "cues.jsonl"

    def delivered() -> int:
        return len(sink.read_text().splitlines()) if sink.exists() else 0

    wait_for(lambda: delivered() == len(cues.json()["cues"]), what="the cues in the sink")
    places = {
        "/cues": cues.text,
        "/metrics": httpx.get(f"{server.url}/metrics").text,
        "/ensembles/harbor": httpx.get(f"{server.url}/ensembles/harbor").text,
        "cues.jsonl": sink.read_text(),
    }
    db = server.settings.db
    assert db is not None
    log_files = [path for path in db.parent.iterdir() if path.name.startswith(db.name)]
    assert db in log_files
    for path in log_files:
        places[path.name] = path.read_bytes().decode("latin-1")
    for place, text in places.items():
        lowered = text.lower()
        found = sorted(value for value in people if value.lower() in lowered)
        assert found == [], f"{place} holds person data: {found}"
        kept = sorted(value for value in texts if value.lower() in lowered)
        assert kept == [], f"{place} holds the payloads' text: {kept}"
