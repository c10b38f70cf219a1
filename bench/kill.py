"""The kill test at length: two workers on four partitions, events published the whole
time, one worker SIGKILLed at a seeded random moment each round and started again; then
every cue, state and event compared with a clean replay (`tests/integration/kill_rounds.py`,
what `make test` runs in three rounds). Starts its own Apache Kafka broker; writes its
section of bench/RESULTS.md, one row per run, and exits 1 if any run lost anything.

    python -m bench.kill [ROUNDS] [ENSEMBLES] [--days DAYS] [--seeds N]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.results import record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))  # the tests' broker and harness
from kill_rounds import KillPlan, KillReport, kill_rounds  # noqa: E402
from local_processes import start_local_broker, stop  # noqa: E402
from streams_env import Streams  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", type=int, nargs="?", default=10)
    parser.add_argument("ensembles", type=int, nargs="?", default=20)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=1, help="runs, each its own seed")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-kill-"))
    kafka, broker = start_local_broker(scratch / "kafka", subprocess.DEVNULL)
    reports: list[tuple[int, float, KillReport]] = []
    try:
        for seed in range(1, args.seeds + 1):
            tag = uuid.uuid4().hex[:8]
            logs = scratch / tag
            logs.mkdir()
            plan = KillPlan(rounds=args.rounds, ensembles=args.ensembles, days=args.days, seed=seed)
            load = os.getloadavg()[0]
            report = kill_rounds(Streams(broker, f"k{tag}.", f"kill-{tag}", logs), plan, say=_say)
            reports.append((seed, load, report))
            _say(report.summary())
    finally:
        stop(kafka, timeout=60)
    rows = "\n".join(_row(seed, load, report) for seed, load, report in reports)
    body = (
        f"`python -m bench.kill {args.rounds} {args.ensembles} --days {args.days} --seeds "
        f"{args.seeds}`: Apache Kafka 4.4 (`deploy/kafka/local-broker`), two workers "
        "(memory store, `--snapshot-every 20`, `--short-timeouts`, `--clock event`) on four "
        "partitions, each round one SIGKILLed at a seeded moment and started again while the "
        "log is published in bursts. *Events lost*: published events missing from their "
        "ensemble's state in the changelog; *cues missing*: cues of `conductor rehearse` of "
        "the log not in `conductor.cues`; *duplicate deliveries*: cue messages beyond the "
        "first of their id (at-least-once), before deduplication; *load*: the 1-minute load "
        "average at the run's start (a 2-core machine shared with other work).\n\n"
        "| seed | load | rounds | kills | events (in topic, with ticks) | events lost "
        "| cues expected | cues missing | unexpected or differing | states differing "
        "| dead letters | duplicate deliveries | seconds |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        f"| ---: | ---: |\n{rows}\n"
    )
    record("Nothing lost when a worker dies (`python -m bench.kill`)", body)
    print(body)
    if not all(report.exact for _, _, report in reports):
        sys.exit(1)


def _row(seed: int, load: float, r: KillReport) -> str:
    wrong = len(r.cues_unexpected) + len(r.cues_differing)
    return (
        f"| {seed} | {load:.1f} | {r.rounds} | {r.kills} | {r.events:,} "
        f"({r.events_in_topic:,}) | {len(r.events_lost)} | {r.cues_expected:,} "
        f"| {len(r.cues_missing)} | {wrong} | {len(r.states_differing)} | {len(r.dead_letters)} "
        f"| {r.duplicate_deliveries:,} | {r.seconds:.0f} |"
    )


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
