"""`conductor rehearse` and `conductor simulate`: dry runs of a score, nothing delivered."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from conductor.cli.common import OutputFormat, aware, load_or_exit


def rehearse(
    score: Annotated[Path, typer.Argument(help="score file (YAML or JSON)")],
    events: Annotated[
        Path, typer.Option("--events", exists=True, dir_okay=False, help="recorded log, JSON Lines")
    ],
    until: Annotated[
        str | None, typer.Option(help="tick through deadlines up to this ISO time")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            help="processes folding the log, each a share of its ensembles (default: the cores)",
        ),
    ] = len(os.sched_getaffinity(0)),
) -> None:
    """Replay a recorded log against a score and print the cues that would have fired."""
    from conductor.gctune import tune_for_folding
    from conductor.rehearsal.replay import Progress, rehearse_file
    from conductor.rehearsal.shards import rehearse_in_shards

    loaded = load_or_exit(score)
    end = aware(until, "--until") if until is not None else None
    tune_for_folding()
    if jobs == 1:
        with events.open("rb") as lines:
            printout = rehearse_file(loaded, lines, end, Progress(sys.stderr)).printout()
    else:
        printout = rehearse_in_shards(loaded, events, end, jobs, progress=True)
    printout.print(sys.stdout, sys.stderr, as_jsonl=output is OutputFormat.JSONL)
    raise typer.Exit(1 if printout.rejected else 0)


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
