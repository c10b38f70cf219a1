"""`conductor deliver` (the cues topic to the sinks) and `conductor cues test-sink` (one sample
cue to one sink): the sinks of a `--sinks` file, outside the embedded runtime."""

import argparse
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import (
    add_broker,
    add_prefix,
    command,
    exit_with,
    instant,
    tokens_or_exit,
)

if TYPE_CHECKING:
    from conductor.cli.common import Commands
    from conductor.sinks.config import SinkConfig


def _load(path: Path) -> "list[SinkConfig]":
    from conductor.sinks.config import InvalidSinks, load_sinks

    try:
        return load_sinks(path)
    except InvalidSinks as error:
        exit_with(str(error))


def deliver(arguments: argparse.Namespace) -> None:
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
    plans = [planned(sink) for sink in _load(arguments.sinks)]
    loglevel: str = arguments.loglevel
    logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(message)s")
    registry = CollectorRegistry()
    metrics = build_metrics(registry)
    book = Book()
    server = web_server(arguments.web_host, arguments.web_port, registry, book, tokens)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    topic = TopicNames(arguments.prefix).cues
    config = DeliverConfig(arguments.broker, topic, arguments.app_id, arguments.clock)
    try:
        run_deliver(config, plans, metrics, book)
    finally:
        server.shutdown()
        thread.join()


def _quiet_hours_clock(text: str) -> str:
    """wall, event, or an ISO instant as its POSIX timestamp (what `DeliverConfig` reads)."""
    return text if text in {"wall", "event"} else str(instant(text).timestamp())


def test_sink(arguments: argparse.Namespace) -> int:
    """Send one sample cue to one sink and print its answer and how long it took."""
    from conductor.io.modeljson import model_json
    from conductor.sinks.build import planned
    from schemas import Cue, Severity

    name: str = arguments.name
    sinks: Path = arguments.sinks
    found = [sink for sink in _load(sinks) if sink.name == name]
    if not found:
        names = ", ".join(sink.name for sink in _load(sinks))
        exit_with(f"no sink named {name!r} in {sinks} (there are: {names})")
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
        print(f"{name}: failed in {elapsed:.0f} ms: {error or type(error).__name__}")
        return 1
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{name}: {answer} in {elapsed:.0f} ms (cue {cue.id})")
    return 0


def _add_sinks(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sinks", type=Path, required=True, help="the sinks (YAML; see the README)"
    )


def register(commands: "Commands") -> None:
    delivering = command(commands, "deliver", deliver)
    add_broker(delivering)
    _add_sinks(delivering)
    delivering.add_argument(
        "--app-id",
        default="conductor-deliver",
        help="consumer group (its committed offsets)",
    )
    add_prefix(delivering)
    delivering.add_argument(
        "--clock",
        type=_quiet_hours_clock,
        default="wall",
        help="quiet hours' clock: wall, event (newest cue read), or ISO time",
    )
    delivering.add_argument("--web-port", type=int, default=6067, help="port of /metrics")
    delivering.add_argument(
        "--web-host",
        default="127.0.0.1",
        help="address of /metrics (0.0.0.0: every interface)",
    )
    delivering.add_argument("--loglevel", default="info")


def add_test_sink(cues: "Commands") -> None:
    """`test-sink`, among the subcommands of `conductor cues`."""
    testing = command(cues, "test-sink", test_sink)
    testing.add_argument("name", help="the sink's name in the file")
    _add_sinks(testing)
