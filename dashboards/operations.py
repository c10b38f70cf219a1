"""The operations dashboard, for whoever runs Conductor: health, events, the Kafka workers,
cue delivery, snapshots and restarts."""

import conductor.metrics.catalogue as c
from conductor.metrics.catalogue import ENSEMBLE_LABEL, KIND_LABEL, PARTITION_LABEL
from dashboards import recorded as r
from dashboards.board import ensemble_variable, job_variable
from dashboards.panels import Board, Figure, Kind, Mapping, Query, Row
from dashboards.promql import (
    ENSEMBLE_VAR,
    INSTANCE_LABEL,
    RANGE,
    RATE,
    by,
    targets,
    up,
    whole_named,
)

UID = "conductor-operations"
NO_ENSEMBLE = "no known ensemble"
EVENTS = f'{ENSEMBLE_LABEL}=~"${ENSEMBLE_VAR}"'
TARGET = "{{job}} {{instance}}"
RUNTIME = "{{kind}} {{instance}}"


def _events(spec: c.Spec, window: str, function: str = "rate") -> str:
    """Per ensemble; events that named no ensemble with a score show as such."""
    counted = f"sum {by(ENSEMBLE_LABEL)} ({function}({targets(spec, extra=EVENTS)}[{window}]))"
    return whole_named(counted, ENSEMBLE_LABEL, NO_ENSEMBLE)


HEALTH = Row(
    "Health",
    (
        Figure(
            "Targets up",
            "Whether Prometheus could scrape each Conductor runtime and worker. Down: the "
            "process is gone or unreachable; restart it (the embedded runtime recovers from "
            "its log, a worker from the changelog).",
            (Query(up(), TARGET),),
            kind=Kind.TIMELINE,
            height=6,
            high=1,
            mappings=(Mapping(0, "down", "red"), Mapping(1, "up", "green")),
        ),
        Figure(
            "Runtime healthy",
            "Whether each runtime can do its work: the embedded runtime's log writer is alive, "
            "a worker is not stopping after a snapshot the broker refused. Stopped: restart "
            "the process; nothing acknowledged is lost.",
            (Query(targets(c.RUNTIME_HEALTHY), RUNTIME),),
            kind=Kind.STAT,
            width=6,
            height=6,
            high=1,
            mappings=(Mapping(0, "stopped: restart it", "red"), Mapping(1, "healthy", "green")),
        ),
        Figure(
            "Restarts in the time range",
            "Times each process started again in the selected range. Restarts that repeat "
            "are a crash loop: read the process's log.",
            (Query(f"changes({targets(c.RUNTIME_START)}[{RANGE}])", RUNTIME, instant=True),),
            kind=Kind.STAT,
            width=6,
            height=6,
            decimals=0,
            steps=((None, "green"), (1, "orange"), (3, "red")),
        ),
    ),
)

EVENTS_ROW = Row(
    "Events",
    (
        Figure(
            "Events per second",
            "Events accepted into the log, acknowledged as duplicates, and rejected, and "
            "messages a worker dead-lettered. Rejections that rise: a tool sends events "
            "Conductor cannot apply; the reasons are in the API's answers or the "
            "dead-letter topic's headers.",
            (
                Query(_events(c.EVENTS_ACCEPTED, RATE), "accepted {{ensemble}}"),
                Query(_events(c.EVENTS_DUPLICATE, RATE), "duplicate {{ensemble}}"),
                Query(_events(c.EVENTS_REJECTED, RATE), "rejected {{ensemble}}"),
                Query(f"sum (rate({targets(c.WORKER_DEAD_LETTERS)}[{RATE}]))", "dead-lettered"),
            ),
            unit="ops",
        ),
        Figure(
            "Events in the time range",
            "The same counts over the selected range, per ensemble ('no known ensemble': "
            "events naming no ensemble with a published score, a sender to fix).",
            (
                Query(
                    _events(c.EVENTS_ACCEPTED, RANGE, "increase"),
                    "accepted {{ensemble}}",
                    instant=True,
                ),
                Query(
                    _events(c.EVENTS_DUPLICATE, RANGE, "increase"),
                    "duplicate {{ensemble}}",
                    instant=True,
                ),
                Query(
                    _events(c.EVENTS_REJECTED, RANGE, "increase"),
                    "rejected {{ensemble}}",
                    instant=True,
                ),
            ),
            kind=Kind.STAT,
            width=6,
            decimals=0,
            steps=((None, "text"),),
        ),
        Figure(
            "Log position",
            "The embedded runtime's log offset (events and ticks), and (dashed) the offset of "
            "its newest snapshot. A flat log offset while teams post events: ingest is stuck. "
            "(A worker's log is its Kafka topic: see its consumer lag.)",
            (
                Query(targets(c.LOG_OFFSET), "log {{instance}}"),
                Query(targets(c.SNAPSHOT_OFFSET), "snapshot {{instance}}"),
            ),
            width=6,
            dashed="snapshot .*",
        ),
    ),
)

