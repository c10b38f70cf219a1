"""Starting a worker: topics first (explicitly, with the configured partitions), then Faust."""

import asyncio
import logging

import faust

from conductor.gctune import tune_for_folding
from streams.app import ConductorApp
from streams.config import WorkerConfig
from streams.topics import ensure_topics, misconfigured, worker_topics

log = logging.getLogger(__name__)


class _Worker(faust.Worker):
    async def on_startup_finished(self) -> None:
        """Once the tables are recovered, as the embedded runtime does: Faust's objects and
        the recovered states leave the collector's scans, which took ~7 % of a busy worker
        (bench/RESULTS.md)."""
        await super().on_startup_finished()
        tune_for_folding()


def run_worker(config: WorkerConfig, loglevel: str = "info") -> None:
    """Run until SIGTERM/SIGINT (Faust's worker handles them and stops gracefully)."""
    topics = worker_topics(config.topics, config.app_id)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the loop Faust's worker will run on
    loop.run_until_complete(
        ensure_topics(config.broker, topics, config.partitions, config.replication, topics)
    )
    for problem in loop.run_until_complete(misconfigured(config.broker, topics)):
        log.warning("topic setting: %s (deploy/kafka/README.md)", problem)
    conductor = ConductorApp(config)
    worker = _Worker(conductor.app, loglevel=loglevel)
    # Faust's terminal spinner sets the root logger to DEBUG when the level is WARN or
    # above, so every debug line of aiokafka built a log record: 7% of a busy worker.
    worker.spinner = None
    worker.execute_from_commandline()
