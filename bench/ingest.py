"""Benchmark of the embedded runtime: batched ingest over HTTP, single-event latency, restart.

Usage: python -m bench.ingest [--events 200000] [--runs 3] [--restart-events 1000000] (`make
bench` runs it on the compiled core). The batched ingest runs `--runs` times, each on a
fresh server, and reports every run and the median one.

The stream is the example log copied into many ensembles (each with its score published),
so the work per event is the core's real work. Results go to stdout; copy them into
bench/RESULTS.md with the machine and the date.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry

from bench.results import core_build
from conductor.core.publication import publication_at_start
from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.runtime.live import LiveRuntime
from conductor.runtime.store import Store
from conductor.session.clock import ScaledClock

ROOT = Path(__file__).resolve().parents[1]
SCORE = load_score(ROOT / "examples" / "score.yaml")
LOG = (ROOT / "examples" / "events.jsonl").read_bytes().splitlines()
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}
STILL = "2026-03-01T00:00:00Z"
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from local_processes import free_port  # noqa: E402


def ensemble_stream(copies: int, prefix: str = "harbor") -> list[list[bytes]]:
    """Per ensemble: its score's publication, then the example log renamed to it."""
    streams = []
    for n in range(copies):
        name = f"{prefix}-{n}"
        score = SCORE.model_copy(update={"ensemble": name})
        published = publication_at_start(score).model_copy(update={"ensemble": name})
        lines = [published.model_dump_json().encode()]
        lines += [
            line.replace(b'"harbor"', f'"{name}"'.encode()).replace(
                b'"id":"harbor-', f'"id":"{name}-'.encode()
            )
            for line in LOG
        ]
        streams.append(lines)
    return streams


def interleaved(copies: int) -> list[bytes]:
    """Ensembles interleaved line by line, as independent teams post at the same time."""
    streams = ensemble_stream(copies)
    return [line for group in zip(*streams, strict=True) for line in group]


def start_server(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    binary = Path(sys.executable).parent / "conductor"
    args = [str(binary), "run", "--db", str(db), "--port", str(port), "--no-stdout"]
    args += ["--jsonl", str(db.with_suffix(".cues.jsonl")), "--clock-start", STILL]
    args += ["--clock-speed", "0"]
    process = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def batched_ingest(url: str, events: int, batch: int, clients: int) -> dict[str, float]:
    """`clients` concurrent posters, each for its own ensembles (so each stays in order)."""
    streams = ensemble_stream(events // (len(LOG) + 1) + 1)
    shares = [
        [line for group in zip(*streams[k::clients], strict=True) for line in group]
        for k in range(clients)
    ]
    shares = [share[: events // clients] for share in shares]
    total = sum(len(share) for share in shares)
    latencies: list[float] = []

    def post(chunk: list[bytes]) -> None:
        with httpx.Client(base_url=url, headers=NDJSON, timeout=60) as client:
            for body in chunk:
                began = time.perf_counter()
                answer = client.post("/events", content=body)
                latencies.append(time.perf_counter() - began)
                assert answer.status_code == 200, answer.text[:300]

    chunks = [
        [b"\n".join(share[i : i + batch]) for i in range(0, len(share), batch)] for share in shares
    ]
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, chunks))
    elapsed = time.perf_counter() - began
    return {
        "events": total,
        "seconds": elapsed,
        "events_per_second": total / elapsed,
        "batch_p50_ms": percentile(latencies, 0.5) * 1000,
        "batch_p99_ms": percentile(latencies, 0.99) * 1000,
    }


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median rate: the figure a target is judged by, as this machine's speed
    drifts by a fifth and more between runs minutes apart."""
    return sorted(runs, key=lambda run: run["events_per_second"])[len(runs) // 2]


def single_latency(url: str, lines: list[bytes]) -> dict[str, float]:
    latencies = []
    with httpx.Client(base_url=url, headers=JSON, timeout=60) as client:
        for line in lines:
            began = time.perf_counter()
            answer = client.post("/events", content=line)
            latencies.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text[:300]
    return {
        "events": len(lines),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def build_log(db: Path, events: int, snapshot_every: int) -> float:
    """Fold `events` events through the live runtime in-process (no HTTP) into `db`."""
    copies = events // (len(LOG) + 1) + 1
    lines = interleaved(copies)[:events]
    clock = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
    live = LiveRuntime(
        Store(db), build_metrics(CollectorRegistry()), clock, ("jsonl",), snapshot_every
    )
    began = time.perf_counter()
    for start in range(0, len(lines), 1000):
        live.ingest(lines[start : start + 1000])
    elapsed = time.perf_counter() - began
    live.snapshot()
    live.store.close()
    return elapsed


def restart_seconds(db: Path) -> tuple[float, int]:
    clock = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)
    began = time.perf_counter()
    live = LiveRuntime(Store(db), build_metrics(CollectorRegistry()), clock)
    live.recover()
    elapsed = time.perf_counter() - began
    offset = live.offset
    live.store.close()
    return elapsed, offset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--single", type=int, default=2_000)
    parser.add_argument("--restart-events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--runs", type=int, default=3, help="batched runs, each on a fresh server and log"
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="conductor-bench-"))
    results: dict[str, object] = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "date": datetime.now(UTC).date().isoformat(),
        "core": core_build(),
    }
    try:
        runs = []
        for run in range(options.runs):
            process, url = start_server(work / f"ingest-{run}.db")
            try:
                runs.append(batched_ingest(url, options.events, 100, options.clients))
                if run == options.runs - 1:
                    solo = ensemble_stream(options.single // (len(LOG) + 1) + 1, prefix="solo")
                    extra = [line for stream in solo for line in stream][: options.single]
                    results["single_event"] = single_latency(url, extra)
            finally:
                process.terminate()
                process.wait(timeout=30)
        results["batched_ingest_runs"] = runs
        results["batched_ingest"] = median_run(runs)
        db = work / "restart.db"
        results["build_1m_in_process_seconds"] = build_log(
            db, options.restart_events, snapshot_every=options.restart_events // 10
        )
        seconds, offset = restart_seconds(db)
        results["restart_with_snapshot"] = {"events": offset, "seconds": seconds}
        print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
