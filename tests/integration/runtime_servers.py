"""Real servers for the runtime's tests: the runtime in-process and as a subprocess, a webhook
receiver, and Prometheus. Each binds a free loopback port and is stopped by its own handle."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from local_processes import free_port, stop

from conductor.io.scorefile import load_score
from conductor.runtime.serve import build
from conductor.runtime.settings import Settings
from conductor.session.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CONDUCTOR = Path(sys.executable).parent / "conductor"


def wait_for(check: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


class InProcessRuntime:
    """`build(settings, score, clock)` served by uvicorn in a thread (for an injected clock);
    the score is the one `settings.score` names."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        score = load_score(settings.score) if settings.score is not None else None
        self.app, self.runtime = build(settings, score, clock)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=settings.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{settings.port}"

    def __enter__(self) -> "InProcessRuntime":
        self.thread.start()
        wait_for(lambda: self.server.started, what="uvicorn to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.runtime.close()


class RuntimeProcess:
    """`conductor run ...` as a real subprocess, as an operator starts it."""

    def __init__(self, args: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.args = [str(CONDUCTOR), "run", "--port", str(port), *args]
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "RuntimeProcess":
        self.process = subprocess.Popen(
            self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_for(self._ready, what=f"{self.args} to serve")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            stderr = self.process.stderr.read().decode() if self.process.stderr else ""
            raise AssertionError(f"conductor run exited {self.process.returncode}: {stderr}")
        return healthy(self.url)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, exactly like a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        self._close()

    def _close(self) -> None:
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


@dataclass
class WebhookReceiver:
    """A real HTTP endpoint that honours `Idempotency-Key`, as a cue consumer should.

    `fail_first` requests are answered 503. `received` counts every request per cue id
    (redeliveries included); `processed` holds each cue once, in arrival order.
    """

    port: int
    fail_first: int = 0
    received: dict[str, int] = field(default_factory=dict)
    processed: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cues"

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                key = self.headers["Idempotency-Key"]
                if len(body) < length:  # the sender died mid-request: nothing was received
                    return
                with receiver.lock:
                    receiver.requests += 1
                    if receiver.requests <= receiver.fail_first:
                        self.send_response(503)
                        self.end_headers()
                        return
                    receiver.received[key] = receiver.received.get(key, 0) + 1
                    if receiver.received[key] == 1:
                        cue = json.loads(body)
                        assert cue["id"] == key
                        receiver.processed.append(cue)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Prometheus:
    """A real Prometheus scraping `targets` every second, with its own config and data dir."""

    directory: Path
    targets: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    jobs: dict[str, list[str]] = field(default_factory=dict)
    """More scrape jobs, by name, beside `conductor` (which scrapes `targets`)."""
    rule_files: list[Path] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)
    """Bearer tokens, by job name, sent as `authorization: {credentials: ...}`."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _job(self, name: str, targets: list[str]) -> str:
        job = f"  - job_name: {name}\n    static_configs: [{{targets: {json.dumps(targets)}}}]\n"
        if name in self.credentials:
            job += f"    authorization: {{credentials: {json.dumps(self.credentials[name])}}}\n"
        return job

    def start(self) -> "Prometheus":
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        config = self.directory / "prometheus.yml"
        jobs = {"conductor": self.targets, **self.jobs}
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: {json.dumps([str(path) for path in self.rule_files])}\n"
            "scrape_configs:\n" + "".join(self._job(name, found) for name, found in jobs.items()),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._ready, timeout=30, what="prometheus to be ready")
        return self

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        params: dict[str, str | float] = {"query": promql}
        if at is not None:
            params["time"] = at
        answer = httpx.get(f"{self.url}/api/v1/query", params=params, timeout=10)
        if answer.status_code == 400:
            raise AssertionError(f"{promql}: {answer.json()['error']}")
        answer.raise_for_status()
        result: list[dict[str, Any]] = answer.json()["data"]["result"]
        return result

    def query_range(
        self, promql: str, start: float, end: float, step: float
    ) -> list[dict[str, Any]]:
        params = {"query": promql, "start": start, "end": end, "step": step}
        answer = httpx.get(f"{self.url}/api/v1/query_range", params=params, timeout=30)
        if answer.status_code == 400:
            raise AssertionError(f"{promql}: {answer.json()['error']}")
        answer.raise_for_status()
        result: list[dict[str, Any]] = answer.json()["data"]["result"]
        return result

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(free_port()).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def runtime_process() -> Iterator[Callable[..., RuntimeProcess]]:
    """Start `conductor run` subprocesses; every one started is stopped at the end."""
    started: list[RuntimeProcess] = []

    def start(args: list[str], port: int, env: dict[str, str] | None = None) -> RuntimeProcess:
        process = RuntimeProcess(args, port, env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
