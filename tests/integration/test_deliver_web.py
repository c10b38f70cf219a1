"""`conductor deliver`'s web port over real HTTP: /metrics and /deliveries behind the token
when CONDUCTOR_API_TOKEN is set (the read-only token reads too), open when it is not."""

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from kafka_broker import CONDUCTOR
from local_processes import free_port
from prometheus_client import CollectorRegistry

from conductor.access import Tokens
from conductor.metrics.registry import build_metrics
from streams.deliver import Book
from streams.deliverweb import web_server

PATHS = ("/metrics", "/deliveries", "/deliveries?failed=true")


@contextmanager
def serving(tokens: Tokens) -> Iterator[str]:
    registry = CollectorRegistry()
    build_metrics(registry)
    port = free_port()
    server = web_server("127.0.0.1", port, registry, Book(), tokens)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_with_a_token_every_path_needs_one() -> None:
    with serving(Tokens("w-s3cret", "r-s3cret")) as url:
        for path in PATHS:
            anonymous = httpx.get(f"{url}{path}")
            assert anonymous.status_code == 401, path
            assert anonymous.headers["www-authenticate"] == "Bearer"
            assert anonymous.json() == {"detail": "a bearer token is required", "problems": []}
            wrong = httpx.get(f"{url}{path}", headers={"Authorization": "Bearer r-s3cre"})
            assert wrong.status_code == 401, path
            for token in ("w-s3cret", "r-s3cret"):
                read = httpx.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"})
                assert read.status_code == 200, (path, token)
        reader = {"Authorization": "Bearer r-s3cret"}
        assert httpx.get(f"{url}/deliveries", headers=reader).json() == {"deliveries": []}
        assert "conductor_cue_deliveries_total" in httpx.get(f"{url}/metrics", headers=reader).text


def test_without_a_token_every_path_is_open() -> None:
    with serving(Tokens()) as url:
        for path in PATHS:
            assert httpx.get(f"{url}{path}").status_code == 200, path


@pytest.mark.parametrize(
    "command",
    [["deliver", "--sinks", "none.yaml"], ["gateway"]],
    ids=["deliver", "gateway"],
)
def test_a_read_token_without_the_api_token_is_refused_at_start(
    tmp_path: Path, command: list[str]
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONDUCTOR_")}
    started = subprocess.run(
        [str(CONDUCTOR), command[0], "--broker", "kafka://127.0.0.1:9", *command[1:]],
        env={**clean, "CONDUCTOR_API_READ_TOKEN": "r-s3cret"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 2
    assert "CONDUCTOR_API_READ_TOKEN: needs CONDUCTOR_API_TOKEN set too" in started.stderr
