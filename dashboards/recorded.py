"""The recording rules behind the heavy panel queries, written from the catalogue.

`deploy/prometheus/rules.yml` holds them in its `conductor-recorded` group; a test holds the
file to exactly these, and the panels read the recorded names.
"""

from dataclasses import dataclass

import conductor.metrics.catalogue as c
from conductor.metrics.catalogue import (
    BUCKET_LABEL,
    CADENCE_LABEL,
    ENSEMBLE_LABEL,
    KIND_LABEL,
    SECTION_LABEL,
)
from dashboards.promql import INSTANCE_LABEL, JOB_LABEL, by, name


@dataclass(frozen=True)
class Recorded:
    record: str
    expr: str


def _quantile(q: float, spec: c.Spec, window: str, *labels: str) -> str:
    """A histogram's quantile over a rolling window; NaN (no observation in the window) is
    dropped rather than recorded, so a panel shows a gap, not a broken line."""
    grouped = by(*labels, BUCKET_LABEL)
    return (
        f"histogram_quantile({q}, sum {grouped} (increase({name(spec, 'bucket')}[{window}]))) >= 0"
    )


GROUP = "conductor-recorded"
CYCLE_P50 = Recorded(
    "conductor:cycle_time_seconds:p50_7d",
    _quantile(0.5, c.CYCLE_TIME, "7d", ENSEMBLE_LABEL, SECTION_LABEL),
)
CYCLE_P85 = Recorded(
    "conductor:cycle_time_seconds:p85_7d",
    _quantile(0.85, c.CYCLE_TIME, "7d", ENSEMBLE_LABEL, SECTION_LABEL),
)
DECISION_P50 = Recorded(
    "conductor:decision_latency_seconds:p50_7d",
    _quantile(0.5, c.DECISION_LATENCY, "7d", ENSEMBLE_LABEL),
)
DECISION_P85 = Recorded(
    "conductor:decision_latency_seconds:p85_7d",
    _quantile(0.85, c.DECISION_LATENCY, "7d", ENSEMBLE_LABEL),
)
DELIVERY_P95 = Recorded(
    "conductor:cue_delivery_lag_seconds:p95_5m",
    _quantile(0.95, c.DELIVERY_LAG, "5m", JOB_LABEL, INSTANCE_LABEL, KIND_LABEL),
)
SNAPSHOT_P95 = Recorded(
    "conductor:snapshot_duration_seconds:p95_1h",
    _quantile(0.95, c.SNAPSHOT_DURATION, "1h", JOB_LABEL, INSTANCE_LABEL),
)
CADENCE_MISSED = Recorded(
    "conductor:cadence_missed:occurrences",
    f"sum {by(ENSEMBLE_LABEL, CADENCE_LABEL)} ({c.CADENCE_DUE.name})"
    f" - sum {by(ENSEMBLE_LABEL, CADENCE_LABEL)} ({c.CADENCE_HELD.name})",
)
CONSUMER_LAG = Recorded(
    "conductor:worker_consumer_lag_messages:sum",
    f"sum {by(JOB_LABEL, INSTANCE_LABEL)} ({c.WORKER_CONSUMER_LAG.name})",
)

RECORDED = (
    CYCLE_P50,
    CYCLE_P85,
    DECISION_P50,
    DECISION_P85,
    DELIVERY_P95,
    SNAPSHOT_P95,
    CADENCE_MISSED,
    CONSUMER_LAG,
)
