"""Benchmark of ingest by format: CloudEvents batches and GitHub webhook deliveries against
Conductor's own envelope (NDJSON batches, single events), in the same run, over HTTP.

Usage: python -m bench.formats [--events 20000] [--requests 2000] [--runs 5] (`make bench`
runs it on the compiled core). Every mode posts the same work — tasks started and
completed, spread over the example score's milestones — to a fresh `conductor run` each
run, from one client; the figure of a mode is its median run. A GitHub delivery is a real
payload's size (the recorded `issues` deliveries of tests/fixtures/github/, ~13 KB),
signed, one per request as GitHub sends them. Writes its section of bench/RESULTS.md.
"""

import argparse
import copy
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.results import core_build, record
from conductor.ingest.github.deliveries import delivery_intake
from conductor.ingest.github.routes import Routes
from conductor.ingest.requests import events_of_request
from conductor.io.scorefile import load_score

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "github"
SECRET = "bench-secret"
STILL = "2026-03-01T00:00:00Z"
START = datetime(2026, 3, 2, 8, tzinfo=UTC)
MILESTONES = ("api-contract", "ledger", "payments", "design-system", "portal-ui", "test-harness")
LABELS = {f"area-{milestone}": milestone for milestone in MILESTONES}
NAME = "Ingest by format: CloudEvents batches, GitHub webhooks, the native envelope"
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from local_processes import free_port  # noqa: E402

Request = tuple[str, dict[str, str], bytes]


def score_file(directory: Path) -> Path:
    """The example score, mapping octo-org/octo-repo's labels to its milestones."""
    document = yaml.safe_load((ROOT / "examples" / "score.yaml").read_text())
    document["sources"] = {"github": {"repositories": ["octo-org/octo-repo"], "labels": LABELS}}
    path = directory / "score.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def work(events: int) -> list[tuple[str, str, int, str, datetime]]:
    """(event id, type, task number, milestone, time): each task started then completed."""
    found = []
    for number in range(1, events // 2 + 1):
        milestone = MILESTONES[number % len(MILESTONES)]
        began = START + timedelta(minutes=3 * number)
        found.append((f"s-{number}", "task.started", number, milestone, began))
        found.append(
            (f"c-{number}", "task.completed", number, milestone, began + timedelta(minutes=2))
        )
    return found


def native(item: tuple[str, str, int, str, datetime]) -> bytes:
    event_id, kind, number, milestone, at = item
    return json.dumps(
        {
            "id": event_id,
            "type": kind,
            "ensemble": "harbor",
            "occurred_at": at.isoformat(),
            "source": "bench",
            "data": {"task": f"octo-org/octo-repo#{number}", "milestone": milestone},
        }
    ).encode()


def cloudevent(item: tuple[str, str, int, str, datetime]) -> dict[str, Any]:
    event_id, kind, number, milestone, at = item
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "/bench",
        "type": kind,
        "time": at.isoformat().replace("+00:00", "Z"),
        "ensemble": "harbor",
        "datacontenttype": "application/json",
        "data": {"task": f"octo-org/octo-repo#{number}", "milestone": milestone},
    }


def delivery(item: tuple[str, str, int, str, datetime]) -> Request:
    event_id, kind, number, milestone, at = item
    name = "issues.opened.json" if kind == "task.started" else "issues.closed.json"
    document = copy.deepcopy(_TEMPLATES[name])
    issue = document["issue"]
    issue["number"] = number
    issue["labels"][0]["name"] = f"area-{milestone}"
    stamp = at.isoformat().replace("+00:00", "Z")
    issue["created_at" if kind == "task.started" else "closed_at"] = stamp
    issue["updated_at"] = stamp
    body = json.dumps(document).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": event_id,
        "X-Hub-Signature-256": signature,
    }
    return "/webhooks/github", headers, body


_TEMPLATES = {
    name: json.loads((FIXTURES / name).read_text())
    for name in ("issues.opened.json", "issues.closed.json")
}


def modes(events: int, requests: int, batch: int) -> dict[str, tuple[list[Request], int]]:
    """Per mode: its requests and how many events they carry."""
    bulk, single = work(events), work(requests)
    ndjson = {"Content-Type": "application/x-ndjson"}
    cloud = {"Content-Type": "application/cloudevents-batch+json"}
    chunks = [bulk[i : i + batch] for i in range(0, len(bulk), batch)]
    return {
        "native NDJSON, 100 a request": (
            [("/events", ndjson, b"\n".join(native(item) for item in chunk)) for chunk in chunks],
            len(bulk),
        ),
        "CloudEvents batch, 100 a request": (
            [
                ("/events", cloud, json.dumps([cloudevent(i) for i in chunk]).encode())
                for chunk in chunks
            ],
            len(bulk),
        ),
        "native JSON, 1 a request": (
            [("/events", {"Content-Type": "application/json"}, native(item)) for item in single],
            len(single),
        ),
        "GitHub webhook, 1 delivery a request": ([delivery(item) for item in single], len(single)),
    }


