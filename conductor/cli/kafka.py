"""`conductor worker`, `publish` and `cues`: the Kafka path (Faust and aiokafka are imported
only when one of them runs)."""

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from conductor.cli.common import load_or_exit
from streams.topics import DEFAULT_PREFIX

Broker = Annotated[str, typer.Option("--broker", help="kafka://HOST:PORT")]
Prefix = Annotated[str, typer.Option("--prefix", help="topic name prefix")]


def worker(
    broker: Broker,
    partitions: Annotated[int, typer.Option(help="partitions of the topics it creates")] = 4,
    store: Annotated[
        str, typer.Option(help="memory://, or rocksdict://DIR: tables in RocksDB under DIR")
    ] = "memory://",
    app_id: Annotated[str, typer.Option("--app-id", help="Faust app id (consumer group)")] = (
        "conductor"
    ),
    prefix: Prefix = DEFAULT_PREFIX,
    replication: Annotated[int, typer.Option(help="replication factor of new topics")] = 1,
    web_port: Annotated[int, typer.Option("--web-port", help="port of /metrics")] = 6066,
    web_host: Annotated[
        str, typer.Option("--web-host", help="address of /metrics and /healthz (0.0.0.0: all)")
    ] = "127.0.0.1",
    clock: Annotated[
        str, typer.Option(help="wall, event (tick by event time), or a fixed ISO time")
    ] = "wall",
    max_clock_skew: Annotated[
        str | None,
        typer.Option(
            envvar="CONDUCTOR_MAX_CLOCK_SKEW",
            help="dead-letter events dated further ahead of the clock, an ISO 8601 duration "
            "[P1D on the wall clock; no limit on another]",
        ),
    ] = None,
    snapshot_every: Annotated[int, typer.Option(help="events per state snapshot")] = 200,
    snapshot_after: Annotated[
        float, typer.Option(min=0.0, help="seconds before a snapshot of what is left over")
    ] = 1.0,
    min_group_size: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="CONDUCTOR_MIN_GROUP_SIZE",
            help="smaller sections roll up into the ensemble in metrics",
        ),
    ] = 3,
    short_timeouts: Annotated[
        bool, typer.Option(help="short Faust session/rebalance timeouts (tests, one host)")
    ] = False,
    loglevel: Annotated[str, typer.Option()] = "info",
) -> None:
    """Run a Kafka stream worker: fold conductor.events, send cues, dead-letter bad input."""
    from conductor.session.clock import DEFAULT_MAX_SKEW, WallClock, parse_timekeeper
    from streams.config import Timeouts, WorkerConfig, parse_store
    from streams.run import run_worker

    try:
        ticking = parse_timekeeper(clock)
        skew = _duration(max_clock_skew, "--max-clock-skew") if max_clock_skew else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--clock") from None
    try:
        parse_store(store)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--store") from None
    config = WorkerConfig(
        broker=broker,
        app_id=app_id,
        prefix=prefix,
        partitions=partitions,
        replication=replication,
        store=store,
        web_host=web_host,
        web_port=web_port,
        clock=ticking,
        snapshot_every=snapshot_every,
        snapshot_after=snapshot_after,
        min_group_size=min_group_size,
        max_clock_skew=skew
        if max_clock_skew
        else (DEFAULT_MAX_SKEW if isinstance(ticking, WallClock) else None),
        timeouts=Timeouts.short() if short_timeouts else Timeouts(),
    )
    run_worker(config, loglevel)


def publish(
    broker: Broker,
    log: Annotated[Path | None, typer.Argument(help="events, JSON Lines (default: stdin)")] = None,
    score: Annotated[
        Path | None, typer.Option(help="publish this score's score.published first")
    ] = None,
    prefix: Prefix = DEFAULT_PREFIX,
    partitions: Annotated[int, typer.Option(help="partitions if the topic is created")] = 4,
) -> None:
    """Validate a log line by line and publish the valid events keyed by ensemble."""
    import asyncio

    from streams.publish import publish_log
    from streams.topics import LOG_SETTINGS, TopicNames, ensure_topics

    loaded = load_or_exit(score) if score is not None else None
    topic = TopicNames(prefix).events
    lines = log.read_bytes().splitlines() if log is not None else sys.stdin.buffer
    asyncio.run(ensure_topics(broker, [topic], partitions, configs={topic: LOG_SETTINGS}))
    report = asyncio.run(publish_log(broker, topic, loaded, lines))
    for bad in report.bad_lines:
        typer.echo(f"not published: {bad}", err=True)
    typer.echo(f"published {report.published} events to {topic}, {len(report.bad_lines)} bad lines")
    raise typer.Exit(1 if report.bad_lines else 0)


cues_app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="Print the cues in the cues topic (--broker), or check a sink (test-sink).",
)


@cues_app.callback()
def cues(
    context: typer.Context,
    broker: Annotated[str | None, typer.Option("--broker", help="kafka://HOST:PORT")] = None,
    follow: Annotated[bool, typer.Option(help="keep printing new cues")] = False,
    output: Annotated[str, typer.Option("--format", help="table or jsonl")] = "table",
    prefix: Prefix = DEFAULT_PREFIX,
) -> None:
    """Print the cues in the cues topic, each id once, then exit (or keep following)."""
    import asyncio

    from streams.topics import TopicNames

    if context.invoked_subcommand is not None:
        return
    if broker is None:
        raise typer.BadParameter("is required to read cues", param_hint="--broker")
    if output not in {"table", "jsonl"}:
        raise typer.BadParameter(f"format: {output!r} is neither 'table' nor 'jsonl'")
    asyncio.run(_print_cues(broker, TopicNames(prefix).cues, follow, output == "jsonl"))


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


def _duration(text: str, option: str) -> "timedelta":
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(timedelta).validate_python(text)
    except ValidationError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 duration (e.g. P1D, PT6H)", param_hint=option
        ) from None


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(publish)
    app.add_typer(cues_app, name="cues")
