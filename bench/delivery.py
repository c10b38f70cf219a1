"""Benchmark of cue delivery by the embedded runtime to signed CloudEvents webhooks: throughput
to a local receiver with one sink and with three, and the latency delivery adds to a cue from
its write to the log to its receipt (p50/p99).

Usage: python -m bench.delivery [--ensembles 10] [--paced-events 1000] (`make bench` runs it
on the compiled core). The receiver (`bench/receiver.py`) runs in a process of its own and
only timestamps what it gets; `conductor run` runs as a user starts it, with a `--sinks` file.

Throughput: the example log copied into `--ensembles` ensembles is posted while the receiver
holds its answers, so every cue waits in the outbox; then the receiver opens, and cues per
second are counted from that instant to the last receipt, per sink and for all sinks (the
rate at which a backlog drains, ingest not included). Latency: events are posted one at a
time, 50 a second (well below what the sinks take), and each cue's receipt is compared with
the instant its outbox row was handed to the log writer (the commit follows within a
millisecond).
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import yaml

from bench.ingest import NDJSON, STILL, ensemble_stream, percentile
from bench.results import core_build, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from local_processes import free_port, stop

JSON = {"Content-Type": "application/json"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def wait(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def receiver() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: up(f"{url}/stats"), 30, "the receiver")
        yield url
    finally:
        stop(process)


@contextmanager
def runtime(
    work: Path, name: str, sinks: int, receiver_url: str, timeout: float = 5.0
) -> Iterator[tuple[str, Path]]:
    """`conductor run` with `sinks` webhook sinks (`/hook-0`, ...) on a fresh log."""
    config = work / f"{name}.sinks.yaml"
    entries = [
        {"name": f"hook-{n}", "type": "webhook", "url": f"{receiver_url}/hook-{n}",
         "secret_env": "BENCH_SECRET", "timeout_seconds": timeout}
        for n in range(sinks)
    ]  # fmt: skip
    config.write_text(yaml.safe_dump({"sinks": entries}), encoding="utf-8")
    db, port = work / f"{name}.db", free_port()
    binary = Path(sys.executable).parent / "conductor"
    args = [str(binary), "run", "--db", str(db), "--port", str(port), "--sinks", str(config)]
    args += ["--clock-start", STILL, "--clock-speed", "0"]
    process = subprocess.Popen(
        args, env={**os.environ, "BENCH_SECRET": SECRET}, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: up(f"{url}/healthz"), 60, "the runtime")
        yield url, db
    finally:
        stop(process)


def receipts(receiver_url: str) -> list[tuple[str, str, float]]:
    found: list[tuple[str, str, float]] = orjson.loads(httpx.get(f"{receiver_url}/stats").content)
    return found


def cue_count(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM cues").fetchone()[0])


def throughput(work: Path, receiver_url: str, sinks: int, ensembles: int) -> dict[str, float]:
    lines = [line for stream in ensemble_stream(ensembles, prefix="bulk") for line in stream]
    httpx.delete(f"{receiver_url}/stats")
    httpx.post(f"{receiver_url}/close")  # the backlog piles up in the outbox
    with runtime(work, f"bulk-{sinks}", sinks, receiver_url, timeout=1200) as (url, db):
        with httpx.Client(base_url=url, headers=NDJSON, timeout=120) as client:
            for start in range(0, len(lines), 500):
                answer = client.post("/events", content=b"\n".join(lines[start : start + 500]))
                assert answer.status_code == 200, answer.text[:300]
        cues = cue_count(db)
        opened = time.time()
        httpx.post(f"{receiver_url}/open")
        wait(lambda: len(receipts(receiver_url)) >= cues * sinks, 1200, "every delivery")
    got = receipts(receiver_url)
    elapsed = max(at for _, _, at in got) - opened
    assert len({(path, cue) for path, cue, _ in got}) == cues * sinks
    return {
        "cues": cues,
        "sinks": sinks,
        "seconds": elapsed,
        "deliveries_per_second": len(got) / elapsed,
        "cues_per_second_per_sink": len(got) / sinks / elapsed,
    }


def latency(work: Path, receiver_url: str, sinks: int, events: int) -> dict[str, float]:
    lines = [
        line for stream in ensemble_stream(events // 280 + 1, prefix="paced") for line in stream
    ]
    lines = lines[:events]
    httpx.delete(f"{receiver_url}/stats")
    with runtime(work, f"paced-{sinks}", sinks, receiver_url) as (url, db):
        with httpx.Client(base_url=url, headers=JSON, timeout=60) as client:
            began = time.perf_counter()
            for number, line in enumerate(lines):
                pause = began + number / 50 - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                assert client.post("/events", content=line).status_code == 200
        cues = cue_count(db)
        wait(lambda: len(receipts(receiver_url)) >= cues * sinks, 300, "every delivery")
        with sqlite3.connect(db) as connection:
            written = {
                (f"/{sink}", cue): created
                for sink, cue, created in connection.execute(
                    "SELECT o.sink, c.id, o.created FROM outbox o JOIN cues c ON c.seq = o.seq"
                )
            }
    added = [at - written[(path, cue)] for path, cue, at in receipts(receiver_url)]
    return {
        "cues": cues,
        "sinks": sinks,
        "p50_ms": percentile(added, 0.5) * 1000,
        "p99_ms": percentile(added, 0.99) * 1000,
        "max_ms": max(added) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ensembles", type=int, default=10)
    parser.add_argument("--paced-events", type=int, default=1000)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="conductor-bench-delivery-"))
    load_before = os.getloadavg()
    with receiver() as receiver_url:
        bulk = [throughput(work, receiver_url, n, options.ensembles) for n in (1, 3)]
        paced = [latency(work, receiver_url, n, options.paced_events) for n in (1, 3)]
    load_after = os.getloadavg()
    rows = [
        f"| {run['sinks']} | {run['cues']:,} | {run['cues_per_second_per_sink']:,.0f} | "
        f"{run['deliveries_per_second']:,.0f} | {run['seconds']:.1f} |"
        for run in bulk
    ]
    latencies = [
        f"| {run['sinks']} | {run['cues']:,} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} | "
        f"{run['max_ms']:.1f} |"
        for run in paced
    ]
    body = "\n".join(
        [
            f"`conductor run` ({core_build()}) delivering signed CloudEvents (Standard Webhooks) "
            "to a receiver on loopback in a process of its own; load average "
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (the machine is shared: "
            "other engineers' builds and tests run on the same two cores).",
            "",
            f"Throughput: the example log in {options.ensembles} ensembles posted while the "
            "receiver held its answers, then the backlog of cues drained: counted from the "
            "receiver's opening to its last receipt.",
            "",
            "| sinks | cues | cues/s per sink | deliveries/s, all sinks | seconds |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "Each webhook sink sends its cues in order, one round trip and then its outbox mark "
            "committed through the one log writer before the next cue (so a crash sends again "
            "at most the cue in flight); three sinks share that writer and the two cores.",
            "",
            f"Added latency: {options.paced_events:,} events posted one at a time, 50 a second; "
            "from a cue's outbox row handed to the log writer to its receipt.",
            "",
            "| sinks | cues | p50 ms | p99 ms | max ms |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *latencies,
        ]
    )
    print(body)
    record(f"Delivery: webhooks from the embedded runtime ({core_build()})", body)


if __name__ == "__main__":
    main()
