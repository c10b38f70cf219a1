"""A worker's `/metrics`: the catalogue shared with the embedded runtime, plus what only a
Kafka worker can tell (consumer lag per partition, dead-lettered messages).

Everything lives in a registry of the worker's own (never the process-global default one).
Tempo and alignment figures are computed from the session's engines when Prometheus scrapes,
with small sections rolled up as `--min-group-size` says (as in the embedded runtime).
"""

from collections.abc import Awaitable, Callable, Iterator

import faust
from faust.types.tuples import TP
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from conductor.core import Outcome
from conductor.metrics.catalogue import (
    WHOLE,
    WORKER,
    WORKER_CONSUMER_LAG,
    WORKER_DEAD_LETTERS,
    WORKER_ENSEMBLES,
    WORKER_FETCH_SKIPPED,
    WORKER_FETCH_STALLS,
    WORKER_REBUILT,
    Spec,
)
from conductor.metrics.registry import build_metrics
from conductor.session.ensembles import Session

_CONTENT_TYPE = CONTENT_TYPE_LATEST.split("; charset")[0]
"""aiohttp takes the charset separately and refuses it inside the content type."""


class _LagCollector(Collector):
    def __init__(self, app: faust.App, topic: str, offsets: dict[int, int]) -> None:
        self._app = app
        self._topic = topic
        self._offsets = offsets

    def collect(self) -> Iterator[Metric]:
        spec = WORKER_CONSUMER_LAG
        family = GaugeMetricFamily(spec.name, spec.help, labels=spec.labels)
        consumer = self._app.consumer
        for tp in sorted(consumer.assignment()):
            if tp.topic == self._topic:
                family.add_metric((str(tp.partition),), self._lag(tp))
        yield family

    def _lag(self, tp: TP) -> float:
        """From the next offset to process: after the last one this process handled, or
        the group's committed offset if that is further (a worker restarted with nothing
        new to read has handled nothing, and is not behind)."""
        consumer = self._app.consumer
        highwater = consumer.highwater(tp)
        if highwater is None:
            return 0.0
        # Faust's own record of the committed offsets: read from the broker when the
        # partition was assigned, updated by each commit (no public accessor).
        committed = consumer._committed_offset.get(tp) or 0  # type: ignore[attr-defined]
        following = max(self._offsets.get(tp.partition, -1) + 1, committed)
        return float(max(highwater - following, 0))


class _EnsemblesCollector(Collector):
    def __init__(self, session: Session) -> None:
        self._session = session

    def collect(self) -> Iterator[Metric]:
        spec = WORKER_ENSEMBLES
        family = GaugeMetricFamily(spec.name, spec.help)
        family.add_metric((), float(len(self._session.engines)))
        yield family


class WorkerMetrics:
    def __init__(self, app: faust.App, events_topic: str, session: Session) -> None:
        self.registry = CollectorRegistry()
        self.catalogue = build_metrics(self.registry, WORKER)
        self.session = session
        self._offsets: dict[int, int] = {}
        self.healthy = True
        self._rebuilt = self._counter(WORKER_REBUILT)
        self._skipped = self._counter(WORKER_FETCH_SKIPPED)
        self._stalls = self._counter(WORKER_FETCH_STALLS)
        self._dead_letters = self._counter(WORKER_DEAD_LETTERS)
        self.registry.register(_LagCollector(app, events_topic, self._offsets))
        self.registry.register(_EnsemblesCollector(session))

    def _counter(self, spec: Spec) -> Counter:
        return Counter(spec.name, spec.help, spec.labels, registry=self.registry)

    def record(self, ensemble: str, outcome: Outcome) -> None:
        """Count an event's outcome (under its ensemble once it has a score)."""
        self.session.record(self.catalogue, ensemble, outcome)

    def invalid(self) -> None:
        """A message that is no event at all (it names no ensemble to count it under)."""
        self.catalogue.events_rejected.inc(WHOLE)

    def unhealthy(self) -> None:
        """The worker is stopping after a snapshot the broker refused."""
        self.healthy = False
        self.catalogue.healthy(False)

    def health_handler(self) -> Callable[[View, Request], Awaitable[Response]]:
        """`/healthz` for Faust's web server: 200 while the worker works, 503 once it stops."""

        async def healthz(view: View, request: Request) -> Response:
            if self.healthy:
                return view.json({"status": "ok"})
            return view.json(
                {"status": "stopping: a snapshot did not reach the broker"}, status=503
            )

        return healthz

    def seen(self, partition: int, offset: int) -> None:
        self._offsets[partition] = offset

    def rebuilt(self) -> None:
        self._rebuilt.inc()

    def skipped(self, count: int) -> None:
        self._skipped.inc(count)

    def stalled(self) -> None:
        self._stalls.inc()

    def dead_lettered(self) -> None:
        self._dead_letters.inc()

    def handler(self) -> Callable[[View, Request], Awaitable[Response]]:
        """The `/metrics` page for Faust's web server."""

        async def metrics(view: View, request: Request) -> Response:
            self.session.publish_figures(self.catalogue)
            return view.bytes(generate_latest(self.registry), content_type=_CONTENT_TYPE)

        return metrics
