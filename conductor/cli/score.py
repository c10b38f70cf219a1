"""`conductor validate` and `conductor schemas export`: the score and the log's formats."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import command, group, load_or_exit, subcommands

if TYPE_CHECKING:
    from conductor.cli.common import Commands


def validate(arguments: argparse.Namespace) -> None:
    """Check a score; print every problem with its path (exit 2) or a one-line summary."""
    score: Path = arguments.score
    loaded = load_or_exit(score)
    print(
        f"{score}: ok — score {loaded.score!r} for ensemble {loaded.ensemble!r}: "
        f"{len(loaded.sections)} sections, {len(loaded.milestones)} milestones, "
        f"{len(loaded.cadences)} cadences, {len(loaded.commitments)} commitments, "
        f"{len(loaded.experiments)} experiments"
    )


def export_schemas(arguments: argparse.Namespace) -> None:
    """Write score.schema.json, event.schema.json and cue.schema.json."""
    from schemas.export import json_schemas, render

    directory: Path = arguments.directory
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (directory / name).write_text(render(schema), encoding="utf-8")
        print(f"wrote {directory / name}")


def register(commands: "Commands") -> None:
    checking = command(commands, "validate", validate)
    checking.add_argument("score", type=Path, help="score file (YAML or JSON)")
    schemas = subcommands(group(commands, "schemas", "JSON Schemas of the score, events and cues."))
    exporting = command(schemas, "export", export_schemas)
    exporting.add_argument("directory", type=Path, help="where to write")
