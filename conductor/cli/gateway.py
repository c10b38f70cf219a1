"""`conductor gateway`: teams' tools posting to Kafka without a producer of their own
(FastAPI, aiokafka and the ingest readers are imported only when it runs)."""

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import (
    add_broker,
    add_from_environment,
    add_prefix,
    at_least,
    command,
    load_or_exit,
    tokens_or_exit,
)

if TYPE_CHECKING:
    from conductor.cli.common import Commands


def gateway(arguments: argparse.Namespace) -> None:
    """Serve POST /events (native, CloudEvents) and POST /webhooks/github in front of Kafka.

    Validates and answers as `conductor run` does, and produces the accepted events to the
    events topic keyed by ensemble (acks=all). `CONDUCTOR_GITHUB_WEBHOOK_SECRET` verifies
    GitHub's deliveries; `CONDUCTOR_API_TOKEN` requires a bearer token on every endpoint
    but /healthz and /webhooks/github; `CONDUCTOR_API_READ_TOKEN` reads (/metrics) only.
    """
    import sys

    from streams.gateway import GatewayConfig, run_gateway

    tokens = tokens_or_exit()
    scores = tuple(load_or_exit(path) for path in arguments.score or ())
    broker: str = arguments.broker
    host: str = arguments.host
    port: int = arguments.port
    prefix: str = arguments.prefix
    config = GatewayConfig(
        broker=broker,
        host=host,
        port=port,
        prefix=prefix,
        partitions=arguments.partitions,
        replication=arguments.replication,
        scores=scores,
        github_secret=os.environ.get("CONDUCTOR_GITHUB_WEBHOOK_SECRET") or None,
        api_token=tokens.write,
        api_read_token=tokens.read,
        max_body_bytes=arguments.max_body_bytes,
    )
    print(
        f"conductor gateway: serving http://{host}:{port} -> {prefix}events on {broker}",
        file=sys.stderr,
        flush=True,
    )
    run_gateway(config)


def register(commands: "Commands") -> None:
    serving = command(commands, "gateway", gateway)
    add_broker(serving)
    serving.add_argument("--port", type=int, default=8080, help="HTTP port")
    serving.add_argument("--host", default="127.0.0.1", help="HTTP address")
    serving.add_argument(
        "--score",
        type=Path,
        action="append",
        help="a score whose sources.github maps deliveries (repeatable)",
    )
    add_prefix(serving)
    serving.add_argument(
        "--partitions", type=int, default=4, help="partitions if the topic is created"
    )
    serving.add_argument("--replication", type=int, default=1, help="replication factor if created")
    add_from_environment(
        serving,
        "--max-body-bytes",
        "CONDUCTOR_MAX_BODY_BYTES",
        at_least(int, 1),
        8 * 1024 * 1024,
        "larger bodies get 413",
    )
