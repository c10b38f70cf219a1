"""The metric catalogue: every Prometheus metric Conductor exports, named and labelled in one place.

Every runtime (embedded, Kafka workers) and the dashboards read this module; nothing else
defines a metric. Metrics are built by `build_metrics` into a registry the caller passes
in, never into the global default registry, so tests and several runtimes in one process
do not collide.

Labels are never finer than ensemble, section, role, milestone, cadence or commitment;
`kind` names a cue kind, a delivery sink on the delivery metrics, the runtime (embedded,
worker, gateway) on the runtime metrics, or why something that arrived was ignored on
`conductor_ingest_ignored_total`. No metric identifies a person, and a test fails if one gains
another label. The one exception is `partition`, on the Kafka workers' consumer lag only:
each partition is consumed on its own, and a sum over them hides the one that is stuck; a
partition number names a slice of the log, never a person.

Some metrics only one runtime can measure (`Spec.runtimes`): the log's snapshot offset and
the replay at start are the embedded runtime's, dead letters and consumer lag the workers',
what the gateway produced the gateway's.

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

ENSEMBLE_LABEL = "ensemble"
SECTION_LABEL = "section"
ROLE_LABEL = "role"
MILESTONE_LABEL = "milestone"
CADENCE_LABEL = "cadence"
COMMITMENT_LABEL = "commitment"
KIND_LABEL = "kind"
PILOT_LABEL = "pilot"
PARTITION_LABEL = "partition"
BUCKET_LABEL = "le"
"""Prometheus' own label on histogram buckets."""

ALLOWED_LABELS = frozenset(
    {
        ENSEMBLE_LABEL,
        SECTION_LABEL,
        ROLE_LABEL,
        MILESTONE_LABEL,
        CADENCE_LABEL,
        COMMITMENT_LABEL,
        KIND_LABEL,
        PILOT_LABEL,
    }
)
"""The only label names a Conductor metric may carry (histograms add Prometheus' own `le`).
`pilot` ("true"/"false") tells the cues of a pilot score folded in shadow (`conductor run
--pilot`, never delivered) from the live ones: the same cue can come from both, and a team
compares them; it names a score's role in the runtime, nothing finer."""

WORKER_ONLY_LABELS = frozenset({PARTITION_LABEL})
"""Allowed on metrics only the Kafka workers expose (see the module docstring)."""

UP = "up"
"""Prometheus' own per-target metric (1 when the last scrape succeeded), not exported by
Conductor: the dashboards and the alerts read it for "is the runtime reachable"."""
TARGET_LABELS = ("job", "instance")
"""The labels Prometheus adds to every scraped series, naming the target."""

EMBEDDED = "embedded"
WORKER = "worker"
GATEWAY = "gateway"
"""The runtimes, as the `kind` of the runtime metrics and in `Spec.runtimes`."""
BOTH = frozenset({EMBEDDED, WORKER})
"""The runtimes that fold events (the gateway only passes them on)."""

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
    runtimes: frozenset[str] = BOTH
    """The runtimes that expose it."""


ENSEMBLE = (ENSEMBLE_LABEL,)
SECTION = (ENSEMBLE_LABEL, SECTION_LABEL)

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
    runtimes=BOTH | {GATEWAY},
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
    runtimes=frozenset({EMBEDDED}),  # a worker's log is Kafka's: see its consumer lag
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
DELIVERIES_FAILED = Spec(
    "conductor_cue_deliveries_failed_total",
    Type.COUNTER,
    "Cues given up on after the sink's last try (recorded as failed for that sink), by sink.",
    ("kind",),
)

INGEST_IGNORED = Spec(
    "conductor_ingest_ignored_total",
    Type.COUNTER,
    "Deliveries from a team's tools answered 2xx and deliberately not turned into events, by "
    "why (kind: github-ping, github-event, github-action, github-repository, github-item).",
    (KIND_LABEL,),
    runtimes=frozenset({EMBEDDED, GATEWAY}),
)
GATEWAY_PUBLISHED = Spec(
    "conductor_gateway_events_published_total",
    Type.COUNTER,
    "Events the gateway produced to the events topic and the broker acknowledged.",
    runtimes=frozenset({GATEWAY}),
)

SNAPSHOT_SECONDS_BUCKETS = (0.001, 0.005, 0.025, 0.1, 0.25, 1.0, 2.5, 10.0, 30.0)
"""A state snapshot takes milliseconds for a small team and seconds for a large log on a
slow disk or a loaded broker; past half a minute it is an incident."""

