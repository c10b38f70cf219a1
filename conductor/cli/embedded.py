"""`conductor run`: the embedded runtime (SQLite log, HTTP API, cue delivery, /metrics)."""

from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from conductor.cli.common import aware

if TYPE_CHECKING:
    from conductor.runtime.api import Background
    from conductor.runtime.settings import Settings
    from conductor.session.clock import ScaledClock
    from schemas import Score


def run(
    score: Annotated[Path | None, typer.Option(help="score to publish if it changed")] = None,
    pilot: Annotated[
        Path | None,
        typer.Option(help="a second score folded in shadow: cues recorded, never delivered"),
    ] = None,
    db: Annotated[Path | None, typer.Option(help="the SQLite log [conductor.db]")] = None,
    host: Annotated[str | None, typer.Option(help="[127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="[8000]")] = None,
    demo: Annotated[bool | None, typer.Option("--demo", help="start a simulated team")] = None,
    sinks: Annotated[
        Path | None, typer.Option(help="sinks, routing and retries (YAML; see the README)")
    ] = None,
    webhook: Annotated[
        str | None, typer.Option(help="POST each cue to this URL as a CloudEvent")
    ] = None,
    jsonl: Annotated[Path | None, typer.Option(help="append each cue to this file")] = None,
    stdout: Annotated[
        bool | None,
        typer.Option("--stdout/--no-stdout", help="print each cue [on unless --sinks]"),
    ] = None,
    snapshot_every: Annotated[int | None, typer.Option(help="events between snapshots")] = None,
    clock_start: Annotated[
        str | None, typer.Option(help="run the clock from this ISO time, not the wall clock")
    ] = None,
    clock_speed: Annotated[float | None, typer.Option(help="speed of that clock")] = None,
) -> None:
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

    flags: dict[str, object] = {
        "score": score,
        "pilot": pilot,
        "db": db,
        "host": host,
        "port": port,
        "demo": demo,
        "sinks": sinks,
        "webhook": webhook,
        "jsonl": jsonl,
        "stdout": stdout,
        "snapshot_every": snapshot_every,
        "clock_start": aware(clock_start, "--clock-start") if clock_start is not None else None,
        "clock_speed": clock_speed,
    }
    try:
        given = {name: value for name, value in flags.items() if value is not None}
        settings = Settings.model_validate(given)
        loaded = load_score(settings.score) if settings.score is not None else None
        if not settings.demo:
            serve(settings, loaded)
            return
        if loaded is None:
            typer.echo("--demo needs --score", err=True)
            raise typer.Exit(2)
        serve(settings, loaded, *_demo(settings, loaded))
    except (InvalidScore, InvalidSinks) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    except ValidationError as error:
        typer.echo(f"invalid configuration: {error}", err=True)
        raise typer.Exit(2) from None
    except (LogLocked, PortTaken) as error:
        typer.echo(f"conductor run: {error}", err=True)
        raise typer.Exit(1) from None


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


def export(
    db: Annotated[Path, typer.Option(help="the SQLite log of `conductor run`")],
    ensemble: Annotated[str | None, typer.Option(help="only this ensemble's events")] = None,
) -> None:
    """Print the runtime's log as JSON Lines, in log order (for `rehearse --events`); safe
    while the runtime runs."""
    import sys

    from conductor.runtime.export import NotALog, exported_lines

    out = sys.stdout.buffer
    try:
        for line in exported_lines(db, ensemble):
            out.write(line + b"\n")
    except NotALog as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    out.flush()


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(export)
