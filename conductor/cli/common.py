"""What several command groups share: the argparse plumbing (a command from a function, option
values checked as they are parsed so that a bad one is a usage error naming the option,
defaults from the environment, the output format) and reading a score or the API tokens."""

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

if TYPE_CHECKING:
    from conductor.access import Tokens
    from schemas.score import Score

    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

Command = Callable[[argparse.Namespace], int | None]
"""What a command runs: the parsed options in, the exit status out (None: 0)."""

Number = TypeVar("Number", int, float)

FORMATS = ("table", "jsonl")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the docstrings' paragraphs and shows each option's default, if it has one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        shown = action.default not in (None, False, argparse.SUPPRESS)
        if shown and action.option_strings and not action.required:
            return f"{action.help or ''} [default: %(default)s]".lstrip()
        return action.help


def subcommands(parent: argparse.ArgumentParser, *, required: bool = True) -> "Commands":
    return parent.add_subparsers(title="commands", metavar="COMMAND", required=required)


def command(commands: "Commands", name: str, run: Command) -> argparse.ArgumentParser:
    """The command `name`, running `run` and described by its docstring: the first paragraph
    in the list of commands, the whole under its --help."""
    description = "\n".join(line.strip() for line in (run.__doc__ or "").splitlines())
    return group(commands, name, description, run)


def group(
    commands: "Commands", name: str, description: str, run: Command | None = None
) -> argparse.ArgumentParser:
    """A command of its own subcommands (`run`: what it does given none)."""
    summary = description.split("\n\n", 1)[0].replace("\n", " ")
    added = commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    if run is not None:
        added.set_defaults(run=run)
    return added


def add_broker(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--broker", required=required, help="kafka://HOST:PORT")


def add_prefix(parser: argparse.ArgumentParser) -> None:
    from streams.topics import DEFAULT_PREFIX

    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="topic name prefix")


def add_format(parser: argparse.ArgumentParser) -> None:
    """`--format table|jsonl` (as `output`): a table for people, JSON Lines for programs."""
    parser.add_argument("--format", dest="output", choices=FORMATS, default="table")


class _FromEnvironment(str):
    """An option's default read from the environment: a bad one's error names the variable."""

    variable: str


def add_from_environment(
    parser: argparse.ArgumentParser,
    flag: str,
    variable: str,
    convert: Callable[[str], object],
    default: object,
    help: str,
) -> None:
    """An option that, when not given, is the environment variable `variable` if that is set
    and not empty (argparse converts it as it would the flag's value), else `default`."""
    text = os.environ.get(variable)
    given: object = default
    if text:
        given = _FromEnvironment(text)
        given.variable = variable

    def converted(value: str) -> object:
        try:
            return convert(value)
        except argparse.ArgumentTypeError as error:
            if isinstance(value, _FromEnvironment):
                raise argparse.ArgumentTypeError(f"{error} (from {value.variable})") from None
            raise

    parser.add_argument(flag, type=converted, default=given, help=f"{help} [env var: {variable}]")


def at_least(kind: Callable[[str], Number], minimum: Number) -> Callable[[str], Number]:
    """A number (`int` or `float`) no smaller than `minimum`."""

    def number(text: str) -> Number:
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is less than the minimum, {minimum}")
        return value

    return number


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"file {text!r} does not exist")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"file {text!r} is a directory")
    return path


def directory(text: str) -> Path:
    """A directory, or where one will be made."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"directory {text!r} is a file")
    return path


def instant(text: str) -> datetime:
    """An ISO 8601 instant with a timezone."""
    from pydantic import AwareDatetime, TypeAdapter, ValidationError

    try:
        return TypeAdapter(AwareDatetime).validate_python(text)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time with a timezone (e.g. 2026-05-08T18:00:00+02:00)"
        ) from None


def exit_with(message: str, status: int = 2) -> NoReturn:
    """`message` on stderr, then exit with `status` (2: the input or the options are wrong)."""
    print(message, file=sys.stderr)
    raise SystemExit(status)


def load_or_exit(path: Path) -> "Score":
    """The score, or every problem on stderr and exit status 2."""
    from conductor.gctune import frozen_after

    with frozen_after():
        from conductor.errors import InvalidScore
        from conductor.io.scorefile import load_score

        try:
            return load_score(path)
        except InvalidScore as error:
            exit_with(str(error))


def tokens_or_exit() -> "Tokens":
    """`CONDUCTOR_API_TOKEN` and `CONDUCTOR_API_READ_TOKEN` from the environment (never flags:
    they would show in `ps`), or their problems on stderr and exit status 2."""
    from conductor.access import Tokens

    tokens = Tokens(
        os.environ.get("CONDUCTOR_API_TOKEN") or None,
        os.environ.get("CONDUCTOR_API_READ_TOKEN") or None,
    )
    problems = tokens.problems()
    if problems:
        exit_with("\n".join(f"{problem.path}: {problem.message}" for problem in problems))
    return tokens
