"""The metric catalogue: every Prometheus metric Conductor exports, named and labelled in one place.

Every runtime (embedded, Kafka workers) and the dashboards read this module; nothing else
defines a metric. Metrics are built by `build_metrics` into a registry the caller passes
in, never into the global default registry, so tests and several runtimes in one process
do not collide.

Labels are never finer than ensemble, section, role, milestone, cadence or commitment;
`kind` names a cue kind, or a delivery sink on the delivery metrics. No metric identifies
a person, and a test fails if one gains another label.

Two families of metrics:

* **instrumented** (counters, histograms, a few plain gauges): updated as events are
  applied and cues delivered (`conductor.metrics.instrument.record_outcome`, the delivery code);
* **figures** (gauges): the tempo and alignment figures the core computes from state on
  demand (`conductor.core.figures.figures`). They are recomputed as a whole and rendered
  by `FiguresCollector`, so a figure that disappears (a milestone dropped by a score
  revision) leaves no stale series behind.
"""

from dataclasses import dataclass
from enum import StrEnum

ALLOWED_LABELS = frozenset(
    {"ensemble", "section", "role", "milestone", "cadence", "commitment", "kind", "pilot"}
)
"""The only label names a Conductor metric may carry (histograms add Prometheus' own `le`).
`pilot` ("true"/"false") tells the cues of a pilot score folded in shadow (`conductor run
--pilot`, never delivered) from the live ones: the same cue can come from both, and a team
compares them; it names a score's role in the runtime, nothing finer."""

WHOLE = ""
"""The `section`/`role` value for figures of the ensemble as a whole (also small sections')."""

HOUR = 3600.0
DAY = 24 * HOUR

CYCLE_TIME_BUCKETS = (
    HOUR,
    4 * HOUR,
    8 * HOUR,
    DAY,
    2 * DAY,
    3 * DAY,
    5 * DAY,
    7 * DAY,
    14 * DAY,
    28 * DAY,
)
"""Work items take hours to weeks. Prometheus' default buckets (5 ms to 10 s) would put every
observation in +Inf; these follow a working rhythm (an hour, half a day, a day, a few days,
a one-week and a two-week cycle, a month) so `histogram_quantile` is meaningful for P50/P85."""

DECISION_LATENCY_BUCKETS = (
    15 * 60.0,
    HOUR,
    4 * HOUR,
    8 * HOUR,
    DAY,
    2 * DAY,
    3 * DAY,
    7 * DAY,
    14 * DAY,
)
"""Decisions take minutes to days; the score's default latency target is two days, so the
buckets are dense around one to three days and stop at two weeks (anything longer is
already a `hold` cue)."""

DELIVERY_LAG_BUCKETS = (0.005, 0.025, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0)
"""Wall-clock seconds from a cue entering the outbox to a sink accepting it: milliseconds
when the sink is up, minutes to an hour while retries back off from a sink that is down."""


class Type(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


@dataclass(frozen=True)
class Spec:
    """One catalogue entry. `name` is the exposed name (counters end in `_total`)."""

    name: str
    type: Type
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] | None = None
    figure: bool = False
    """True for gauges computed from `figures(engine)` and rendered by `FiguresCollector`."""


ENSEMBLE = ("ensemble",)
SECTION = ("ensemble", "section")

CUES = Spec(
    "conductor_cues_total",
    Type.COUNTER,
    "Cues emitted, by kind and recipient: a role (with its section), a section, or the "
    "ensemble as a whole (section and role empty). Small sections count as the ensemble. "
    'pilot="true": cues of the pilot score folded in shadow, recorded and never delivered.',
    ("ensemble", "kind", "section", "role", "pilot"),
)
EVENTS_ACCEPTED = Spec(
    "conductor_events_accepted_total", Type.COUNTER, "Events accepted into the log.", ENSEMBLE
)
EVENTS_DUPLICATE = Spec(
    "conductor_events_duplicate_total",
    Type.COUNTER,
    "Events acknowledged as duplicates of an event id already in the log (not appended).",
    ENSEMBLE,
)
EVENTS_REJECTED = Spec(
    "conductor_events_rejected_total",
    Type.COUNTER,
    "Events rejected (invalid, or refused by the core); ensemble is empty when the event "
    "names no ensemble with a published score.",
    ENSEMBLE,
)
CYCLE_TIME = Spec(
    "conductor_cycle_time_seconds",
    Type.HISTOGRAM,
    "Time from a task's start to its completion, in log time.",
    SECTION,
    CYCLE_TIME_BUCKETS,
)
DECISION_LATENCY = Spec(
    "conductor_decision_latency_seconds",
    Type.HISTOGRAM,
    "Time from a decision being requested to it being made, in log time.",
    SECTION,
    DECISION_LATENCY_BUCKETS,
)
LOG_OFFSET = Spec(
    "conductor_log_offset",
    Type.GAUGE,
    "Global offset of the newest entry in the event log (events and ticks).",
)
DELIVERIES = Spec(
    "conductor_cue_deliveries_total",
    Type.COUNTER,
    "Cues delivered, by sink (kind: stdout, jsonl, webhook).",
    ("kind",),
)
DELIVERY_FAILURES = Spec(
    "conductor_cue_delivery_failures_total",
    Type.COUNTER,
    "Failed delivery attempts (each is retried with backoff), by sink.",
    ("kind",),
)
DELIVERY_LAG = Spec(
    "conductor_cue_delivery_lag_seconds",
    Type.HISTOGRAM,
    "Wall-clock seconds from a cue entering the outbox to its delivery, by sink.",
    ("kind",),
    DELIVERY_LAG_BUCKETS,
)
DELIVERY_PENDING = Spec(
    "conductor_cue_delivery_pending",
    Type.GAUGE,
    "Cues in the outbox not yet delivered, by sink.",
    ("kind",),
)


