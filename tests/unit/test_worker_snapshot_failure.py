"""A snapshot whose cues the broker did not take stops the worker, acknowledging nothing:
the next owner of the partition folds those events again and re-sends their cues."""

import asyncio

from conductor.core import EnsembleEngine
from streams.app import ConductorApp
from streams.config import WorkerConfig
from streams.fold import Live


class SourceEvent:
    def __init__(self) -> None:
        self.acked = False

    def ack(self) -> bool:
        self.acked = True
        return True


def test_cues_that_did_not_reach_the_broker_stop_the_worker_unacked() -> None:
    async def scenario() -> tuple[list[SourceEvent], BaseException | None]:
        worker = ConductorApp(WorkerConfig(broker="kafka://127.0.0.1:9", web_port=6066))
        live = worker.live.add("team-0", Live(EnsembleEngine.new("team-0"), partition=0))
        events = [SourceEvent() for _ in range(3)]
        live.pending = [worker.acks.track(0, n, event) for n, event in enumerate(events)]
        refused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        refused.set_exception(ConnectionError("broker gone"))
        live.delivered = refused
        worker._snapshot_soon(live)
        await asyncio.gather(*worker._snapshots, return_exceptions=True)
        assert worker._crashing is not None, "the worker did not stop"
        await worker._crashing
        health = worker.metrics.catalogue.registry.get_sample_value(
            "conductor_runtime_healthy", {"kind": "worker"}
        )
        assert health == 0 and not worker.metrics.healthy
        return events, worker.app.crash_reason

    events, reason = asyncio.run(scenario())
    assert [event.acked for event in events] == [False, False, False]
    assert isinstance(reason, ConnectionError)
