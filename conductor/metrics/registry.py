"""The one factory: every catalogue metric registered in a registry the caller passes in."""

import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from conductor.metrics.catalogue import (
    CATALOGUE,
    CUES,
    CYCLE_TIME,
    DECISION_LATENCY,
    DELIVERIES,
    DELIVERIES_FAILED,
    DELIVERY_FAILURES,
    DELIVERY_LAG,
    DELIVERY_PENDING,
    EMBEDDED,
    EVENTS_ACCEPTED,
    EVENTS_DUPLICATE,
    EVENTS_REJECTED,
    INGEST_IGNORED,
    LOG_OFFSET,
    RECOVERY_DURATION,
    RECOVERY_REPLAYED,
    RUNTIME_HEALTHY,
    RUNTIME_START,
    SNAPSHOT_DURATION,
    SNAPSHOT_OFFSET,
    WHOLE,
    Spec,
    Type,
)
from conductor.metrics.collectors import FiguresCollector, TallyCounter, TallyHistogram
from conductor.metrics.rollup import Rollup


@dataclass
class Metrics:
    """Every Conductor metric, registered in one registry. Build it with `build_metrics`."""

    registry: CollectorRegistry
    runtime: str
    """The runtime exposing these (`catalogue.EMBEDDED` or `catalogue.WORKER`)."""
    cues: TallyCounter
    events_accepted: TallyCounter
    events_duplicate: TallyCounter
    events_rejected: TallyCounter
    cycle_time: TallyHistogram
    decision_latency: TallyHistogram
    log_offset: Gauge
    deliveries: Counter
    delivery_failures: Counter
    delivery_lag: Histogram
    delivery_pending: Gauge
    runtime_start: Gauge
    runtime_healthy: Gauge
    snapshot_duration: Histogram
    snapshot_offset: Gauge
    recovery_duration: Gauge
    recovery_replayed: Gauge
    ingest_ignored: Counter
    deliveries_failed: Counter
    figures: FiguresCollector = field(repr=False)
    _children: dict[tuple[MetricWrapperBase, tuple[str, ...]], Any] = field(
        default_factory=dict, repr=False
    )
    primed: dict[str, Rollup] = field(default_factory=dict, repr=False)
    """Per ensemble, the roll-up whose series were created at zero (`instrument.prime`)."""

    def healthy(self, healthy: bool) -> None:
        self.runtime_healthy.labels(self.runtime).set(1 if healthy else 0)

    def child(self, metric: "LabelledT", *values: str) -> "LabelledT":
        """`metric.labels(*values)`, cached per label values.

        prometheus-client validates the values and takes a lock on every `labels` call,
        which cost a tenth of the ingest time; a labelled child never changes once made
        (nothing here removes one), so it is looked up once. The cache holds exactly the
        children the metric itself holds, so it is bounded by the same label rules.
        """
        key = (metric, values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found


LabelledT = TypeVar("LabelledT", bound=MetricWrapperBase)
CollectorT = TypeVar("CollectorT", bound=Collector)


def _counter(spec: Spec, registry: CollectorRegistry | None) -> Counter:
    assert spec.type is Type.COUNTER, spec.name
    return Counter(spec.name, spec.help, spec.labels, registry=registry)


def _registered(collector: CollectorT, registry: CollectorRegistry) -> CollectorT:
    registry.register(collector)
    return collector


def _gauge(spec: Spec, registry: CollectorRegistry | None) -> Gauge:
    assert spec.type is Type.GAUGE and not spec.figure, spec.name
    return Gauge(spec.name, spec.help, spec.labels, registry=registry)


def _histogram(spec: Spec, registry: CollectorRegistry | None) -> Histogram:
    assert spec.type is Type.HISTOGRAM and spec.buckets is not None, spec.name
    return Histogram(spec.name, spec.help, spec.labels, registry=registry, buckets=spec.buckets)


def build_metrics(registry: CollectorRegistry, runtime: str = EMBEDDED) -> Metrics:
    """The one factory: registers the catalogue's metrics `runtime` exposes in `registry`.

    A metric the runtime cannot measure is still built (so shared code may update it) but
    left out of the registry; the workers' own two metrics are built by the worker.
    """

    def mine(spec: Spec) -> CollectorRegistry | None:
        return registry if runtime in spec.runtimes else None

    figures = FiguresCollector(tuple(spec for spec in CATALOGUE if spec.figure))
    metrics = Metrics(
        registry=registry,
        runtime=runtime,
        cues=_registered(TallyCounter(CUES), registry),
        events_accepted=_registered(TallyCounter(EVENTS_ACCEPTED), registry),
        events_duplicate=_registered(TallyCounter(EVENTS_DUPLICATE), registry),
        events_rejected=_registered(TallyCounter(EVENTS_REJECTED), registry),
        cycle_time=_registered(TallyHistogram(CYCLE_TIME), registry),
        decision_latency=_registered(TallyHistogram(DECISION_LATENCY), registry),
        log_offset=_gauge(LOG_OFFSET, mine(LOG_OFFSET)),
        deliveries=_counter(DELIVERIES, registry),
        delivery_failures=_counter(DELIVERY_FAILURES, registry),
        delivery_lag=_histogram(DELIVERY_LAG, registry),
        delivery_pending=_gauge(DELIVERY_PENDING, registry),
        runtime_start=_gauge(RUNTIME_START, registry),
        runtime_healthy=_gauge(RUNTIME_HEALTHY, registry),
        snapshot_duration=_histogram(SNAPSHOT_DURATION, registry),
        snapshot_offset=_gauge(SNAPSHOT_OFFSET, mine(SNAPSHOT_OFFSET)),
        recovery_duration=_gauge(RECOVERY_DURATION, mine(RECOVERY_DURATION)),
        recovery_replayed=_gauge(RECOVERY_REPLAYED, mine(RECOVERY_REPLAYED)),
        ingest_ignored=_counter(INGEST_IGNORED, mine(INGEST_IGNORED)),
        deliveries_failed=_counter(DELIVERIES_FAILED, registry),
        figures=figures,
    )
    metrics.runtime_start.labels(runtime).set(time.time())
    metrics.healthy(True)
    metrics.events_rejected.prime(WHOLE)  # events naming no ensemble with a score
    registry.register(figures)
    return metrics
