"""Who may read, over real HTTP: with CONDUCTOR_API_TOKEN set every endpoint but /healthz
needs a token; the read-only token reads and is refused 403 on every POST."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from local_processes import free_port
from runtime_servers import CONDUCTOR, EXAMPLES, InProcessRuntime, Prometheus, wait_for
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, TASK, settings

WRITE = "write-s3cret"
READ = "read-s3cret"
AS_WRITER = {"Authorization": f"Bearer {WRITE}"}
AS_READER = {"Authorization": f"Bearer {READ}"}
WRONG = {"Authorization": "Bearer read-s3cre"}
UNGUARDED = {"/healthz"}
"""Open to all: liveness and readiness probes carry no token."""
SIGNED = {"/webhooks/github"}
"""GitHub cannot send a bearer token: its deliveries are guarded by their signature
(CONDUCTOR_GITHUB_WEBHOOK_SECRET), tested in test_ingest_github.py and below."""


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[InProcessRuntime]:
    config = settings(
        tmp_path, api_token=WRITE, api_read_token=READ, github_webhook_secret="gh-secret"
    )
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        posted = httpx.post(
            f"{server.url}/events",
            content=(EXAMPLES / "events.jsonl").read_bytes(),
            headers={**NDJSON, **AS_WRITER},
        )
        assert posted.status_code == 200, posted.text
        yield server


def requests_of(server: InProcessRuntime) -> list[tuple[str, str, dict[str, str]]]:
    """One request per operation of the runtime's own OpenAPI document (read with the read
    token), path parameters filled with what exists, plus the pages left out of it."""
    document = httpx.get(f"{server.url}/openapi.json", headers=AS_READER).json()
    cue = httpx.get(f"{server.url}/cues", headers=AS_READER).json()["cues"][0]["id"]
    values = {"ensemble": "harbor", "cue_id": cue}
    found = [("GET", "/docs", {}), ("GET", "/openapi.json", {})]
    for path, operations in document["paths"].items():
        for method in operations:
            filled = path.format(**values)
            query = {"until": "2026-06-01T09:00:00Z"} if path.endswith("/snooze") else {}
            found.append((method.upper(), filled, query))
    return found


def test_every_endpoint_but_healthz_needs_a_token(guarded: InProcessRuntime) -> None:
    routes = {getattr(route, "path", "") for route in guarded.app.routes}
    checked = requests_of(guarded)
    assert routes - {path for _, path, _ in checked} <= {
        "/docs/oauth2-redirect",
        "/ensembles/{ensemble}",
        "/calendar/{ensemble}.ics",
        "/cues/{cue_id}/ack",
        "/cues/{cue_id}/snooze",
    }, "a route the OpenAPI document does not list would go unchecked"
    for method, path, query in checked:
        url = f"{guarded.url}{path}"
        anonymous = httpx.request(method, url, params=query)
        if path in UNGUARDED:
            assert anonymous.status_code == 200, path
            continue
        if path in SIGNED:
            assert anonymous.status_code == 401, path
            assert "X-Hub-Signature-256" in anonymous.json()["detail"], path
            continue
        assert anonymous.status_code == 401, (method, path)
        assert anonymous.headers["www-authenticate"] == "Bearer", (method, path)
        wrong = httpx.request(method, url, params=query, headers=WRONG)
        assert wrong.status_code == 401, (method, path)
        as_reader = httpx.request(method, url, params=query, headers=AS_READER)
        if method == "GET":
            assert as_reader.status_code == 200, (path, as_reader.text)
        else:
            assert as_reader.status_code == 403, (method, path, as_reader.text)
            assert as_reader.json() == {
                "detail": "the read-only token may not post",
                "problems": [],
            }


def test_the_read_token_appends_nothing_and_the_api_token_posts(
    guarded: InProcessRuntime,
) -> None:
    def offset() -> int:
        return int(httpx.get(f"{guarded.url}/healthz").json()["offset"])

    before = offset()
    assert httpx.post(f"{guarded.url}/events", json=TASK, headers=AS_READER).status_code == 403
    assert offset() == before
    posted = httpx.post(f"{guarded.url}/events", json=TASK, headers=AS_WRITER)
    assert (posted.status_code, posted.json()["results"][0]["status"]) == (200, "accepted")
    assert offset() == before + 1
    assert httpx.get(f"{guarded.url}/cues", headers=AS_WRITER).status_code == 200


def test_the_calendar_feed_takes_the_read_token_in_its_url_and_never_the_api_token(
    guarded: InProcessRuntime,
) -> None:
    feed = f"{guarded.url}/calendar/harbor.ics"
    subscribed = httpx.get(feed, params={"token": READ})
    assert subscribed.status_code == 200
    assert subscribed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in subscribed.content
    assert httpx.get(feed, params={"token": WRITE}).status_code == 401
    assert httpx.get(feed, params={"token": "nope"}).status_code == 401
    assert httpx.get(feed).status_code == 401
    assert httpx.get(feed, headers=AS_WRITER).status_code == 200
    assert httpx.get(feed, headers=AS_READER).status_code == 200
    unknown = httpx.get(f"{guarded.url}/calendar/tugboat.ics", params={"token": READ})
    assert unknown.status_code == 404
    assert httpx.get(f"{guarded.url}/calendar/tugboat.ics").status_code == 401
    assert httpx.get(f"{guarded.url}/cues", params={"token": READ}).status_code == 401


def test_without_a_token_everything_is_open(tmp_path: Path) -> None:
    with InProcessRuntime(settings(tmp_path), BEFORE_THE_SCORE) as server:
        for path in ("/cues", "/metrics", "/docs", "/openapi.json", "/deliveries"):
            assert httpx.get(f"{server.url}{path}").status_code == 200, path
        assert httpx.post(f"{server.url}/events", json=TASK).status_code == 200


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONDUCTOR_API_READ_TOKEN": READ}, "needs CONDUCTOR_API_TOKEN set too"),
        (
            {"CONDUCTOR_API_READ_TOKEN": READ, "CONDUCTOR_API_TOKEN": READ},
            "must differ from CONDUCTOR_API_TOKEN",
        ),
    ],
)
def test_a_read_token_that_guards_nothing_is_refused_at_start(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONDUCTOR_")}
    started = subprocess.run(
        [str(CONDUCTOR), "run", "--db", str(tmp_path / "c.db"), "--port", str(free_port())],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 2
    assert "CONDUCTOR_API_READ_TOKEN" in started.stderr and message in started.stderr
    assert not (tmp_path / "c.db").exists()


def test_prometheus_scrapes_a_guarded_runtime_with_the_read_token(
    tmp_path: Path, guarded: InProcessRuntime
) -> None:
    target = guarded.url.removeprefix("http://")
    directory = tmp_path / "prometheus"
    directory.mkdir()
    prometheus = Prometheus(
        directory,
        [target],
        jobs={"anonymous": [target]},
        credentials={"conductor": READ},
    )
    prometheus.start()
    try:

        def scraped(job: str) -> float | None:
            found = prometheus.query(f'up{{job="{job}"}}')
            return float(found[0]["value"][1]) if found else None

        wait_for(lambda: scraped("conductor") == 1.0, what="the scrape with the read token")
        wait_for(lambda: scraped("anonymous") == 0.0, what="the scrape without a token")
        figures = prometheus.query('conductor_events_accepted_total{job="conductor"}')
        assert figures and sum(float(row["value"][1]) for row in figures) > 0
    finally:
        prometheus.stop()
