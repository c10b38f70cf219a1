"""`conductor import github`: a team's history from its own tools, as a Conductor log."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import at_least, command, exit_with, group, load_or_exit, subcommands

if TYPE_CHECKING:
    from conductor.cli.common import Commands


def import_github(arguments: argparse.Namespace) -> int:
    """Write the events of a GitHub export (JSON Lines, in time order) for `rehearse`.

    Items of repositories the score does not list, and items whose milestone and labels map
    to no milestone, are counted and left out. Exit status 1 if an item could not be read.
    """
    from conductor.ingest.github.export import import_export
    from conductor.ingest.intake import IgnoredKind
    from conductor.io.modeljson import model_json

    score: Path = arguments.score
    export: Path = arguments.export
    out: Path | None = arguments.out
    loaded = load_or_exit(score)
    github = loaded.sources.github if loaded.sources is not None else None
    if github is None:
        exit_with(f"{score}: the score has no sources.github to map the export by")
    try:
        text = export.read_text(encoding="utf-8")
        imported = import_export(text, loaded, arguments.repository_id)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        exit_with(f"{export}: not a GitHub export: {error}")
    lines = b"".join(model_json(event) + b"\n" for event in imported.events)
    if out is None:
        sys.stdout.buffer.write(lines)
        sys.stdout.flush()
    else:
        out.write_bytes(lines)
    for problem in imported.problems:
        print(f"not imported: {problem}", file=sys.stderr)
    early = sum(1 for event in imported.events if event.occurred_at.date() < loaded.starts)
    print(
        f"{len(imported.events)} events from {imported.items} items; left out: "
        f"{imported.ignored[IgnoredKind.GITHUB_REPOSITORY]} of other repositories, "
        f"{imported.ignored[IgnoredKind.GITHUB_ITEM]} mapping to no milestone",
        file=sys.stderr,
    )
    if early:
        print(
            f"{early} events are before the score starts ({loaded.starts}): a rehearsal "
            "refuses them; start the score earlier to include them",
            file=sys.stderr,
        )
    return 1 if imported.problems else 0


def register(commands: "Commands") -> None:
    converting = subcommands(
        group(commands, "import", "Convert the history of a team's tools into a Conductor log.")
    )
    github = command(converting, "github", import_github)
    github.add_argument(
        "--from",
        dest="export",
        type=Path,
        required=True,
        help="the REST API's issues or pulls list, as `gh api --paginate` writes it",
    )
    github.add_argument(
        "--score",
        type=Path,
        required=True,
        help="the score whose sources.github maps the items",
    )
    github.add_argument("--out", type=Path, help="the log to write (default: stdout)")
    github.add_argument(
        "--repository-id",
        type=at_least(int, 1),
        help="GitHub's id of the export's repository, when the score names it by id",
    )
