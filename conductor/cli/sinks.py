"""`conductor deliver` (the cues topic to the sinks) and `conductor cues test-sink` (one sample
cue to one sink): the sinks of a `--sinks` file, outside the embedded runtime."""

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from conductor.cli.common import aware, tokens_or_exit
from conductor.cli.kafka import Broker, Prefix, cues_app
from streams.topics import DEFAULT_PREFIX

if TYPE_CHECKING:
    from conductor.sinks.config import SinkConfig

SinksFile = Annotated[Path, typer.Option("--sinks", help="the sinks (YAML; see the README)")]


def _load(path: Path) -> "list[SinkConfig]":
    from conductor.sinks.config import InvalidSinks, load_sinks

    try:
        return load_sinks(path)
    except InvalidSinks as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


def deliver(
    broker: Broker,
    sinks: SinksFile,
    app_id: Annotated[
        str, typer.Option("--app-id", help="consumer group (its committed offsets)")
    ] = "conductor-deliver",
    prefix: Prefix = DEFAULT_PREFIX,
    clock: Annotated[
        str, typer.Option(help="quiet hours' clock: wall, event (newest cue read), or ISO time")
    ] = "wall",
    web_port: Annotated[int, typer.Option("--web-port", help="port of /metrics")] = 6067,
    web_host: Annotated[
        str, typer.Option("--web-host", help="address of /metrics (0.0.0.0: every interface)")
    ] = "127.0.0.1",
    loglevel: Annotated[str, typer.Option()] = "info",
) -> None:
    """Deliver the cues topic to the sinks (routing, quiet hours, retries, signatures).

    With `CONDUCTOR_API_TOKEN` set, /metrics and /deliveries need it as a bearer token (or
    `CONDUCTOR_API_READ_TOKEN`), as the embedded runtime's reads do."""
    import logging
    import threading

    from prometheus_client import CollectorRegistry

    from conductor.metrics.registry import build_metrics
    from conductor.sinks.build import planned
    from streams.deliver import Book, DeliverConfig, run_deliver
    from streams.deliverweb import web_server
    from streams.topics import TopicNames

    tokens = tokens_or_exit()
    plans = [planned(sink) for sink in _load(sinks)]
    ticking = clock if clock in {"wall", "event"} else str(aware(clock, "--clock").timestamp())
    logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(message)s")
    registry = CollectorRegistry()
    metrics = build_metrics(registry)
    book = Book()
    server = web_server(web_host, web_port, registry, book, tokens)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = DeliverConfig(broker, TopicNames(prefix).cues, app_id, ticking)
    try:
        run_deliver(config, plans, metrics, book)
    finally:
        server.shutdown()
        thread.join()


def test_sink(
    name: Annotated[str, typer.Argument(help="the sink's name in the file")],
    sinks: SinksFile,
) -> None:
    """Send one sample cue to one sink and print its answer and how long it took."""
    from conductor.io.modeljson import model_json
    from conductor.sinks.build import planned
    from schemas import Cue, Severity

    found = [sink for sink in _load(sinks) if sink.name == name]
    if not found:
        names = ", ".join(sink.name for sink in _load(sinks))
        typer.echo(f"no sink named {name!r} in {sinks} (there are: {names})", err=True)
        raise typer.Exit(2)
    (config,) = found
    recipient = (config.to or ["ensemble:conductor-test"])[0].partition(":")
    cue = Cue.model_validate(
        {
            "id": f"cue-test-{uuid.uuid4().hex[:12]}",
            "kind": config.kinds[0] if config.kinds else "entry",
            "ensemble": (config.ensembles or ["conductor-test"])[0],
            "score": "conductor-test-sink",
            "to": {recipient[0]: recipient[2]},
            "subject": "test-sink",
            "at": datetime.now(UTC).replace(microsecond=0),
            "severity": max(Severity.INFO, config.min_severity, key=list(Severity).index),
            "reason": f"A test cue from `conductor cues test-sink {name}`: the sink works.",
            "caused_by": ["conductor-test-sink"],
            "timezone": "UTC",
        }
    )

    async def send_once() -> str:
        sink = planned(config).open()
        try:
            return await sink.send(model_json(cue))
        finally:
            await sink.close()

    import asyncio

    started = time.perf_counter()
    try:
        answer = asyncio.run(send_once())
    except Exception as error:
        elapsed = (time.perf_counter() - started) * 1000
        typer.echo(f"{name}: failed in {elapsed:.0f} ms: {error or type(error).__name__}")
        raise typer.Exit(1) from None
    elapsed = (time.perf_counter() - started) * 1000
    typer.echo(f"{name}: {answer} in {elapsed:.0f} ms (cue {cue.id})")


def register(app: typer.Typer) -> None:
    app.command()(deliver)
    cues_app.command("test-sink")(test_sink)
