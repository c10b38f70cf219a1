"""The `conductor` command line: one module per command group, each importing the runtime it
drives only when its command runs (so `conductor validate` does not load Kafka, NumPy or
the HTTP server)."""

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module

from conductor.cli.common import HelpFormatter, subcommands

MODULES = {
    "validate": "score",
    "schemas": "score",
    "rehearse": "rehearsal",
    "simulate": "rehearsal",
    "run": "embedded",
    "export": "embedded",
    "worker": "kafka",
    "publish": "kafka",
    "cues": "kafka",
    "deliver": "sinks",
    "gateway": "gateway",
    "dashboards": "dashboards",
    "import": "imports",
}
"""The module of `conductor.cli` adding each command. Only the command's own module is
imported to parse it (the others would be read, and without bytecode compiled, for nothing);
--help, or a command not listed here, gets them all."""


def parser(modules: Iterable[str]) -> argparse.ArgumentParser:
    """The command line of the commands these modules add."""
    parsing = argparse.ArgumentParser(
        prog="conductor",
        description="Conductor: scores, cues, tempo and alignment from an event log.",
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    commands = subcommands(parsing)
    for module in dict.fromkeys(modules):
        import_module(f"conductor.cli.{module}").register(commands)
    return parsing


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` names (default: the process's arguments); its exit status."""
    # pydantic looks for plugins in every installed distribution's entry points when it builds
    # its first model; Conductor uses none. A value set in the environment, even empty, is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    words = sys.argv[1:] if argv is None else list(argv)
    named = MODULES.get(words[0]) if words else None
    arguments = parser([named] if named else MODULES.values()).parse_args(words)
    return arguments.run(arguments) or 0
