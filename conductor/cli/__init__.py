"""The `conductor` command line: one module per command group, each importing the runtime it
drives only when its command runs (so `conductor validate` does not load Kafka, NumPy or
the HTTP server)."""

import argparse
import os
from collections.abc import Sequence

from conductor.cli import dashboards, embedded, gateway, imports, kafka, rehearsal, score, sinks
from conductor.cli.common import HelpFormatter, subcommands


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` names (default: the process's arguments); its exit status."""
    # pydantic looks for plugins in every installed distribution's entry points when it builds
    # its first model; Conductor uses none. A value set in the environment, even empty, is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    parser = argparse.ArgumentParser(
        prog="conductor",
        description="Conductor: scores, cues, tempo and alignment from an event log.",
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    commands = subcommands(parser)
    score.register(commands)
    rehearsal.register(commands)
    embedded.register(commands)
    cues = kafka.register(commands)
    sinks.register(commands, cues)
    gateway.register(commands)
    dashboards.register(commands)
    imports.register(commands)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments) or 0
