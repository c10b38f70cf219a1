"""Rehearsal's speed: 1,000 simulated runs of the example score (ten weeks each, the core's
forecasts at every cycle boundary included) with `--jobs 2`, against `--jobs 1` in the same
run; and the back-test of a 1,000,000-event log (the benchmark log of `bench/generate.py`):
as `rehearse SCORE --events LOG --backtest` does it (the score's ensemble, the other lines
skipped unread), and every one of its ensembles back-tested, over two processes.

`python -m bench.rehearse [RUNS] [EVENTS]`; writes its section of bench/RESULTS.md."""

import multiprocessing
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.generate import bench_score, write_log
from bench.results import core_build, record
from conductor.io.scorefile import load_score
from conductor.rehearsal.backtest import Backtest, backtest_log
from conductor.rehearsal.simulation import rehearse_simulated, setup_from_start
from conductor.shards import line_ensemble

EXAMPLE = Path(__file__).parents[1] / "examples" / "score.yaml"
TARGET_SECONDS = 10.0
JOBS = 2

_BY_ENSEMBLE: dict[str, list[bytes]] = {}
"""The log's lines per ensemble, inherited by the forked back-test workers."""


def _backtest_one(index: int) -> tuple[int, int, int]:
    score = bench_score(index)
    result = backtest_log(score, _BY_ENSEMBLE[score.ensemble])
    figures = result.figures()
    return result.events, figures["predictions"], figures["unreadable_or_rejected"]


def backtest_every_ensemble(path: Path, ensembles: int) -> tuple[int, int, int]:
    """Every ensemble of the log back-tested against its own score, `JOBS` processes."""
    global _BY_ENSEMBLE
    grouped: defaultdict[str, list[bytes]] = defaultdict(list)
    with path.open("rb") as lines:
        for line in lines:
            grouped[line_ensemble(line) or ""].append(line)
    _BY_ENSEMBLE = dict(grouped)
    try:
        with multiprocessing.get_context("fork").Pool(JOBS) as pool:
            done = pool.map(_backtest_one, range(ensembles), chunksize=8)
    finally:
        _BY_ENSEMBLE = {}
    return sum(d[0] for d in done), sum(d[1] for d in done), sum(d[2] for d in done)


def timed_runs(runs: int, jobs: int) -> tuple[float, str]:
    setup = setup_from_start(load_score(EXAMPLE), 1, None)
    started = time.perf_counter()
    done = rehearse_simulated([setup], runs, jobs, lambda which: None)
    elapsed = time.perf_counter() - started
    return elapsed, f"{done.data['commitments'][0]['probability']:.1%}"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    days = setup_from_start(load_score(EXAMPLE), 1, None).days
    timed_runs(2, 1)  # imports and matplotlib's first figure, kept out of the timings
    load_before = os.getloadavg()[0]
    two, launch_two = timed_runs(runs, JOBS)
    one, launch_one = timed_runs(runs, 1)
    load_after = os.getloadavg()[0]
    assert launch_one == launch_two, "the same seed gives the same figures whatever --jobs is"
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "log.jsonl"
        ensembles = max(1, events // 1000)
        write_log(path, ensembles, events)
        started = time.perf_counter()
        with path.open("rb") as lines:
            single: Backtest = backtest_log(bench_score(0), lines)
        as_cli = time.perf_counter() - started
        started = time.perf_counter()
        folded, predictions, problems = backtest_every_ensemble(path, ensembles)
        every = time.perf_counter() - started
    figures = single.figures()
    met = "met" if two < TARGET_SECONDS else "NOT met"
    body = (
        f"Core: {core_build()}. Load average (1 min) {load_before:.1f} before, "
        f"{load_after:.1f} after the simulated runs (2 cores, shared with other work).\n\n"
        "| what | result | target | |\n| --- | ---: | ---: | --- |\n"
        f"| {runs:,} simulated runs of the example score ({days} days each, forecasts "
        f"included), `--jobs 2` | {two:.1f} s ({two / runs * 1e3:.1f} ms a run) | "
        f"< {TARGET_SECONDS:.0f} s | {met} |\n"
        f"| the same runs, `--jobs 1` (baseline, same run) | {one:.1f} s | — | "
        f"`--jobs 2` is {one / two:.2f} times as fast |\n"
        f"| back-test of the {events:,}-event log ({ensembles:,} ensembles) as "
        f"`rehearse --backtest` does it: one score's ensemble ({figures['events']:,} events, "
        f"{figures['predictions']} checked forecasts), the other lines skipped unread | "
        f"{as_cli:.1f} s | — | |\n"
        f"| back-test of every ensemble of that log ({folded:,} events folded, "
        f"{predictions:,} checked forecasts, {problems} lines refused), 2 processes | "
        f"{every:.1f} s ({folded / every:,.0f} events/s) | — | |\n\n"
        f"The runs' public-launch probability: {launch_two} with either `--jobs`.\n"
    )
    record("Rehearsal: simulated runs, back-test (`bench/rehearse.py`)", body)
    print(body)


if __name__ == "__main__":
    main()
