"""What only a Kafka worker can tell: consumer lag per partition and dead-lettered messages.

Served on the worker's web port at `/metrics`, from a registry of its own (never the
process-global default one).
"""

from collections.abc import Awaitable, Callable, Iterator

import faust
from faust.types.tuples import TP
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

DEAD_LETTERS = "conductor_worker_deadletter_total"
CONSUMER_LAG = "conductor_worker_consumer_lag_messages"
_CONTENT_TYPE = CONTENT_TYPE_LATEST.split("; charset")[0]
"""aiohttp takes the charset separately and refuses it inside the content type."""


class _LagCollector(Collector):
    def __init__(self, app: faust.App, topic: str, offsets: dict[int, int]) -> None:
        self._app = app
        self._topic = topic
        self._offsets = offsets

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            CONSUMER_LAG,
            "Messages in the events topic after the last one this worker processed, per "
            "assigned partition (the partition's high watermark minus the next offset).",
            labels=("partition",),
        )
        consumer = self._app.consumer
        for tp in sorted(consumer.assignment()):
            if tp.topic == self._topic:
                family.add_metric((str(tp.partition),), self._lag(tp))
        yield family

    def _lag(self, tp: TP) -> float:
        highwater = self._app.consumer.highwater(tp)
        following = self._offsets.get(tp.partition, -1) + 1
        return float(max(highwater - following, 0)) if highwater is not None else 0.0


class WorkerMetrics:
    def __init__(self, app: faust.App, events_topic: str) -> None:
        self.registry = CollectorRegistry()
        self._offsets: dict[int, int] = {}
        self._dead_letters = Counter(
            DEAD_LETTERS.removesuffix("_total"),
            "Messages sent to the dead-letter topic (invalid, or refused by the core).",
            registry=self.registry,
        )
        self.registry.register(_LagCollector(app, events_topic, self._offsets))

    def seen(self, partition: int, offset: int) -> None:
        self._offsets[partition] = offset

    def dead_lettered(self) -> None:
        self._dead_letters.inc()

    def handler(self) -> Callable[[View, Request], Awaitable[Response]]:
        """The `/metrics` page for Faust's web server."""
        registry = self.registry

        async def metrics(view: View, request: Request) -> Response:
            return view.bytes(generate_latest(registry), content_type=_CONTENT_TYPE)

        return metrics
