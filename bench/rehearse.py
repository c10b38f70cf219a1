"""Rehearsal's speed: 1,000 simulated runs of the example score (ten weeks each, the core's
forecasts at every cycle boundary included) with `--jobs 2`, and the back-test of a
1,000,000-event log (the benchmark log of `bench/generate.py`, one ensemble back-tested).

`python -m bench.rehearse [RUNS] [EVENTS]`; writes its section of bench/RESULTS.md."""

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import bench_score, write_log
from bench.results import core_build, record
from conductor.io.scorefile import load_score
from conductor.rehearsal.backtest import backtest_log
from conductor.rehearsal.simulation import rehearse_simulated, setup_from_start

EXAMPLE = Path(__file__).parents[1] / "examples" / "score.yaml"
TARGET_SECONDS = 10.0


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    score = load_score(EXAMPLE)
    setup = setup_from_start(score, 1, None)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = rehearse_simulated([setup], runs, 2, lambda which: None)
    simulated = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    launch = done.data["commitments"][0]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "log.jsonl"
        ensembles = max(1, events // 1000)
        write_log(path, ensembles, events)
        started = time.perf_counter()
        with path.open("rb") as lines:
            result = backtest_log(bench_score(0), lines)
        backtested = time.perf_counter() - started
    figures = result.figures()
    met = "met" if simulated < TARGET_SECONDS else "NOT met"
    body = (
        f"Core: {core_build()}. Load average (1 min) {load_before:.1f} before, "
        f"{load_after:.1f} after the simulated runs (2 cores, shared).\n\n"
        "| what | result | target | |\n| --- | ---: | ---: | --- |\n"
        f"| {runs:,} simulated runs of the example score ({setup.days} days each, forecasts "
        f"included), `--jobs 2` | {simulated:.1f} s ({simulated / runs * 1e3:.1f} ms a run) | "
        f"< {TARGET_SECONDS:.0f} s | {met} |\n"
        f"| back-test of a {events:,}-event log ({ensembles:,} ensembles; one back-tested: "
        f"{figures['events']:,} events, {figures['predictions']} forecasts) | "
        f"{backtested:.1f} s | — | |\n\n"
        f"The runs' public-launch probability: {launch['probability']:.0%}.\n"
    )
    record("Rehearsal: simulated runs, back-test (`bench/rehearse.py`)", body)
    print(body)


if __name__ == "__main__":
    main()
