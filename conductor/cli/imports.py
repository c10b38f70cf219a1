"""`conductor import github`: a team's history from its own tools, as a Conductor log."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from conductor.cli.common import load_or_exit

import_app = typer.Typer(help="Convert the history of a team's tools into a Conductor log.")


@import_app.command("github")
def import_github(
    export: Annotated[
        Path,
        typer.Option(
            "--from", help="the REST API's issues or pulls list, as `gh api --paginate` writes it"
        ),
    ],
    score: Annotated[Path, typer.Option(help="the score whose sources.github maps the items")],
    out: Annotated[Path | None, typer.Option(help="the log to write (default: stdout)")] = None,
    repository_id: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="GitHub's id of the export's repository, when the score names it by id",
        ),
    ] = None,
) -> None:
    """Write the events of a GitHub export (JSON Lines, in time order) for `rehearse`.

    Items of repositories the score does not list, and items whose milestone and labels map
    to no milestone, are counted and left out. Exit status 1 if an item could not be read.
    """
    from conductor.ingest.github.export import import_export
    from conductor.ingest.intake import IgnoredKind
    from conductor.io.modeljson import model_json

    loaded = load_or_exit(score)
    github = loaded.sources.github if loaded.sources is not None else None
    if github is None:
        typer.echo(f"{score}: the score has no sources.github to map the export by", err=True)
        raise typer.Exit(2)
    try:
        imported = import_export(export.read_text(encoding="utf-8"), loaded, repository_id)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        typer.echo(f"{export}: not a GitHub export: {error}", err=True)
        raise typer.Exit(2) from None
    lines = b"".join(model_json(event) + b"\n" for event in imported.events)
    if out is None:
        sys.stdout.buffer.write(lines)
        sys.stdout.flush()
    else:
        out.write_bytes(lines)
    for problem in imported.problems:
        typer.echo(f"not imported: {problem}", err=True)
    early = sum(1 for event in imported.events if event.occurred_at.date() < loaded.starts)
    typer.echo(
        f"{len(imported.events)} events from {imported.items} items; left out: "
        f"{imported.ignored[IgnoredKind.GITHUB_REPOSITORY]} of other repositories, "
        f"{imported.ignored[IgnoredKind.GITHUB_ITEM]} mapping to no milestone",
        err=True,
    )
    if early:
        typer.echo(
            f"{early} events are before the score starts ({loaded.starts}): a rehearsal "
            "refuses them; start the score earlier to include them",
            err=True,
        )
    raise typer.Exit(1 if imported.problems else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
