"""Collectors that render on scrape: the figure gauges, and the per-event counters and
histograms kept as plain dicts (cheaper than prometheus-client's locked metrics)."""

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate
from threading import Lock

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import INF, floatToGoString

from conductor.metrics.catalogue import Spec, Type

Sample = tuple[tuple[str, ...], float]
"""Label values (in the spec's label order) and a value."""


class FiguresCollector(Collector):
    """Renders the figure gauges from the latest figures published per ensemble.

    `publish` replaces one ensemble's samples as a whole; a scrape reads a consistent copy.
    """

    def __init__(self, specs: tuple[Spec, ...]) -> None:
        self._specs = specs
        self._lock = Lock()
        self._by_ensemble: dict[str, Mapping[str, list[Sample]]] = {}

    def publish(self, ensemble: str, samples: Mapping[str, list[Sample]]) -> None:
        unknown = set(samples) - {spec.name for spec in self._specs}
        if unknown:
            raise KeyError(f"not figure metrics in the catalogue: {sorted(unknown)}")
        with self._lock:
            self._by_ensemble[ensemble] = samples

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            published = list(self._by_ensemble.values())
        for spec in self._specs:
            family = GaugeMetricFamily(spec.name, spec.help, labels=spec.labels)
            for samples in published:
                for labels, value in samples.get(spec.name, []):
                    family.add_metric(labels, value)
            yield family


class TallyCounter(Collector):
    """A labelled counter that is a plain dict of label values to counts, rendered on scrape.

    For the counters bumped on every event and cue: prometheus-client's `Counter` checks its
    state and takes a lock on each `inc` (with the child lookup, ~7 µs of an event's ~50 µs
    of ingest). Each runtime updates and scrapes these from its one event loop; a scrape
    reads a copy of the dict.
    """

    def __init__(self, spec: Spec) -> None:
        assert spec.type is Type.COUNTER and spec.name.endswith("_total"), spec.name
        self.spec = spec
        self._counts: dict[tuple[str, ...], float] = {}

    def inc(self, *values: str) -> None:
        """Count one for these label values (in the spec's label order)."""
        counts = self._counts
        counts[values] = counts.get(values, 0.0) + 1.0

    def prime(self, *values: str) -> None:
        """Expose these label values at 0 until counted: Prometheus' `increase` takes a
        series' first sample as its start, so a series born at 1 would hide its first count."""
        _check_arity(self.spec, values)
        self._counts.setdefault(values, 0.0)

    def collect(self) -> Iterator[Metric]:
        spec = self.spec
        family = CounterMetricFamily(
            spec.name.removesuffix("_total"), spec.help, labels=spec.labels
        )
        for values, count in self._counts.copy().items():
            family.add_metric(values, count)
        yield family


class TallyHistogram(Collector):
    """A labelled histogram kept as plain lists of bucket counts, rendered on scrape.

    For the observations folds make (cycle times, decision latencies; four in ten events
    make one): prometheus-client's `Histogram` takes a lock per bucket and sum update. Like
    `TallyCounter`, it is updated and scraped from the runtime's one event loop.
    """

    def __init__(self, spec: Spec) -> None:
        assert spec.type is Type.HISTOGRAM and spec.buckets is not None, spec.name
        self.spec = spec
        self._bounds = tuple(float(bound) for bound in spec.buckets)
        self._le = tuple(_go_float(bound) for bound in (*self._bounds, INF))
        """The `le` label values, written as prometheus-client writes them."""
        self._series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}

    def observe(self, amount: float, *values: str) -> None:
        """One observation for these label values (in the spec's label order)."""
        series = self._series.get(values)
        if series is None:
            series = self._series[values] = ([0] * (len(self._bounds) + 1), [0.0])
        counts, total = series
        counts[bisect_left(self._bounds, amount)] += 1
        total[0] += amount

    def prime(self, *values: str) -> None:
        """Expose these label values with empty buckets until observed (see `TallyCounter`)."""
        _check_arity(self.spec, values)
        self._series.setdefault(values, ([0] * (len(self._bounds) + 1), [0.0]))

    def collect(self) -> Iterator[Metric]:
        spec = self.spec
        family = HistogramMetricFamily(spec.name, spec.help, labels=spec.labels)
        for values, (counts, total) in self._series.copy().items():
            buckets = list(zip(self._le, accumulate(counts), strict=True))
            family.add_metric(list(values), buckets, total[0])
        yield family


_go_float: Callable[[float], str] = floatToGoString  # (untyped in prometheus-client)


def _check_arity(spec: Spec, values: tuple[str, ...]) -> None:
    """A primed series must carry every label: one short of them is another series, which
    leaves the real one to be born at its first count."""
    if len(values) != len(spec.labels):
        raise ValueError(f"{spec.name}: {len(values)} label values for {spec.labels}")
