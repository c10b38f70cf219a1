"""`conductor rehearse` and `conductor simulate`: dry runs of a score, nothing delivered."""

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import (
    add_format,
    at_least,
    command,
    directory,
    existing_file,
    exit_with,
    instant,
    load_or_exit,
)

if TYPE_CHECKING:
    from conductor.cli.common import Commands
    from schemas import Score


def rehearse(arguments: argparse.Namespace) -> int:
    """Replay a recorded log against a score and print the cues that would have fired; or
    simulate teams working it (--simulate), compare two scores (--compare), back-test the
    forecast (--backtest), and write a report with plots (--report)."""
    score: Path = arguments.score
    events: Path | None = arguments.events
    compare: Path | None = arguments.compare
    report: Path | None = arguments.report
    jobs: int = arguments.jobs
    loaded = load_or_exit(score)
    other = load_or_exit(compare) if compare is not None else None
    if arguments.simulate:
        if events is not None or arguments.backtest:
            exit_with(
                "--simulate runs simulated teams: use --from-log LOG, not --events/--backtest"
            )
        _simulated(
            loaded, other, arguments.runs, arguments.seed, arguments.from_log, arguments.days,
            jobs, report,
        )  # fmt: skip
        return 0
    if events is None:
        exit_with("--events LOG is needed (or --simulate)")
    if arguments.backtest:
        return _backtest(loaded, events, report)
    if other is not None:
        return _compared_on_log(loaded, other, events, report)
    from conductor.gctune import tune_for_folding
    from conductor.rehearsal.replay import Progress, rehearse_file
    from conductor.rehearsal.shards import rehearse_in_shards

    end: datetime | None = arguments.until
    tune_for_folding()
    if jobs == 1:
        with events.open("rb") as lines:
            printout = rehearse_file(loaded, lines, end, Progress(sys.stderr)).printout()
    else:
        printout = rehearse_in_shards(loaded, events, end, jobs, progress=True)
    printout.print(sys.stdout, sys.stderr, as_jsonl=arguments.output == "jsonl")
    return 1 if printout.rejected else 0


