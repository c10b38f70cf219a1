"""`conductor rehearse` and `conductor simulate`: dry runs of a score, nothing delivered."""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from conductor.cli.common import OutputFormat, aware, load_or_exit

if TYPE_CHECKING:
    from schemas import Score


def rehearse(
    score: Annotated[Path, typer.Argument(help="score file (YAML or JSON)")],
    events: Annotated[
        Path | None,
        typer.Option("--events", exists=True, dir_okay=False, help="recorded log, JSON Lines"),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="tick through deadlines up to this ISO time")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            help="processes folding the log (a share of its ensembles each) or the simulated "
            "runs (default: the cores)",
        ),
    ] = len(os.sched_getaffinity(0)),
    simulate: Annotated[
        bool, typer.Option("--simulate", help="run simulated teams instead of a log")
    ] = False,
    runs: Annotated[int, typer.Option(min=1, help="simulated runs")] = 200,
    seed: Annotated[int, typer.Option(help="the same seed gives the same figures")] = 1,
    from_log: Annotated[
        Path | None,
        typer.Option(
            "--from-log",
            exists=True,
            dir_okay=False,
            help="fit the simulated team to this log and go on from where it stands",
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="days each run lasts (default: a week past the last date)"),
    ] = None,
    compare: Annotated[
        Path | None,
        typer.Option("--compare", exists=True, dir_okay=False, help="a second score to compare"),
    ] = None,
    backtest: Annotated[
        bool, typer.Option("--backtest", help="check the forecast against the log (--events)")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", file_okay=False, help="write report.json and .html here"),
    ] = None,
) -> None:
    """Replay a recorded log against a score and print the cues that would have fired; or
    simulate teams working it (--simulate), compare two scores (--compare), back-test the
    forecast (--backtest), and write a report with plots (--report)."""
    loaded = load_or_exit(score)
    other = load_or_exit(compare) if compare is not None else None
    if simulate:
        if events is not None or backtest:
            _usage("--simulate runs simulated teams: use --from-log LOG, not --events/--backtest")
        _simulated(loaded, other, runs, seed, from_log, days, jobs, report)
        return
    if events is None:
        _usage("--events LOG is needed (or --simulate)")
    if backtest:
        _backtest(loaded, events, report)
        return
    if other is not None:
        _compared_on_log(loaded, other, events, report)
        return
    from conductor.gctune import tune_for_folding
    from conductor.rehearsal.replay import Progress, rehearse_file
    from conductor.rehearsal.shards import rehearse_in_shards

    end = aware(until, "--until") if until is not None else None
    tune_for_folding()
    if jobs == 1:
        with events.open("rb") as lines:
            printout = rehearse_file(loaded, lines, end, Progress(sys.stderr)).printout()
    else:
        printout = rehearse_in_shards(loaded, events, end, jobs, progress=True)
    printout.print(sys.stdout, sys.stderr, as_jsonl=output is OutputFormat.JSONL)
    raise typer.Exit(1 if printout.rejected else 0)


def _usage(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


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
        _usage(str(error))
    summary = done.data
    for commitment in summary["commitments"]:
        typer.echo(
            f"commitment {commitment['id']} by {commitment['by']}: "
            f"{commitment['probability']:.0%} of {runs} runs "
            f"(needs {commitment['confidence']:.0%}); {_dates(commitment)}"
        )
    for milestone in summary["milestones"]:
        typer.echo(
            f"milestone {milestone['id']} due {milestone['due']}: "
            f"{milestone['probability']:.0%}; {_dates(milestone)}"
        )
    if other is not None:
        typer.echo(f"differences beyond the runs' noise ({other.score} against {score.score}):")
        for line in done.marked or ["none"]:
            typer.echo(f"  {line}")
    if report is not None:
        write_report(report, summary, done.sections, done.plots())
        typer.echo(f"wrote {report / 'report.json'} and {report / 'report.html'}")


def _dates(figures: dict[str, object]) -> str:
    """P50 / P85 / P95 finish dates (— : not within the simulated days)."""
    return ", ".join(f"P{p} {figures[f'p{p}'] or '—'}" for p in (50, 85, 95))


def _backtest(score: "Score", events: Path, report: Path | None) -> None:
    from conductor.rehearsal import plots
    from conductor.rehearsal.backtest import backtest_log
    from conductor.rehearsal.errors import RehearsalError
    from conductor.rehearsal.report import backtest_sections, write_report

    try:
        with events.open("rb") as lines:
            result = backtest_log(score, lines)
    except RehearsalError as error:
        _usage(str(error))
    figures = result.figures()
    _report_problems(result.problems)
    typer.echo(
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
        typer.echo(f"wrote {report / 'report.json'} and {report / 'report.html'}")
    raise typer.Exit(1 if result.problems else 0)


def _report_problems(problems: list[str]) -> None:
    """Lines of the log that could not be read or were refused: on stderr, as a replay
    reports them (the exit code is then 1)."""
    for problem in problems:
        typer.echo(f"rejected {problem}", err=True)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _compared_on_log(score: "Score", other: "Score", events: Path, report: Path | None) -> None:
    from conductor.rehearsal.errors import RehearsalError
    from conductor.rehearsal.logcompare import compare_on_log
    from conductor.rehearsal.report import write_report

    try:
        compared = compare_on_log(score, other, events.read_bytes().splitlines())
    except RehearsalError as error:
        _usage(str(error))
    _report_problems(compared.data["problems"])
    counts = compared.data["cues"]
    typer.echo(
        f"{counts['a']} cues under {score.score}, {counts['b']} under {other.score}: "
        f"{counts['only_b']} only {other.score} sends {compared.data['only_b_by_kind']}, "
        f"{counts['only_a']} only {score.score} sends {compared.data['only_a_by_kind']}"
    )
    if report is not None:
        write_report(report, compared.data, compared.sections, [])
        typer.echo(f"wrote {report / 'report.json'} and {report / 'report.html'}")
    raise typer.Exit(1 if compared.data["problems"] else 0)


def simulate(
    score: Annotated[Path, typer.Argument(help="score file (YAML or JSON)")],
    seed: Annotated[int, typer.Option(help="the same seed gives the same events")] = 1,
    days: Annotated[
        int | None, typer.Option(help="days from `starts` (default: a week past the last due)")
    ] = None,
) -> None:
    """Print a simulated team's events for the score as JSON Lines (for rehearsals)."""
    from conductor.rehearsal.simulate import simulate_team

    loaded = load_or_exit(score)
    for event in simulate_team(loaded, seed=seed, days=days):
        sys.stdout.write(event.model_dump_json(exclude_none=True) + "\n")


def register(app: typer.Typer) -> None:
    app.command()(rehearse)
    app.command()(simulate)
