"""`conductor gateway` with CONDUCTOR_API_TOKEN set, on the real broker: every endpoint but
/healthz and the signed /webhooks/github needs a token; the read-only token reads (/metrics,
the API docs) and is refused 403 on POST /events."""

import os
import subprocess
from pathlib import Path

import httpx
from github_payloads import SCORE
from kafka_broker import CONDUCTOR, Streams
from local_processes import free_port, stop
from runtime_servers import healthy, wait_for

WRITE = "gw-write"
READ = "gw-read"
EVENT = (
    b'{"id": "gw-1", "type": "task.started", "ensemble": "harbor", "occurred_at": '
    b'"2026-05-14T15:00:00Z", "data": {"task": "launch-1", "milestone": "launch"}}'
)


def test_the_gateway_guards_reads_and_posts_with_the_two_tokens(
    streams: Streams, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "CONDUCTOR_API_TOKEN": WRITE, "CONDUCTOR_API_READ_TOKEN": READ}
    args = [str(CONDUCTOR), "gateway", "--broker", streams.broker, "--prefix", streams.prefix]
    args += ["--port", str(port), "--score", str(SCORE), "--partitions", "2"]
    with (tmp_path / "gateway.log").open("wb") as output:
        process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is None and healthy(url), 60, "the gateway to serve")
        for path in ("/metrics", "/docs", "/openapi.json"):
            anonymous = httpx.get(f"{url}{path}")
            assert anonymous.status_code == 401, path
            assert anonymous.headers["www-authenticate"] == "Bearer"
            wrong = httpx.get(f"{url}{path}", headers={"Authorization": "Bearer gw-rea"})
            assert wrong.status_code == 401, path
            for token in (READ, WRITE):
                read = httpx.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"})
                assert read.status_code == 200, (path, token)
        events = f"{url}/events"
        json_type = {"Content-Type": "application/json"}
        assert httpx.post(events, content=EVENT, headers=json_type).status_code == 401
        as_reader = {**json_type, "Authorization": f"Bearer {READ}"}
        refused = httpx.post(events, content=EVENT, headers=as_reader)
        assert (refused.status_code, refused.json()) == (
            403,
            {"detail": "the read-only token may not post", "problems": []},
        )
        as_writer = {**json_type, "Authorization": f"Bearer {WRITE}"}
        posted = httpx.post(events, content=EVENT, headers=as_writer, timeout=30)
        assert posted.status_code == 200, posted.text
        assert posted.json()["results"][0]["status"] == "accepted"
        unsigned = httpx.post(f"{url}/webhooks/github", content=b"{}", headers=json_type)
        assert unsigned.status_code == 401
        assert "bearer" not in unsigned.json()["detail"]
    finally:
        stop(process)