WORKERS = Row(
    "Kafka workers",
    (
        Figure(
            "Consumer lag per partition",
            "Messages in the events topic not yet processed, per worker and partition. Lag "
            "that grows and does not come back: add workers (up to one per partition) or look "
            "for a slow or stuck one.",
            (
                Query(
                    targets(c.WORKER_CONSUMER_LAG),
                    f"{{{{{INSTANCE_LABEL}}}}} partition {{{{{PARTITION_LABEL}}}}}",
                ),
            ),
        ),
        Figure(
            "Consumer lag per worker",
            "The lag of all a worker's partitions together, now. One worker far behind the "
            "others: it is slow or stuck; restart it and its partitions move on.",
            (Query(targets(r.CONSUMER_LAG.record), TARGET),),
            kind=Kind.BARGAUGE,
            width=6,
            steps=((None, "green"), (1000, "orange"), (10000, "red")),
        ),
        Figure(
            "Dead-lettered in the time range",
            "Messages sent to the dead-letter topic in the selected range: invalid or refused "
            "events, kept with their reason. Read the topic's `reason` headers and fix the "
            "sender.",
            (
                Query(
                    f"sum (increase({targets(c.WORKER_DEAD_LETTERS)}[{RANGE}]))",
                    "dead-lettered",
                    instant=True,
                ),
            ),
            kind=Kind.STAT,
            width=6,
            decimals=0,
            steps=((None, "green"), (1, "orange")),
        ),
    ),
)

DELIVERY = Row(
    "Cue delivery",
    (
        Figure(
            "Cues pending delivery, per sink",
            "Cues in the outbox not yet delivered, per sink (stdout, jsonl, webhook). A "
            "number that stays up: the sink is down or refusing; cues wait, nothing is lost.",
            (Query(targets(c.DELIVERY_PENDING), "{{kind}} {{instance}}"),),
            width=8,
        ),
        Figure(
            "Deliveries and failed attempts per second, per sink",
            "Cues delivered and failed delivery attempts (each retried with backoff). "
            "Failures without deliveries: check the sink's URL, credentials and health.",
            (
                Query(
                    f"sum {by(KIND_LABEL)} (rate({targets(c.DELIVERIES)}[{RATE}]))",
                    "delivered {{kind}}",
                ),
                Query(
                    f"sum {by(KIND_LABEL)} (rate({targets(c.DELIVERY_FAILURES)}[{RATE}]))",
                    "failed {{kind}}",
                ),
            ),
            unit="ops",
            width=8,
        ),
        Figure(
            "Delivery latency P95, per sink",
            "Wall-clock seconds from a cue entering the outbox to the sink accepting it (95th "
            "percentile over five minutes). Seconds to minutes: a sink is retrying.",
            (Query(targets(r.DELIVERY_P95.record), "{{kind}} {{instance}}"),),
            unit="s",
            width=8,
        ),
    ),
)

SNAPSHOTS = Row(
    "Snapshots and restarts",
    (
        Figure(
            "Snapshot write time P95",
            "Wall-clock seconds to write a state snapshot (95th percentile over an hour): "
            "the embedded runtime's save to its log, a worker's changelog writes until the "
            "broker acked them. Growing: the disk or the broker is slow.",
            (Query(targets(r.SNAPSHOT_P95.record), TARGET),),
            unit="s",
            width=8,
        ),
        Figure(
            "Replay at the last start",
            "Wall-clock seconds the embedded runtime's last start spent restoring its newest "
            "snapshot and replaying the log after it. Long: snapshot more often "
            "(`--snapshot-every`).",
            (Query(targets(c.RECOVERY_DURATION), "{{instance}}"),),
            kind=Kind.STAT,
            unit="s",
            width=4,
            steps=((None, "green"), (30, "orange"), (120, "red")),
        ),
        Figure(
            "Events replayed at the last start",
            "Events the last start replayed after the newest snapshot: the replay grows with "
            "the log written since the snapshot before it.",
            (Query(targets(c.RECOVERY_REPLAYED), "{{instance}}"),),
            kind=Kind.STAT,
            width=4,
            decimals=0,
            steps=((None, "text"),),
        ),
        Figure(
            "Log after the newest snapshot",
            "Entries a restart would replay now: the log offset minus the newest snapshot's.",
            (
                Query(
                    f"{targets(c.LOG_OFFSET)} - {targets(c.SNAPSHOT_OFFSET)}",
                    "{{instance}}",
                ),
            ),
            width=8,
        ),
    ),
)

OPERATIONS = Board(
    UID,
    "Conductor: operations",
    "Is Conductor itself healthy? Targets, events, the Kafka workers' lag and dead letters, "
    "cue delivery per sink, snapshots and restarts.",
    (HEALTH, EVENTS_ROW, WORKERS, DELIVERY, SNAPSHOTS),
    (job_variable(), ensemble_variable(include_all=True)),
)
