"""The kill test at length: two workers on four partitions, events published the whole
time, one worker SIGKILLed at a seeded random moment each round and started again; then
every cue, state and event compared with a clean replay (`tests/integration/kill_rounds.py`,
what `make test` runs in three rounds). Starts its own Apache Kafka broker; prints a
Markdown table for RESULTS.md, one row per run, and exits 1 if any run lost anything.

    python -m bench.kill [ROUNDS] [ENSEMBLES] [--guarantee exactly-once] [--seeds N]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

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
    parser.add_argument("--guarantee", default="at-least-once")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-kill-"))
    kafka, broker = start_local_broker(scratch / "kafka", subprocess.DEVNULL)
    reports: list[tuple[int, float, KillReport]] = []
    try:
        for seed in range(1, args.seeds + 1):
            tag = uuid.uuid4().hex[:8]
            logs = scratch / tag
            logs.mkdir()
            plan = KillPlan(
                rounds=args.rounds,
                ensembles=args.ensembles,
                days=args.days,
                seed=seed,
                worker_args=("--guarantee", args.guarantee),
                read_committed=args.guarantee == "exactly-once",
            )
            load = os.getloadavg()[0]
            report = kill_rounds(Streams(broker, f"k{tag}.", f"kill-{tag}", logs), plan, say=_say)
            reports.append((seed, load, report))
            _say(report.summary())
    finally:
        stop(kafka, timeout=60)
    print(
        f"`python -m bench.kill {args.rounds} {args.ensembles} --days {args.days} "
        f"--guarantee {args.guarantee}`, Apache Kafka 4.4 (deploy/kafka/local-broker); cues "
        f"read {'as read_committed' if args.guarantee == 'exactly-once' else 'as written'}.\n"
    )
    print(
        "| seed | load | rounds | kills | events (in topic) | events lost | cues expected "
        "| cues missing | unexpected or differing | states differing | duplicate deliveries "
        "| seconds |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed, load, r in reports:
        wrong = len(r.cues_unexpected) + len(r.cues_differing)
        print(
            f"| {seed} | {load:.1f} | {r.rounds} | {r.kills} | {r.events:,} "
            f"({r.events_in_topic:,}) | {len(r.events_lost)} | {r.cues_expected:,} "
            f"| {len(r.cues_missing)} | {wrong} | {len(r.states_differing)} "
            f"| {r.duplicate_deliveries:,} | {r.seconds:.0f} |"
        )
    if not all(r.exact for _, _, r in reports):
        sys.exit(1)


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
