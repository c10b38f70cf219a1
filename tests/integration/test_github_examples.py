"""Every `issues`, `pull_request` and `ping` example payload GitHub publishes in its webhook
documentation (`@octokit/webhooks-examples`, installed by `make test`), delivered signed to
the embedded runtime: none is a 5xx, the mapped ones become tasks, and nothing about the
people in them reaches the log, the cues or the metrics.

GitHub's examples are on `Codertocat/Hello-World`, a personal account's repository: its
`owner/name` is a person's login. The score names it by GitHub's numeric id instead, so the
login is in neither the score nor the task ids."""

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from github_payloads import SECRET, headers, person_values
from local_processes import free_port
from runtime_servers import InProcessRuntime

from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock

EXAMPLES = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "github-examples"
    / "node_modules"
    / "@octokit"
    / "webhooks-examples"
    / "api.github.com"
    / "index.json"
)
HELLO_WORLD_ID = 186853002
"""GitHub's id of `Codertocat/Hello-World`, the repository of GitHub's examples."""
DELIVERED = ("issues", "pull_request", "ping")

SCORE = {
    "score": "hello",
    "title": "Hello World's first release",
    "ensemble": "hello",
    "timezone": "UTC",
    "starts": "2019-05-01",
    "sections": [{"id": "core", "roles": ["lead", "dev"]}],
    "milestones": [
        {"id": "first", "title": "v1.0", "section": "core", "owner": "lead",
         "due": "2019-09-30", "estimate": 10},
    ],
    "sources": {
        "github": {
            "repositories_by_id": {"hello-world": HELLO_WORLD_ID},
            "milestones": {"v1.0": "first"},
            "labels": {"bug": "first"},
        }
    },
}  # fmt: skip


def examples() -> list[tuple[str, dict[str, Any]]]:
    """(X-GitHub-Event, payload) of every example of the events delivered here."""
    index = json.loads(EXAMPLES.read_text())
    return [
        (event["name"], example)
        for event in index
        if event["name"] in DELIVERED
        for example in event["examples"]
    ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessRuntime]:
    score = tmp_path / "score.yaml"
    score.write_text(yaml.safe_dump(SCORE))
    settings = Settings.model_validate(
        {
            "score": score,
            "db": tmp_path / "conductor.db",
            "port": free_port(),
            "stdout": False,
            "jsonl": tmp_path / "cues.jsonl",
            "github_webhook_secret": SECRET,
        }
    )
    clock = ScaledClock(datetime(2019, 5, 1, tzinfo=UTC), speed=0)
    with InProcessRuntime(settings, clock) as running:
        yield running


def test_githubs_own_examples_map_to_tasks_and_leave_no_person_behind(
    server: InProcessRuntime,
) -> None:
    delivered = examples()
    assert len(delivered) > 50
    statuses = []
    for number, (event, example) in enumerate(delivered):
        body = json.dumps(example).encode()
        answer = httpx.post(
            f"{server.url}/webhooks/github",
            content=body,
            headers=headers(event, body, delivery=f"example-{number}"),
            timeout=30,
        )
        assert answer.status_code in (200, 422), (event, example.get("action"), answer.text)
        statuses += [result["status"] for result in answer.json().get("results", [])]
    assert statuses.count("accepted") >= 3, statuses

    db = server.settings.db
    assert db is not None
    with sqlite3.connect(db) as log:
        events = [json.loads(row[0]) for row in log.execute("SELECT body FROM events")]
    tasks = {event["data"]["task"] for event in events if event["type"].startswith("task.")}
    assert tasks and all(task.startswith("hello-world#") for task in tasks), tasks

    people = set().union(*(person_values(example) for _, example in delivered))
    assert {"Codertocat", "octocat"} <= people
    places = {
        "/cues": httpx.get(f"{server.url}/cues", params={"limit": 10_000}).text,
        "/metrics": httpx.get(f"{server.url}/metrics").text,
        "/ensembles/hello": httpx.get(f"{server.url}/ensembles/hello").text,
    }
    for path in db.parent.iterdir():
        if path.name.startswith(db.name):
            places[path.name] = path.read_bytes().decode("latin-1")
    for place, text in places.items():
        lowered = text.lower()
        found = sorted(value for value in people if value.lower() in lowered)
        assert found == [], f"{place} holds person data: {found}"
