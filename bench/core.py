"""Core speed: fold + decide over 1,000,000 events of 1,000 ensembles; `rehearse` end to end.

Run with `make bench` (on both builds of the core), or `python -m bench.core` from the
repository for the sources. The log is generated once (seeded) into bench/data/ and reused.
Targets on the 2-core reference machine: core >= 250,000 events/s, end to end >= 100,000
events/s, peak memory under 1 GiB.
"""

import argparse
import gc
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

from rich.progress import track

from bench.generate import bench_score, write_log
from bench.results import core_build, record
from conductor.core import EnsembleEngine
from conductor.gctune import tune_for_folding
from conductor.shards import shard_of
from schemas import EVENT_ADAPTER, Event

DATA = Path(__file__).with_name("data")
CHUNK = 100_000
ROUNDS = 3
"""Rounds of the two-process fold; the median is reported (this machine's speed drifts by a
fifth and more between runs minutes apart)."""


def ensure_log(ensembles: int, events: int) -> Path:
    path = DATA / f"log-{ensembles}x{events}.jsonl"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        print(f"generating {path} (once) ...", flush=True)
        partial = path.with_suffix(".partial")
        write_log(partial, ensembles, events)
        partial.rename(path)
    return path


def core_throughput(path: Path, events: int) -> tuple[float, int, int]:
    """Seconds spent in fold + decide only (validation happens untimed, chunk by chunk),
    with the collector tuned as the runtimes and `rehearse` tune it."""
    tune_for_folding()
    engines: dict[str, EnsembleEngine] = {}
    spent = 0.0
    cues = applied = 0
    with path.open("rb") as lines:
        for _ in track(range(-(-events // CHUNK)), description="core fold + decide"):
            chunk = [EVENT_ADAPTER.validate_json(line) for line in islice(lines, CHUNK)]
            started = time.perf_counter()
            cues += fold(engines, chunk)
            spent += time.perf_counter() - started
            applied += len(chunk)
    return spent, applied, cues


def fold(engines: dict[str, EnsembleEngine], events: list[Event]) -> int:
    """The core alone: each event into its ensemble's engine (the bench log publishes every
    score first, so no runtime's guard is needed); returns the cues."""
    cues = 0
    for event in events:
        engine = engines.get(event.ensemble)
        if engine is None:
            engine = engines[event.ensemble] = EnsembleEngine.new(event.ensemble)
        cues += len(engine.apply(event).cues)
    return cues


def _shard(path: Path, shard: int, shards: int, rounds: int, ready: Any, go: Any, out: Any) -> None:
    """One process of a sharded run: validate its ensembles' events, then per round wait,
    fold them into fresh engines, report."""
    mine = [
        event
        for event in map(EVENT_ADAPTER.validate_json, path.open("rb"))
        if shard_of(event.ensemble, shards) == shard
    ]
    tune_for_folding()
    ready.wait()
    for _ in range(rounds):
        go.wait()
        engines: dict[str, EnsembleEngine] = {}
        started = time.perf_counter()
        fold(engines, mine)
        out.put((len(mine), time.perf_counter() - started))
        del engines  # freed before the next round starts, not inside it


def sharded_throughput(path: Path, shards: int, rounds: int) -> tuple[list[float], int]:
    """Wall seconds of each round of `shards` processes folding their ensembles at the same
    time, the way Kafka partitions split ensembles between workers."""
    gc.freeze()  # forked children must not touch (and so copy) the parent's heap
    context = multiprocessing.get_context("fork")
    ready, go, out = context.Barrier(shards + 1), context.Barrier(shards + 1), context.Queue()
    workers = [
        context.Process(target=_shard, args=(path, shard, shards, rounds, ready, go, out))
        for shard in range(shards)
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    seconds, events = [], 0
    for _ in range(rounds):
        go.wait()
        results = [out.get() for _ in workers]
        seconds.append(max(spent for _, spent in results))
        events = sum(count for count, _ in results)
    for worker in workers:
        worker.join()
    return seconds, events


def end_to_end(score: Path, path: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB, all its processes together) of `conductor rehearse
    --format jsonl --jobs N` on the log."""
    command = [
        sys.executable, "-P", "-m", "conductor.cli", "rehearse", str(score),
        "--events", str(path), "--format", "jsonl", "--jobs", str(jobs),
    ]  # fmt: skip
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=sink, stderr=errors)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"rehearse failed:\n{errors.read().decode()}")
    return elapsed, peak / 2**20


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children, now (0 once it has exited; a zombie
    has no VmRSS line)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    kib = sum(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib * 1024 + sum(tree_rss(int(child)) for child in children)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ensembles", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    path = ensure_log(args.ensembles, args.events)

    spent, applied, cues = core_throughput(path, args.events)
    core_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"two processes, ensembles split between them, {ROUNDS} rounds ...", flush=True)
    rounds, sharded_events = sharded_throughput(path, 2, ROUNDS)
    assert sharded_events == applied
    sharded_seconds = sorted(rounds)[len(rounds) // 2]
    score = DATA / "score-team-0000.json"
    score.write_text(bench_score(0).model_dump_json())
    jobs = len(os.sched_getaffinity(0))
    e2e_seconds, e2e_peak = end_to_end(score, path, jobs)
    single_seconds, single_peak = end_to_end(score, path, 1)
    rows = [
        ("core fold + decide, one process", applied / spent, spent, core_peak, 250_000),
        (f"core fold + decide, two processes (ensembles split), median of {ROUNDS} rounds",
         applied / sharded_seconds, sharded_seconds, None, 250_000),
        (f"`conductor rehearse` end to end (JSONL), `--jobs {jobs}` (the default here)",
         applied / e2e_seconds, e2e_seconds, e2e_peak, 100_000),
        ("`conductor rehearse` end to end (JSONL), `--jobs 1`", applied / single_seconds,
         single_seconds, single_peak, 100_000),
    ]  # fmt: skip
    table = "\n".join(
        f"| {name} | {rate:,.0f} | {seconds:.1f} | {'—' if peak is None else f'{peak:,.0f}'} | "
        f"{target:,} | {'met' if rate >= target and (peak or 0) < 1024 else 'NOT met'} |"
        for name, rate, seconds, peak, target in rows
    )
    body = (
        f"{applied:,} events of {args.ensembles:,} ensembles "
        "(simulated busy teams, ~10 weeks each), "
        f"{cues:,} cues.\n\n"
        "Peak memory of `rehearse` is of all its processes together, sampled every 20 ms. "
        f"The {ROUNDS} rounds of the two-process fold (each into fresh engines): "
        f"{', '.join(f'{applied / spent:,.0f}' for spent in rounds)} events/s.\n\n"
        "| what | events/s | seconds | peak RSS MiB | target events/s | target |\n"
        "| --- | ---: | ---: | ---: | ---: | --- |\n"
        f"{table}\n"
    )
    record(f"Core: fold + decide, rehearse end to end ({core_build()})", body)
    print(body)


if __name__ == "__main__":
    main()