def _simulated(
    score: "Score",
    other: "Score | None",
    runs: int,
    seed: int,
    from_log: Path | None,
    days: int | None,
    jobs: int,
    report: Path | None,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from conductor.rehearsal.errors import RehearsalError
    from conductor.rehearsal.report import write_report
    from conductor.rehearsal.simulation import (
        rehearse_simulated,
        setup_from_log,
        setup_from_start,
    )

    scores = [score] if other is None else [score, other]
    try:
        if from_log is not None:
            lines = from_log.read_bytes().splitlines()
            setups = [setup_from_log(s, lines, seed, days) for s in scores]
        else:
            setups = [setup_from_start(s, seed, days) for s in scores]
        console = Console(stderr=True)
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            bars = [progress.add_task(f"runs of {s.score}", total=runs) for s in scores]
            done = rehearse_simulated(
                setups, runs, jobs, lambda which: progress.advance(bars[which])
            )
    except RehearsalError as error:
        exit_with(str(error))
    summary = done.data
    for commitment in summary["commitments"]:
        print(
            f"commitment {commitment['id']} by {commitment['by']}: "
            f"{commitment['probability']:.0%} of {runs} runs "
            f"(needs {commitment['confidence']:.0%}); {_dates(commitment)}"
        )
    for milestone in summary["milestones"]:
        print(
            f"milestone {milestone['id']} due {milestone['due']}: "
            f"{milestone['probability']:.0%}; {_dates(milestone)}"
        )
    if other is not None:
        print(f"differences beyond the runs' noise ({other.score} against {score.score}):")
        for line in done.marked or ["none"]:
            print(f"  {line}")
    if report is not None:
        write_report(report, summary, done.sections, done.plots())
        print(f"wrote {report / 'report.json'} and {report / 'report.html'}")


def _dates(figures: dict[str, object]) -> str:
    """P50 / P85 / P95 finish dates (— : not within the simulated days)."""
    return ", ".join(f"P{p} {figures[f'p{p}'] or '—'}" for p in (50, 85, 95))


def _backtest(score: "Score", events: Path, report: Path | None) -> int:
    from conductor.rehearsal import plots
    from conductor.rehearsal.backtest import backtest_log
    from conductor.rehearsal.errors import RehearsalError
    from conductor.rehearsal.report import backtest_sections, write_report

    try:
        with events.open("rb") as lines:
            result = backtest_log(score, lines)
    except RehearsalError as error:
        exit_with(str(error))
    figures = result.figures()
    _report_problems(result.problems)
    print(
        f"back-test of {figures['predictions']} forecasts of {figures['milestones']} milestones "
        f"at {figures['boundaries']} cycle boundaries: "
        f"{_percent(figures['share_on_or_before_p50'])} of finishes on or before the P50, "
        f"{_percent(figures['share_on_or_before_p85'])} on or before the P85; "
        f"mean error {figures['mean_error_days']} days"
    )
    if report is not None:
        data = {"kind": "backtest", "score": score.score, "title": score.title, "backtest": figures}
        write_report(
            report,
            data,
            backtest_sections(figures),
            [("Calibration of the forecast", plots.calibration(figures))],
        )
        print(f"wrote {report / 'report.json'} and {report / 'report.html'}")
    return 1 if result.problems else 0


def _report_problems(problems: list[str]) -> None:
    """Lines of the log that could not be read or were refused: on stderr, as a replay
    reports them (the exit code is then 1)."""
    for problem in problems:
        print(f"rejected {problem}", file=sys.stderr)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _compared_on_log(score: "Score", other: "Score", events: Path, report: Path | None) -> int:
    from conductor.rehearsal.errors import RehearsalError
    from conductor.rehearsal.logcompare import compare_on_log
    from conductor.rehearsal.report import write_report

    try:
        compared = compare_on_log(score, other, events.read_bytes().splitlines())
    except RehearsalError as error:
        exit_with(str(error))
    _report_problems(compared.data["problems"])
    counts = compared.data["cues"]
    print(
        f"{counts['a']} cues under {score.score}, {counts['b']} under {other.score}: "
        f"{counts['only_b']} only {other.score} sends {compared.data['only_b_by_kind']}, "
        f"{counts['only_a']} only {score.score} sends {compared.data['only_a_by_kind']}"
    )
    if report is not None:
        write_report(report, compared.data, compared.sections, [])
        print(f"wrote {report / 'report.json'} and {report / 'report.html'}")
    return 1 if compared.data["problems"] else 0


def simulate(arguments: argparse.Namespace) -> None:
    """Print a simulated team's events for the score as JSON Lines (for rehearsals)."""
    from conductor.rehearsal.simulate import simulate_team

    loaded = load_or_exit(arguments.score)
    for event in simulate_team(loaded, seed=arguments.seed, days=arguments.days):
        sys.stdout.write(event.model_dump_json(exclude_none=True) + "\n")


def register(commands: "Commands") -> None:
    rehearsing = command(commands, "rehearse", rehearse)
    rehearsing.add_argument("score", type=Path, help="score file (YAML or JSON)")
    rehearsing.add_argument("--events", type=existing_file, help="recorded log, JSON Lines")
    rehearsing.add_argument(
        "--until", type=instant, help="tick through deadlines up to this ISO time"
    )
    add_format(rehearsing)
    rehearsing.add_argument(
        "--jobs",
        type=at_least(int, 1),
        default=len(os.sched_getaffinity(0)),
        help="processes folding the log (a share of its ensembles each) or the simulated runs "
        "(default: the cores)",
    )
    rehearsing.add_argument(
        "--simulate", action="store_true", help="run simulated teams instead of a log"
    )
    rehearsing.add_argument("--runs", type=at_least(int, 1), default=200, help="simulated runs")
    rehearsing.add_argument(
        "--seed", type=int, default=1, help="the same seed gives the same figures"
    )
    rehearsing.add_argument(
        "--from-log",
        type=existing_file,
        help="fit the simulated team to this log and go on from where it stands",
    )
    rehearsing.add_argument(
        "--days",
        type=at_least(int, 1),
        help="days each run lasts (default: a week past the last date)",
    )
    rehearsing.add_argument("--compare", type=existing_file, help="a second score to compare")
    rehearsing.add_argument(
        "--backtest", action="store_true", help="check the forecast against the log (--events)"
    )
    rehearsing.add_argument("--report", type=directory, help="write report.json and .html here")

    simulating = command(commands, "simulate", simulate)
    simulating.add_argument("score", type=Path, help="score file (YAML or JSON)")
    simulating.add_argument(
        "--seed", type=int, default=1, help="the same seed gives the same events"
    )
    simulating.add_argument(
        "--days", type=int, help="days from `starts` (default: a week past the last due)"
    )