def _figure(name: str, help_text: str, labels: tuple[str, ...]) -> Spec:
    return Spec(name, Type.GAUGE, help_text, labels, figure=True)


LOG_TIME = _figure(
    "conductor_log_time_seconds",
    "The ensemble's time (Unix seconds): the later of its newest event and newest tick.",
    ENSEMBLE,
)
CADENCE_DUE = _figure(
    "conductor_cadence_occurrences_due",
    "Occurrences of a cadence whose grace period has passed.",
    ("ensemble", "cadence"),
)
CADENCE_HELD = _figure(
    "conductor_cadence_occurrences_held",
    "Occurrences of a cadence that were held.",
    ("ensemble", "cadence"),
)
CADENCE_ADHERENCE = _figure(
    "conductor_cadence_adherence_ratio",
    "Held occurrences over due occurrences of a cadence (absent until one is due).",
    ("ensemble", "cadence"),
)
THROUGHPUT_CURRENT = _figure(
    "conductor_throughput_current_cycle_items",
    "Work items completed so far in the current cycle of the score.",
    SECTION,
)
THROUGHPUT_LAST = _figure(
    "conductor_throughput_last_cycle_items",
    "Work items completed in the last full cycle of the score.",
    SECTION,
)
BLOCKERS_OPEN = _figure("conductor_blockers_open", "Tasks blocked right now.", SECTION)
BLOCKER_AGE = _figure(
    "conductor_blocker_oldest_age_seconds",
    "Age of the oldest open blocker, in log time (absent when nothing is blocked).",
    SECTION,
)
WIP = _figure("conductor_wip_items", "Tasks in progress.", SECTION)
WIP_LIMIT = _figure(
    "conductor_wip_limit_items", "The score's WIP limit (absent when none is set).", SECTION
)
OPEN_DECISIONS = _figure(
    "conductor_decisions_open", "Decisions requested and not yet made.", ENSEMBLE
)
MILESTONE_PROGRESS = _figure(
    "conductor_milestone_progress_ratio",
    "Share of a milestone's estimated work items done (1 once reached).",
    ("ensemble", "milestone"),
)
MILESTONE_PLANNED = _figure(
    "conductor_milestone_planned_ratio",
    "Share of a milestone the plan expects done by now (linear from planned start to due).",
    ("ensemble", "milestone"),
)
MILESTONE_REACHED = _figure(
    "conductor_milestone_reached",
    "1 once a milestone is reached, else 0.",
    ("ensemble", "milestone"),
)
MILESTONE_FORECAST = _figure(
    "conductor_milestone_forecast_probability",
    "Monte Carlo probability (seeded from the log) that a milestone is reached by its due date.",
    ("ensemble", "milestone"),
)
COMMITMENT_FORECAST = _figure(
    "conductor_commitment_forecast_probability",
    "Monte Carlo probability (seeded from the log) that a commitment is met by its date.",
    ("ensemble", "commitment"),
)
COMMITMENT_CONFIDENCE = _figure(
    "conductor_commitment_confidence_target",
    "The confidence the score asks for; below it the commitment is in breakdown.",
    ("ensemble", "commitment"),
)
COMMITMENT_BREAKDOWN = _figure(
    "conductor_commitment_in_breakdown",
    "1 while a commitment's forecast is below its confidence, else 0.",
    ("ensemble", "commitment"),
)

CATALOGUE: tuple[Spec, ...] = (
    CUES,
    EVENTS_ACCEPTED,
    EVENTS_DUPLICATE,
    EVENTS_REJECTED,
    CYCLE_TIME,
    DECISION_LATENCY,
    LOG_OFFSET,
    DELIVERIES,
    DELIVERY_FAILURES,
    DELIVERY_LAG,
    DELIVERY_PENDING,
    LOG_TIME,
    CADENCE_DUE,
    CADENCE_HELD,
    CADENCE_ADHERENCE,
    THROUGHPUT_CURRENT,
    THROUGHPUT_LAST,
    BLOCKERS_OPEN,
    BLOCKER_AGE,
    WIP,
    WIP_LIMIT,
    OPEN_DECISIONS,
    MILESTONE_PROGRESS,
    MILESTONE_PLANNED,
    MILESTONE_REACHED,
    MILESTONE_FORECAST,
    COMMITMENT_FORECAST,
    COMMITMENT_CONFIDENCE,
    COMMITMENT_BREAKDOWN,
)
