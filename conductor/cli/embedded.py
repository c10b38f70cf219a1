"""`conductor run`: the embedded runtime (SQLite log, HTTP API, cue delivery, /metrics)."""

import argparse
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import command, exit_with, instant

if TYPE_CHECKING:
    from conductor.cli.common import Commands
    from conductor.runtime.api import Background
    from conductor.runtime.settings import Settings
    from conductor.session.clock import ScaledClock
    from schemas import Score


def run(arguments: argparse.Namespace) -> int:
    """Run the embedded runtime: SQLite log, HTTP API, cue delivery, /metrics.

    Every option can also be set as a `CONDUCTOR_*` environment variable (options win);
    `CONDUCTOR_API_TOKEN` requires a bearer token on every endpoint but /healthz,
    `CONDUCTOR_API_READ_TOKEN` is a second one that reads only;
    `CONDUCTOR_GITHUB_WEBHOOK_SECRET` verifies GitHub's deliveries to POST /webhooks/github.
    """
    from pydantic import ValidationError

    from conductor.errors import InvalidScore
    from conductor.io.scorefile import load_score
    from conductor.runtime.listen import PortTaken
    from conductor.runtime.loglock import LogLocked
    from conductor.runtime.serve import serve
    from conductor.runtime.settings import Settings
    from conductor.sinks.config import InvalidSinks

    options = vars(arguments).items()  # each named as its setting (and `run`, this function)
    given = {name: value for name, value in options if name != "run" and value is not None}
    try:
        settings = Settings.model_validate(given)
        loaded = load_score(settings.score) if settings.score is not None else None
        if not settings.demo:
            serve(settings, loaded)
            return 0
        if loaded is None:
            exit_with("--demo needs --score")
        serve(settings, loaded, *_demo(settings, loaded))
    except (InvalidScore, InvalidSinks) as error:
        exit_with(str(error))
    except ValidationError as error:
        exit_with(f"invalid configuration: {error}")
    except (LogLocked, PortTaken) as error:
        exit_with(f"conductor run: {error}", 1)
    return 0


def _demo(settings: "Settings", score: "Score") -> tuple["ScaledClock", list["Background"]]:
    """The demo's fast clock (unless `--clock-start` sets one) and its simulated team."""
    from conductor.rehearsal.demo import demo_clock, post_simulation
    from conductor.session.clock import ScaledClock

    if settings.clock_start is not None:
        clock = ScaledClock(settings.clock_start, settings.clock_speed)
    else:
        speed = settings.clock_speed if "clock_speed" in settings.model_fields_set else None
        clock = demo_clock(score, speed)
    url = f"http://{settings.host}:{settings.port}"
    token = settings.api_token.get_secret_value() if settings.api_token else None

    def simulate() -> Awaitable[int]:
        return post_simulation(url, score, settings.demo_seed, settings.demo_days, clock, token)

    return clock, [simulate]


def export(arguments: argparse.Namespace) -> None:
    """Print the runtime's log as JSON Lines, in log order (for `rehearse --events`); safe
    while the runtime runs."""
    import sys

    from conductor.runtime.export import NotALog, exported_lines

    out = sys.stdout.buffer
    try:
        for line in exported_lines(arguments.db, arguments.ensemble):
            out.write(line + b"\n")
    except NotALog as error:
        exit_with(str(error))
    out.flush()


def register(commands: "Commands") -> None:
    running = command(commands, "run", run)
    running.add_argument("--score", type=Path, help="score to publish if it changed")
    running.add_argument(
        "--pilot", type=Path, help="a second score folded in shadow: cues recorded, never delivered"
    )
    running.add_argument("--db", type=Path, help="the SQLite log [conductor.db]")
    running.add_argument("--host", help="[127.0.0.1]")
    running.add_argument("--port", type=int, help="[8000]")
    running.add_argument("--demo", action="store_const", const=True, help="start a simulated team")
    running.add_argument(
        "--sinks", type=Path, help="sinks, routing and retries (YAML; see the README)"
    )
    running.add_argument("--webhook", help="POST each cue to this URL as a CloudEvent")
    running.add_argument("--jsonl", type=Path, help="append each cue to this file")
    running.add_argument(
        "--stdout",
        action=argparse.BooleanOptionalAction,
        help="print each cue [on unless --sinks]",
    )
    running.add_argument("--snapshot-every", type=int, help="events between snapshots")
    running.add_argument(
        "--clock-start", type=instant, help="run the clock from this ISO time, not the wall clock"
    )
    running.add_argument("--clock-speed", type=float, help="speed of that clock")

    exporting = command(commands, "export", export)
    exporting.add_argument(
        "--db", type=Path, required=True, help="the SQLite log of `conductor run`"
    )
    exporting.add_argument("--ensemble", help="only this ensemble's events")