def start_server(directory: Path, score: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    binary = Path(sys.executable).parent / "conductor"
    args = [str(binary), "run", "--db", str(directory / "log.db"), "--port", str(port)]
    args += ["--score", str(score), "--no-stdout", "--clock-start", STILL, "--clock-speed", "0"]
    env = {**os.environ, "CONDUCTOR_GITHUB_WEBHOOK_SECRET": SECRET}
    process = subprocess.Popen(args, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def run_mode(directory: Path, score: Path, requests: list[Request], events: int) -> float:
    """Events per second of one fresh server taking `requests` in order from one client."""
    process, url = start_server(directory, score)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            began = time.perf_counter()
            for path, headers, body in requests:
                answer = client.post(path, headers=headers, content=body)
                assert answer.status_code == 200, answer.text[:300]
                assert answer.json()["rejected"] == 0, answer.text[:300]
            elapsed = time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=30)
    return events / elapsed


def read_mode(requests: list[Request], events: int, routes: Routes) -> float:
    """Events per CPU second of this process reading the requests as every runtime's ingest
    does (parse, verify the signature, map, validate into events), without folding or
    writing them: what a format costs, little moved by the others' load on the machine."""
    lowered = [
        (path, {k.lower(): v for k, v in sent.items()}, body) for path, sent, body in requests
    ]
    secret = SECRET.encode()
    read = 0
    began = time.process_time()
    for path, sent, body in lowered:
        if path == "/webhooks/github":
            intake = delivery_intake(sent, body, secret, routes)
        else:
            intake = events_of_request(sent, body)
        assert not intake.invalid, intake.invalid[0]
        read += len(intake.events)
    elapsed = time.process_time() - began
    assert read == events, (read, events)
    return events / elapsed


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000, help="events of the batched modes")
    parser.add_argument("--requests", type=int, default=2_000, help="requests of the others")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    work_dir = Path(tempfile.mkdtemp(prefix="conductor-bench-formats-"))
    load_before = os.getloadavg()
    rates: dict[str, list[float]] = {}
    reading: dict[str, list[float]] = {}
    try:
        score = score_file(work_dir)
        routes = Routes.of([load_score(score)])
        planned = modes(options.events, options.requests, 100)
        for run in range(options.runs):  # modes interleaved, so drift hits them alike
            for mode, (requests, events) in planned.items():
                directory = work_dir / f"{run}-{len(rates.get(mode, []))}-{abs(hash(mode))}"
                directory.mkdir()
                rates.setdefault(mode, []).append(run_mode(directory, score, requests, events))
                shutil.rmtree(directory, ignore_errors=True)
        for _ in range(options.runs):
            for mode, (requests, events) in planned.items():
                reading.setdefault(mode, []).append(read_mode(requests, events, routes))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    load_after = os.getloadavg()
    body = report(rates, reading, options, load_before, load_after)
    print(body)
    record(NAME, body)


BASELINE = {
    "CloudEvents batch, 100 a request": "native NDJSON, 100 a request",
    "native JSON, 1 a request": "native NDJSON, 100 a request",
    "GitHub webhook, 1 delivery a request": "native JSON, 1 a request",
}
"""What each mode is compared with: batches with NDJSON batches, a delivery (one event a
request) with one native event a request."""


def table(rates: dict[str, list[float]], unit: str) -> str:
    figures = {mode: median(found) for mode, found in rates.items()}

    def of_medians(mode: str) -> str:
        other = BASELINE.get(mode)
        if other is None:
            return "1.00 (the baseline)"
        return f"{figures[mode] / figures[other]:.2f} of {other}"

    def per_round(mode: str) -> str:
        other = BASELINE.get(mode)
        if other is None:
            return "—"
        pairs = zip(rates[mode], rates[other], strict=True)
        return ", ".join(f"{rate / base:.2f}" for rate, base in pairs)

    rows = "\n".join(
        f"| {mode} | {figures[mode]:,.0f} | {', '.join(f'{r:,.0f}' for r in rates[mode])} | "
        f"{of_medians(mode)} | {per_round(mode)} |"
        for mode in figures
    )
    return f"""| mode | {unit} (median) | each run | ratio of the medians | ratio in each round |
| --- | ---: | --- | --- | --- |
{rows}"""


def report(
    rates: dict[str, list[float]],
    reading: dict[str, list[float]],
    options: argparse.Namespace,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    before, after = (", ".join(f"{v:.2f}" for v in load) for load in (load_before, load_after))
    return f"""{core_build()}; {options.events:,} events in the batched modes, {options.requests:,}
requests in the others; {options.runs} runs of every mode. Load average (1, 5, 15 min)
before: {before}; after: {after}
(the machine is shared: others' work moves these figures). Batches are compared with
NDJSON batches, a GitHub delivery (one event a request, as GitHub sends them) with one
native event a request; the last column divides each run by its baseline's run in the
same round, seconds apart, which the machine's drift moves less than the medians.

**Over HTTP**: the modes interleaved, each run on a fresh `conductor run` (SQLite log, its
writer process) with one client; wall-clock events per second.

{table(rates, "events/s")}

**The readers alone** (`conductor/ingest`, in this process: parse, verify the signature,
map, validate; no fold, no log), the modes interleaved; events per CPU second.

{table(reading, "events per CPU second")}
"""


if __name__ == "__main__":
    main()
