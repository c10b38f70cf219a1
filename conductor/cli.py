"""The `conductor` command line."""

import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from conductor.errors import InvalidScore
from conductor.gctune import tune_for_folding
from conductor.rehearse import rehearse_file
from conductor.rehearse_shards import rehearse_in_shards
from conductor.runtime.settings import Settings
from conductor.scorefile import load_score
from conductor.simulate import simulate_team
from schemas import Score
from schemas.export import json_schemas, render

app = typer.Typer(help="Conductor: scores, cues, tempo and alignment from an event log.")
schemas_app = typer.Typer(help="JSON Schemas of the score, events and cues.")
app.add_typer(schemas_app, name="schemas")


class OutputFormat(StrEnum):
    TABLE = "table"
    JSONL = "jsonl"


def _aware(value: str) -> datetime:
    try:
        return TypeAdapter(AwareDatetime).validate_python(value)
    except ValidationError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time with a timezone (e.g. 2026-05-08T18:00:00+02:00)"
        ) from None


def _load_or_exit(path: Path) -> Score:
    """The score, or every problem on stderr and exit code 2."""
    try:
        return load_score(path)
    except InvalidScore as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@app.command()
def validate(score: Annotated[Path, typer.Argument(help="score file (YAML or JSON)")]) -> None:
    """Check a score; print every problem with its path (exit 2) or a one-line summary."""
    loaded = _load_or_exit(score)
    typer.echo(
        f"{score}: ok — score {loaded.score!r} for ensemble {loaded.ensemble!r}: "
        f"{len(loaded.sections)} sections, {len(loaded.milestones)} milestones, "
        f"{len(loaded.cadences)} cadences, {len(loaded.commitments)} commitments, "
        f"{len(loaded.experiments)} experiments"
    )


@app.command()
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
    loaded = _load_or_exit(score)
    end = _aware(until) if until is not None else None
    tune_for_folding()
    if jobs == 1:
        with events.open("rb") as lines:
            printout = rehearse_file(loaded, lines, end).printout()
    else:
        printout = rehearse_in_shards(loaded, events, end, jobs)
    printout.print(sys.stdout, sys.stderr, as_jsonl=output is OutputFormat.JSONL)
    raise typer.Exit(1 if printout.rejected else 0)


@app.command()
def run(
    score: Annotated[Path | None, typer.Option(help="score to publish if it changed")] = None,
    db: Annotated[Path | None, typer.Option(help="the SQLite log [conductor.db]")] = None,
    host: Annotated[str | None, typer.Option(help="[127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="[8000]")] = None,
    demo: Annotated[bool | None, typer.Option("--demo", help="start a simulated team")] = None,
    webhook: Annotated[str | None, typer.Option(help="POST each cue to this URL")] = None,
    jsonl: Annotated[Path | None, typer.Option(help="append each cue to this file")] = None,
    stdout: Annotated[
        bool | None, typer.Option("--stdout/--no-stdout", help="print each cue [on]")
    ] = None,
    snapshot_every: Annotated[int | None, typer.Option(help="events between snapshots")] = None,
    clock_start: Annotated[
        str | None, typer.Option(help="run the clock from this ISO time, not the wall clock")
    ] = None,
    clock_speed: Annotated[float | None, typer.Option(help="speed of that clock")] = None,
) -> None:
    """Run the embedded runtime: SQLite log, HTTP API, cue delivery, /metrics.

    Every option can also be set as a `CONDUCTOR_*` environment variable (options win);
    `CONDUCTOR_API_TOKEN` requires a bearer token on POST /events.
    """
    flags: dict[str, object] = {
        "score": score,
        "db": db,
        "host": host,
        "port": port,
        "demo": demo,
        "webhook": webhook,
        "jsonl": jsonl,
        "stdout": stdout,
        "snapshot_every": snapshot_every,
        "clock_start": _aware(clock_start) if clock_start is not None else None,
        "clock_speed": clock_speed,
    }
    try:
        given = {name: value for name, value in flags.items() if value is not None}
        settings = Settings.model_validate(given)
        # Imported here: FastAPI and uvicorn take a third of a second to import, which
        # every other command (a rehearsal, say) would pay for nothing.
        from conductor.runtime.serve import serve

        serve(settings)
    except InvalidScore as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    except ValidationError as error:
        typer.echo(f"invalid configuration: {error}", err=True)
        raise typer.Exit(2) from None


@app.command()
def simulate(
    score: Annotated[Path, typer.Argument(help="score file (YAML or JSON)")],
    seed: Annotated[int, typer.Option(help="the same seed gives the same events")] = 1,
    days: Annotated[
        int | None, typer.Option(help="days from `starts` (default: a week past the last due)")
    ] = None,
) -> None:
    """Print a simulated team's events for the score as JSON Lines (for rehearsals)."""
    loaded = _load_or_exit(score)
    for event in simulate_team(loaded, seed=seed, days=days):
        sys.stdout.write(event.model_dump_json(exclude_none=True) + "\n")


@schemas_app.command("export")
def export_schemas(directory: Annotated[Path, typer.Argument(help="where to write")]) -> None:
    """Write score.schema.json, event.schema.json and cue.schema.json."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (directory / name).write_text(render(schema), encoding="utf-8")
        typer.echo(f"wrote {directory / name}")


def _register_streams() -> None:
    from streams.commands import cues, publish, worker

    app.command()(worker)
    app.command()(publish)
    app.command()(cues)


_register_streams()
