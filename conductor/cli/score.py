"""`conductor validate` and `conductor schemas export`: the score and the log's formats."""

from pathlib import Path
from typing import Annotated

import typer

from conductor.cli.common import load_or_exit

schemas_app = typer.Typer(help="JSON Schemas of the score, events and cues.")


def validate(score: Annotated[Path, typer.Argument(help="score file (YAML or JSON)")]) -> None:
    """Check a score; print every problem with its path (exit 2) or a one-line summary."""
    loaded = load_or_exit(score)
    typer.echo(
        f"{score}: ok — score {loaded.score!r} for ensemble {loaded.ensemble!r}: "
        f"{len(loaded.sections)} sections, {len(loaded.milestones)} milestones, "
        f"{len(loaded.cadences)} cadences, {len(loaded.commitments)} commitments, "
        f"{len(loaded.experiments)} experiments"
    )


@schemas_app.command("export")
def export_schemas(directory: Annotated[Path, typer.Argument(help="where to write")]) -> None:
    """Write score.schema.json, event.schema.json and cue.schema.json."""
    from schemas.export import json_schemas, render

    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (directory / name).write_text(render(schema), encoding="utf-8")
        typer.echo(f"wrote {directory / name}")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.add_typer(schemas_app, name="schemas")
