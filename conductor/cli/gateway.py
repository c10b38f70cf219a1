"""`conductor gateway`: teams' tools posting to Kafka without a producer of their own
(FastAPI, aiokafka and the ingest readers are imported only when it runs)."""

import os
from pathlib import Path
from typing import Annotated

import typer

from conductor.cli.common import load_or_exit, tokens_or_exit
from streams.topics import DEFAULT_PREFIX


def gateway(
    broker: Annotated[str, typer.Option("--broker", help="kafka://HOST:PORT")],
    port: Annotated[int, typer.Option(help="HTTP port")] = 8080,
    host: Annotated[str, typer.Option(help="HTTP address")] = "127.0.0.1",
    score: Annotated[
        list[Path] | None,
        typer.Option(help="a score whose sources.github maps deliveries (repeatable)"),
    ] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="topic name prefix")] = DEFAULT_PREFIX,
    partitions: Annotated[int, typer.Option(help="partitions if the topic is created")] = 4,
    replication: Annotated[int, typer.Option(help="replication factor if created")] = 1,
    max_body_bytes: Annotated[
        int, typer.Option(min=1, envvar="CONDUCTOR_MAX_BODY_BYTES", help="larger bodies get 413")
    ] = 8 * 1024 * 1024,
) -> None:
    """Serve POST /events (native, CloudEvents) and POST /webhooks/github in front of Kafka.

    Validates and answers as `conductor run` does, and produces the accepted events to the
    events topic keyed by ensemble (acks=all). `CONDUCTOR_GITHUB_WEBHOOK_SECRET` verifies
    GitHub's deliveries; `CONDUCTOR_API_TOKEN` requires a bearer token on every endpoint
    but /healthz and /webhooks/github; `CONDUCTOR_API_READ_TOKEN` reads (/metrics) only.
    """
    import sys

    from streams.gateway import GatewayConfig, run_gateway

    tokens = tokens_or_exit()
    scores = tuple(load_or_exit(path) for path in score or ())
    config = GatewayConfig(
        broker=broker,
        host=host,
        port=port,
        prefix=prefix,
        partitions=partitions,
        replication=replication,
        scores=scores,
        github_secret=os.environ.get("CONDUCTOR_GITHUB_WEBHOOK_SECRET") or None,
        api_token=tokens.write,
        api_read_token=tokens.read,
        max_body_bytes=max_body_bytes,
    )
    print(
        f"conductor gateway: serving http://{host}:{port} -> {prefix}events on {broker}",
        file=sys.stderr,
        flush=True,
    )
    run_gateway(config)


def register(app: typer.Typer) -> None:
    app.command()(gateway)