RUNTIME_START = Spec(
    "conductor_runtime_start_time_seconds",
    Type.GAUGE,
    "Unix time this runtime process started (kind: embedded, worker or gateway); a change is a "
    "restart.",
    (KIND_LABEL,),
    runtimes=BOTH | {GATEWAY},
)
RUNTIME_HEALTHY = Spec(
    "conductor_runtime_healthy",
    Type.GAUGE,
    "1 while the runtime can do its work, else 0: the embedded runtime's log writer is alive, "
    "a worker is not stopping after a snapshot the broker refused, the gateway serves (kind: "
    "embedded, worker or gateway).",
    (KIND_LABEL,),
    runtimes=BOTH | {GATEWAY},
)
SNAPSHOT_DURATION = Spec(
    "conductor_snapshot_duration_seconds",
    Type.HISTOGRAM,
    "Wall-clock seconds to write a state snapshot: the embedded runtime's save to the log, a "
    "worker's writes of an ensemble's snapshot to the changelog until the broker acked them.",
    (),
    SNAPSHOT_SECONDS_BUCKETS,
)
SNAPSHOT_OFFSET = Spec(
    "conductor_snapshot_offset",
    Type.GAUGE,
    "Log offset of the newest snapshot (0: none yet); the log after it is what a restart replays.",
    runtimes=frozenset({EMBEDDED}),
)
RECOVERY_DURATION = Spec(
    "conductor_recovery_duration_seconds",
    Type.GAUGE,
    "Wall-clock seconds the last start (or rebuild after a failed write) spent restoring the "
    "newest snapshot and replaying the log after it.",
    runtimes=frozenset({EMBEDDED}),
)
RECOVERY_REPLAYED = Spec(
    "conductor_recovery_replayed_events",
    Type.GAUGE,
    "Events the last start replayed after the newest snapshot.",
    runtimes=frozenset({EMBEDDED}),
)
WORKER_DEAD_LETTERS = Spec(
    "conductor_worker_deadletter_total",
    Type.COUNTER,
    "Messages sent to the dead-letter topic (invalid, or refused by the core).",
    runtimes=frozenset({WORKER}),
)
WORKER_CONSUMER_LAG = Spec(
    "conductor_worker_consumer_lag_messages",
    Type.GAUGE,
    "Messages in the events topic this worker has yet to process, per assigned partition: the "
    "high watermark minus the next offset (after the last one it processed, or the group's "
    "committed offset if further).",
    (PARTITION_LABEL,),
    runtimes=frozenset({WORKER}),
)
WORKER_REBUILT = Spec(
    "conductor_worker_rebuilt_total",
    Type.COUNTER,
    "Ensembles this worker found without a readable state although their score was published, "
    "and rebuilt from the events topic (a changelog cut short or lost).",
    runtimes=frozenset({WORKER}),
)
WORKER_FETCH_SKIPPED = Spec(
    "conductor_worker_fetch_skipped_total",
    Type.COUNTER,
    "Messages of the events topic that Faust's fetch jumped over, which this worker then read "
    "from the broker itself (in their order).",
    runtimes=frozenset({WORKER}),
)
WORKER_FETCH_STALLS = Spec(
    "conductor_worker_fetch_stalls_total",
    Type.COUNTER,
    "Times a partition's delivery stopped short of the broker's end for seconds and this "
    "worker sought its consumer back to the partition's next offset.",
    runtimes=frozenset({WORKER}),
)
WORKER_ENSEMBLES = Spec(
    "conductor_worker_ensembles",
    Type.GAUGE,
    "Ensembles this worker folds: those of its partitions whose score was published.",
    runtimes=frozenset({WORKER}),
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

MILESTONE_STATUS = _figure(
    "conductor_milestone_status",
    "A milestone's status: 0 waiting for its dependencies, 1 entered (it may start), 2 reached.",
    ("ensemble", "milestone"),
)
MILESTONE_BEHIND = _figure(
    "conductor_milestone_behind",
    "1 while a milestone is more than 25 points behind its planned progress, else 0.",
    ("ensemble", "milestone"),
)
MILESTONE_CRITICAL = _figure(
    "conductor_milestone_on_critical_path",
    "1 while a milestone is on the critical path (the chain with the most remaining work).",
    ("ensemble", "milestone"),
)
MILESTONE_P50 = _figure(
    "conductor_milestone_forecast_p50_timestamp_seconds",
    "The day by which half the forecast's trials reach the milestone, as Unix seconds at noon "
    "UTC of that day (absent when the trials do not reach it).",
    ("ensemble", "milestone"),
)
MILESTONE_P85 = _figure(
    "conductor_milestone_forecast_p85_timestamp_seconds",
    "The day by which 85% of the forecast's trials reach the milestone (noon UTC, Unix seconds).",
    ("ensemble", "milestone"),
)
COMMITMENT_P50 = _figure(
    "conductor_commitment_forecast_p50_timestamp_seconds",
    "The day by which half the forecast's trials meet the commitment (noon UTC, Unix seconds).",
    ("ensemble", "commitment"),
)
COMMITMENT_P85 = _figure(
    "conductor_commitment_forecast_p85_timestamp_seconds",
    "The day by which 85% of the forecast's trials meet the commitment (noon UTC, Unix seconds).",
    ("ensemble", "commitment"),
)
COMMITMENT_DUE = _figure(
    "conductor_commitment_due_timestamp_seconds",
    "The day the commitment is due (noon UTC, Unix seconds).",
    ("ensemble", "commitment"),
)
THROUGHPUT_NEEDED = _figure(
    "conductor_throughput_needed_items",
    "Work items per cycle a section needs to finish its remaining estimate by the due dates "
    "(the pace the tempo cue compares the last cycle with).",
    SECTION,
)
BLOCKER_HOLD = _figure(
    "conductor_blocker_hold_seconds",
    "How long the score lets a task stay blocked before a hold cue.",
    ENSEMBLE,
)
DECISION_TARGET = _figure(
    "conductor_decision_latency_target_seconds",
    "How long the score lets a decision wait before a hold cue.",
    ENSEMBLE,
)
CUE_BUDGET = _figure(
    "conductor_cue_budget_per_day",
    "Most cues one recipient (a role, a section or the ensemble) gets a day; past it, cues are "
    "folded into one digest at the end of the day.",
    ENSEMBLE,
)
CUE_BUDGET_USED = _figure(
    "conductor_cue_budget_used",
    "Cues a recipient got on its current day (the score's timezone, log time), out of its daily "
    "budget; where several recipients share labels (a rolled-up section), the busiest one.",
    ("ensemble", "section", "role"),
)
RECIPIENT = ("ensemble", "kind", "section", "role")
"""A cue's kind and recipient, as `conductor_cues_total` labels them (small sections rolled up)."""
EFFICACY_CUES = _figure(
    "conductor_cue_efficacy_cues",
    "Cues sent, by kind and recipient, over the ensemble's whole log (the base of the shares).",
    RECIPIENT,
)
ACKNOWLEDGED_SHARE = _figure(
    "conductor_cue_acknowledged_ratio",
    "Share of the cues of a kind to a recipient that were acknowledged.",
    RECIPIENT,
)
ACKNOWLEDGEMENT_TIME = _figure(
    "conductor_cue_acknowledgement_seconds",
    "Mean time from a cue's delivery to its acknowledgement, in log time (absent until one).",
    RECIPIENT,
)
ACTION_FOLLOWED_SHARE = _figure(
    "conductor_cue_action_followed_ratio",
    "Share of the cues asking for an action (entry, hold, cadence-missed) that it followed.",
    RECIPIENT,
)
ACTION_TIME = _figure(
    "conductor_cue_action_seconds",
    "Mean time from a cue's delivery to the action it asked for, in log time.",
    RECIPIENT,
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
    INGEST_IGNORED,
    GATEWAY_PUBLISHED,
    DELIVERIES_FAILED,
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
    RUNTIME_START,
    RUNTIME_HEALTHY,
    SNAPSHOT_DURATION,
    SNAPSHOT_OFFSET,
    RECOVERY_DURATION,
    RECOVERY_REPLAYED,
    WORKER_DEAD_LETTERS,
    WORKER_CONSUMER_LAG,
    WORKER_ENSEMBLES,
    WORKER_REBUILT,
    WORKER_FETCH_SKIPPED,
    WORKER_FETCH_STALLS,
    MILESTONE_STATUS,
    MILESTONE_BEHIND,
    MILESTONE_CRITICAL,
    MILESTONE_P50,
    MILESTONE_P85,
    COMMITMENT_P50,
    COMMITMENT_P85,
    COMMITMENT_DUE,
    THROUGHPUT_NEEDED,
    BLOCKER_HOLD,
    DECISION_TARGET,
    CUE_BUDGET,
    CUE_BUDGET_USED,
    EFFICACY_CUES,
    ACKNOWLEDGED_SHARE,
    ACKNOWLEDGEMENT_TIME,
    ACTION_FOLLOWED_SHARE,
    ACTION_TIME,
)


def exposed_by(runtime: str) -> tuple[Spec, ...]:
    """The catalogue's metrics a runtime exposes."""
    return tuple(spec for spec in CATALOGUE if runtime in spec.runtimes)
