"""`conductor worker`, `publish` and `cues`: the Kafka path (Faust and aiokafka are imported
only when one of them runs)."""

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import (
    add_broker,
    add_format,
    add_from_environment,
    add_prefix,
    at_least,
    command,
    exit_with,
    group,
    load_or_exit,
    subcommands,
)
from conductor.cli.sinks import add_test_sink

if TYPE_CHECKING:
    from conductor.cli.common import Commands
    from conductor.session.clock import Timekeeper


def worker(arguments: argparse.Namespace) -> None:
    """Run a Kafka stream worker: fold conductor.events, send cues, dead-letter bad input."""
    from conductor.session.clock import DEFAULT_MAX_SKEW, WallClock
    from streams.config import Timeouts, WorkerConfig
    from streams.run import run_worker

    ticking: Timekeeper = arguments.clock
    skew: timedelta | None = arguments.max_clock_skew
    if skew is None and isinstance(ticking, WallClock):
        skew = DEFAULT_MAX_SKEW
    config = WorkerConfig(
        broker=arguments.broker,
        app_id=arguments.app_id,
        prefix=arguments.prefix,
        partitions=arguments.partitions,
        replication=arguments.replication,
        store=arguments.store,
        web_host=arguments.web_host,
        web_port=arguments.web_port,
        clock=ticking,
        snapshot_every=arguments.snapshot_every,
        snapshot_after=arguments.snapshot_after,
        min_group_size=arguments.min_group_size,
        max_clock_skew=skew,
        timeouts=Timeouts.short() if arguments.short_timeouts else Timeouts(),
    )
    run_worker(config, arguments.loglevel)


def _timekeeper(text: str) -> "Timekeeper":
    from conductor.session.clock import parse_timekeeper

    try:
        return parse_timekeeper(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _store(text: str) -> str:
    from streams.config import parse_store

    try:
        parse_store(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _duration(text: str) -> timedelta:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(timedelta).validate_python(text)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 duration (e.g. P1D, PT6H)"
        ) from None


def publish(arguments: argparse.Namespace) -> int:
    """Validate a log line by line and publish the valid events keyed by ensemble."""
    import asyncio

    from streams.publish import publish_log
    from streams.topics import LOG_SETTINGS, TopicNames, ensure_topics

    broker: str = arguments.broker
    log: Path | None = arguments.log
    loaded = load_or_exit(arguments.score) if arguments.score is not None else None
    topic = TopicNames(arguments.prefix).events
    lines = log.read_bytes().splitlines() if log is not None else sys.stdin.buffer
    configs = {topic: LOG_SETTINGS}
    asyncio.run(ensure_topics(broker, [topic], arguments.partitions, configs=configs))
    report = asyncio.run(publish_log(broker, topic, loaded, lines))
    for bad in report.bad_lines:
        print(f"not published: {bad}", file=sys.stderr)
    print(f"published {report.published} events to {topic}, {len(report.bad_lines)} bad lines")
    return 1 if report.bad_lines else 0


def cues(arguments: argparse.Namespace) -> None:
    """Print the cues in the cues topic, each id once, then exit (or keep following)."""
    import asyncio

    from streams.topics import TopicNames

    if arguments.broker is None:
        exit_with("--broker is required to read cues")
    topic = TopicNames(arguments.prefix).cues
    asyncio.run(_print_cues(arguments.broker, topic, arguments.follow, arguments.output == "jsonl"))


async def _print_cues(broker: str, topic: str, follow: bool, as_jsonl: bool) -> None:
    from rich.console import Console

    from conductor.io.cuetable import cue_table
    from schemas import Cue
    from streams.cuereader import read_cues

    collected: list[Cue] = []
    async for cue in read_cues(broker, topic, follow):
        if as_jsonl:
            sys.stdout.write(cue.model_dump_json() + "\n")
            sys.stdout.flush()
        elif follow:
            Console(width=160).print(cue_table([cue], "UTC"))
        else:
            collected.append(cue)
    if not as_jsonl and not follow:
        collected.sort(key=lambda cue: (cue.at, cue.id))
        Console(width=160).print(cue_table(collected, "UTC"))


def register(commands: "Commands") -> None:
    working = command(commands, "worker", worker)
    add_broker(working)
    working.add_argument(
        "--partitions", type=int, default=4, help="partitions of the topics it creates"
    )
    working.add_argument(
        "--store",
        type=_store,
        default="memory://",
        help="memory://, or rocksdict://DIR: tables in RocksDB under DIR",
    )
    working.add_argument("--app-id", default="conductor", help="Faust app id (consumer group)")
    add_prefix(working)
    working.add_argument(
        "--replication", type=int, default=1, help="replication factor of new topics"
    )
    working.add_argument("--web-port", type=int, default=6066, help="port of /metrics")
    working.add_argument(
        "--web-host", default="127.0.0.1", help="address of /metrics and /healthz (0.0.0.0: all)"
    )
    working.add_argument(
        "--clock",
        type=_timekeeper,
        default="wall",
        help="wall, event (tick by event time), or a fixed ISO time",
    )
    add_from_environment(
        working,
        "--max-clock-skew",
        "CONDUCTOR_MAX_CLOCK_SKEW",
        _duration,
        None,
        "dead-letter events dated further ahead of the clock, an ISO 8601 duration "
        "[P1D on the wall clock; no limit on another]",
    )
    working.add_argument(
        "--snapshot-every", type=int, default=200, help="events per state snapshot"
    )
    working.add_argument(
        "--snapshot-after",
        type=at_least(float, 0.0),
        default=1.0,
        help="seconds before a snapshot of what is left over",
    )
    add_from_environment(
        working,
        "--min-group-size",
        "CONDUCTOR_MIN_GROUP_SIZE",
        at_least(int, 1),
        3,
        "smaller sections roll up into the ensemble in metrics",
    )
    working.add_argument(
        "--short-timeouts",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="short Faust session/rebalance timeouts (tests, one host)",
    )
    working.add_argument("--loglevel", default="info")

    publishing = command(commands, "publish", publish)
    add_broker(publishing)
    publishing.add_argument("log", type=Path, nargs="?", help="events, JSON Lines (default: stdin)")
    publishing.add_argument("--score", type=Path, help="publish this score's score.published first")
    add_prefix(publishing)
    publishing.add_argument(
        "--partitions", type=int, default=4, help="partitions if the topic is created"
    )

    reading = group(
        commands,
        "cues",
        "Print the cues in the cues topic (--broker), or check a sink (test-sink).",
        cues,
    )
    add_broker(reading, required=False)
    reading.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="keep printing new cues",
    )
    add_format(reading)
    add_prefix(reading)
    add_test_sink(subcommands(reading, required=False))
