"""What several command groups share: reading a score, an instant or the API tokens."""

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from conductor.access import Tokens
    from schemas.score import Score


class OutputFormat(StrEnum):
    TABLE = "table"
    JSONL = "jsonl"


def aware(value: str, option: str) -> datetime:
    """An ISO 8601 instant with a timezone, or a usage error naming the option."""
    from pydantic import AwareDatetime, TypeAdapter, ValidationError

    try:
        return TypeAdapter(AwareDatetime).validate_python(value)
    except ValidationError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time with a timezone (e.g. 2026-05-08T18:00:00+02:00)",
            param_hint=option,
        ) from None


def load_or_exit(path: Path) -> "Score":
    """The score, or every problem on stderr and exit code 2."""
    from conductor.errors import InvalidScore
    from conductor.io.scorefile import load_score

    try:
        return load_score(path)
    except InvalidScore as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


def tokens_or_exit() -> "Tokens":
    """`CONDUCTOR_API_TOKEN` and `CONDUCTOR_API_READ_TOKEN` from the environment (never flags:
    they would show in `ps`), or their problems on stderr and exit code 2."""
    import os

    from conductor.access import Tokens

    tokens = Tokens(
        os.environ.get("CONDUCTOR_API_TOKEN") or None,
        os.environ.get("CONDUCTOR_API_READ_TOKEN") or None,
    )
    problems = tokens.problems()
    for problem in problems:
        typer.echo(f"{problem.path}: {problem.message}", err=True)
    if problems:
        raise typer.Exit(2)
    return tokens
