"""Worker start-up on Apache Kafka with Faust's default timeouts and with `--short-timeouts`:
how long a worker takes from its start to hold every partition of the events topic (its
group joined) and to have caught up with the topic, started fresh and started right after
the previous worker of its group was killed with SIGKILL (its member then lingers in the
group until the broker gives up on it) and more events were published. Prints a Markdown
table for RESULTS.md.

    python -m bench.worker_join [ROUNDS]
"""

import asyncio
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from conductor.core.publication import publication_at_start
from conductor.io.scorefile import load_score
from conductor.rehearsal.simulate import simulate_team
from streams.publish import publish
from streams.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))  # the tests' Kafka broker
from local_processes import free_port, start_local_broker, stop  # noqa: E402

CONDUCTOR = Path(sys.executable).parent / "conductor"
PARTITIONS = 4
LAG = 'conductor_worker_consumer_lag_messages{partition="'


@dataclass(frozen=True)
class Start:
    holds_all: float
    """Seconds from the process start until /metrics lists lag for every partition."""
    caught_up: float
    """... until, besides, no partition has lag."""


def _lags(port: int) -> dict[str, float]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
            text = reply.read().decode()
    except OSError:
        return {}
    samples = (line.rsplit(" ", 1) for line in text.splitlines() if line.startswith(LAG))
    return {name: float(value) for name, value in samples}


def _worker(
    broker: str, app_id: str, prefix: str, short: bool, scratch: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [
        str(CONDUCTOR),
        "worker",
        "--broker",
        broker,
        "--app-id",
        app_id,
        "--prefix",
        prefix,
        "--partitions",
        str(PARTITIONS),
        "--clock",
        "event",
        "--web-port",
        str(port),
        "--loglevel",
        "warning",
        *(["--short-timeouts"] if short else []),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=scratch
    )
    return process, port


def _timed_start(
    broker: str, app_id: str, prefix: str, short: bool, scratch: Path, timeout: float = 300.0
) -> tuple[subprocess.Popen[bytes], Start]:
    started = time.monotonic()
    process, port = _worker(broker, app_id, prefix, short, scratch)
    holds_all = None
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}")
        lags = _lags(port)
        if len(lags) == PARTITIONS:
            holds_all = holds_all or time.monotonic() - started
            if not any(lags.values()):
                return process, Start(holds_all, time.monotonic() - started)
        time.sleep(0.05)
    stop(process)
    raise TimeoutError("the worker did not catch up")


def _events() -> list[tuple[bytes, bytes]]:
    score = load_score(ROOT / "examples" / "score.yaml")
    team = [publication_at_start(score), *simulate_team(score, seed=3, days=20)]
    return [(event.ensemble.encode(), event.model_dump_json().encode()) for event in team]


def measure(broker: str, short: bool, scratch: Path) -> tuple[Start, Start]:
    """A fresh worker of a fresh group, then its successor after a SIGKILL."""
    tag = uuid.uuid4().hex[:8]
    prefix, app_id = f"b{tag}.", f"bench-join-{tag}"
    asyncio.run(ensure_topics(broker, [f"{prefix}events"], PARTITIONS))
    asyncio.run(publish(broker, f"{prefix}events", _events()))
    first, fresh = _timed_start(broker, app_id, prefix, short, scratch)
    time.sleep(3.0)  # a commit or two, as a worker that ran a while
    first.kill()
    first.wait()
    # Something new for the successor to read (the same events again: duplicates by id),
    # so that "caught up" means it read them. The lag gauge counts from the last offset the
    # worker itself processed, so a successor with nothing new to read reports the whole
    # partition as lag for ever, although the group committed everything.
    asyncio.run(publish(broker, f"{prefix}events", _events()))
    second, restarted = _timed_start(broker, app_id, prefix, short, scratch)
    stop(second, timeout=60)
    return fresh, restarted


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    scratch = Path(tempfile.mkdtemp(prefix="bench-join-"))
    kafka, broker = start_local_broker(scratch / "kafka", subprocess.DEVNULL)
    results: dict[bool, list[tuple[Start, Start]]] = {False: [], True: []}
    try:
        for number in range(rounds):
            for short in (False, True):  # alternating: the machine drifts
                results[short].append(measure(broker, short, scratch))
                fresh, restarted = results[short][-1]
                print(
                    f"round {number + 1}, short={short}: fresh {fresh}, after kill {restarted}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        stop(kafka, timeout=60)
    print("| timeouts | fresh: holds all / caught up | after kill -9: holds all / caught up |")
    print("| --- | ---: | ---: |")
    for short, label in ((False, "Faust's defaults"), (True, "`--short-timeouts`")):
        runs = results[short]

        def cell(index: int, runs: list[tuple[Start, Start]] = runs) -> str:
            holds = median(run[index].holds_all for run in runs)
            caught = median(run[index].caught_up for run in runs)
            return f"{holds:.1f} s / {caught:.1f} s"

        print(f"| {label} | {cell(0)} | {cell(1)} |")
    print(f"\nMedians of {rounds} rounds; every run:")
    for short in (False, True):
        for fresh, restarted in results[short]:
            print(
                f"- short={short}: fresh {fresh.holds_all:.1f}/{fresh.caught_up:.1f} s, "
                f"after kill {restarted.holds_all:.1f}/{restarted.caught_up:.1f} s"
            )


if __name__ == "__main__":
    main()
