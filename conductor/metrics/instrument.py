"""Updating the catalogue's metrics from what the core returns: outcomes, cues and figures.

Runtime-neutral: the embedded runtime and the Kafka workers both call these. Small sections
are rolled up here (`Rollup`), so no runtime can publish a small group's figures on its own.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from conductor.core.effects import Measure
from conductor.core.engine import EnsembleEngine
from conductor.core.figures import figures as engine_figures
from conductor.core.outcome import Outcome
from conductor.metrics import catalogue
from conductor.metrics.catalogue import WHOLE
from conductor.metrics.collectors import Sample
from conductor.metrics.planfigures import plan_samples
from conductor.metrics.registry import Metrics
from conductor.metrics.rollup import Rollup
from schemas import Cue, CueKind

LIVE, PILOT = "false", "true"
"""The `pilot` label of `conductor_cues_total`: a live cue's, a pilot score's in shadow."""

STATUS_VALUE = {"waiting": 0, "entered": 1, "reached": 2}
"""`conductor_milestone_status` as a number (the dashboards map it back to words)."""


def record_cues(metrics: Metrics, rollup: Rollup, cues: Iterable[Cue], pilot: bool = False) -> None:
    """Count cues by kind and recipient; `pilot`: the cues of a pilot score in shadow."""
    flag = PILOT if pilot else LIVE
    for cue in cues:
        section, role = rollup.recipient(cue)
        metrics.cues.inc(cue.ensemble, cue.kind.value, section, role, flag)


def record_outcome(
    metrics: Metrics, rollup: Rollup | None, ensemble: str, outcome: Outcome
) -> None:
    """Count the event (accepted, duplicate, rejected), its cues and its measurements.

    `rollup` is None while the ensemble has no score; `ensemble` should then be `WHOLE`
    for events that name an unknown ensemble, so untrusted input cannot mint label values.
    """
    if outcome.duplicate:
        metrics.events_duplicate.inc(ensemble)
        return
    if outcome.rejection is not None:
        metrics.events_rejected.inc(ensemble)
        return
    metrics.events_accepted.inc(ensemble)
    if rollup is None:
        return
    if metrics.primed.get(ensemble) is not rollup:
        prime(metrics, rollup, ensemble)
    record_cues(metrics, rollup, outcome.cues)
    for observation in outcome.observations:
        histogram = (
            metrics.cycle_time
            if observation.measure is Measure.CYCLE_TIME
            else metrics.decision_latency
        )
        histogram.observe(observation.seconds, ensemble, rollup.section(observation.section))


def prime(metrics: Metrics, rollup: Rollup, ensemble: str) -> None:
    """Create the ensemble's event and cue counters (every kind, every recipient the roll-up
    shows) and its histograms at zero, so the first cue of a kind counts in `increase` and a
    panel of a fresh install shows 0, not "No data"."""
    metrics.primed[ensemble] = rollup
    for counter in (metrics.events_accepted, metrics.events_duplicate, metrics.events_rejected):
        counter.prime(ensemble)
    sections = sorted(rollup.shown)
    recipients = [(WHOLE, WHOLE), *((section, WHOLE) for section in sections)]
    recipients += sorted(
        (section, role)
        for role, section in rollup.section_of_role.items()
        if section in rollup.shown
    )
    for kind in CueKind:
        for section, role in recipients:
            metrics.cues.prime(ensemble, kind.value, section, role, LIVE)
    for section in (WHOLE, *sections):
        metrics.cycle_time.prime(ensemble, section)
        metrics.decision_latency.prime(ensemble, section)  # the deciding role's section


def publish_engine(metrics: Metrics, rollup: Rollup, engine: EnsembleEngine) -> None:
    """Replace the ensemble's figure gauges: the core's figures and the score's own numbers."""
    ensemble = engine.state.ensemble
    if metrics.primed.get(ensemble) is not rollup:
        prime(metrics, rollup, ensemble)
    samples = figure_samples(rollup, engine_figures(engine))
    samples.update(plan_samples(rollup, engine))
    metrics.figures.publish(ensemble, samples)


def publish_figures(metrics: Metrics, rollup: Rollup, figures: dict[str, Any]) -> None:
    """Replace the ensemble's figure gauges with `figures` (from `conductor.core.figures`)."""
    ensemble = figures["ensemble"]
    samples = figure_samples(rollup, figures)
    metrics.figures.publish(ensemble, samples)


def figure_samples(rollup: Rollup, figures: dict[str, Any]) -> dict[str, list[Sample]]:
    ensemble = figures["ensemble"]
    out: dict[str, list[Sample]] = {}

    def add(spec: catalogue.Spec, labels: tuple[str, ...], value: float | None) -> None:
        if value is not None:
            out.setdefault(spec.name, []).append(((ensemble, *labels), float(value)))

    add(catalogue.LOG_TIME, (), datetime.fromisoformat(figures["now"]).timestamp())
    add(catalogue.OPEN_DECISIONS, (), figures["open_decisions"])
    for cadence, values in figures["cadences"].items():
        add(catalogue.CADENCE_DUE, (cadence,), values["due"])
        add(catalogue.CADENCE_HELD, (cadence,), values["held"])
        add(catalogue.CADENCE_ADHERENCE, (cadence,), values["adherence"])
    _per_section(add, rollup, figures)
    _efficacy(add, rollup, figures)
    for milestone, values in figures["milestones"].items():
        outlook = values["forecast"]
        add(catalogue.MILESTONE_PROGRESS, (milestone,), values["progress"])
        add(catalogue.MILESTONE_PLANNED, (milestone,), values["planned"])
        add(catalogue.MILESTONE_REACHED, (milestone,), values["status"] == "reached")
        add(catalogue.MILESTONE_STATUS, (milestone,), STATUS_VALUE[values["status"]])
        add(catalogue.MILESTONE_BEHIND, (milestone,), values["behind"])
        add(catalogue.MILESTONE_CRITICAL, (milestone,), values["on_critical_path"])
        add(catalogue.MILESTONE_FORECAST, (milestone,), outlook["probability"])
        add(catalogue.MILESTONE_P50, (milestone,), day_seconds(outlook["p50"]))
        add(catalogue.MILESTONE_P85, (milestone,), day_seconds(outlook["p85"]))
    for commitment, values in figures["commitments"].items():
        outlook = values["forecast"]
        add(catalogue.COMMITMENT_FORECAST, (commitment,), outlook["probability"])
        add(catalogue.COMMITMENT_CONFIDENCE, (commitment,), values["confidence"])
        add(catalogue.COMMITMENT_BREAKDOWN, (commitment,), values["in_breakdown"])
        add(catalogue.COMMITMENT_P50, (commitment,), day_seconds(outlook["p50"]))
        add(catalogue.COMMITMENT_P85, (commitment,), day_seconds(outlook["p85"]))
        add(catalogue.COMMITMENT_DUE, (commitment,), day_seconds(values["by"]))
    return out


def day_seconds(day: str | None) -> float | None:
    """A forecast or due day as Unix seconds at noon UTC of that day: shown as a date, it is
    the same day in every timezone within twelve hours of UTC."""
    if day is None:
        return None
    return datetime.combine(date.fromisoformat(day), time(12), UTC).timestamp()


def _per_section(add: Any, rollup: Rollup, figures: dict[str, Any]) -> None:
    """Section gauges: one series per shown section, plus the whole ensemble (section empty)."""
    throughput = figures["throughput_per_cycle"]
    blockers = figures["blockers"]
    wip = figures["wip"]
    columns: dict[catalogue.Spec, dict[str, float | None]] = {
        catalogue.THROUGHPUT_CURRENT: {s: v[-1] if v else None for s, v in throughput.items()},
        catalogue.THROUGHPUT_LAST: {
            s: v[-2] if len(v) > 1 else None for s, v in throughput.items()
        },
        catalogue.BLOCKERS_OPEN: {s: v["open"] for s, v in blockers.items()},
        catalogue.BLOCKER_AGE: {
            s: None if v["oldest_hours"] is None else v["oldest_hours"] * 3600
            for s, v in blockers.items()
        },
        catalogue.WIP: {s: v["wip"] for s, v in wip.items()},
        catalogue.WIP_LIMIT: {s: v["limit"] for s, v in wip.items()},
    }
    for spec, by_section in columns.items():
        present = [value for value in by_section.values() if value is not None]
        whole = max(present, default=None) if spec is catalogue.BLOCKER_AGE else None
        if spec is not catalogue.BLOCKER_AGE and present:
            whole = sum(present)
        add(spec, (WHOLE,), whole)
        for section, value in by_section.items():
            if section in rollup.shown:
                add(spec, (section,), value)


def _efficacy(add: Any, rollup: Rollup, figures: dict[str, Any]) -> None:
    """Cue efficacy per kind and recipient; recipients of small sections are summed into the
    ensemble's, their mean times weighted by how many each had."""
    merged: dict[tuple[str, ...], dict[str, float]] = {}
    for kind, by_recipient in figures["cue_efficacy"].items():
        for to, values in by_recipient.items():
            sums = merged.setdefault((kind, *rollup.recipient_key(to)), {})
            acked, acted = values["time_to_acknowledge_hours"], values["time_to_action_hours"]
            for name, amount in (
                ("cues", values["cues"]),
                ("acked", values["acknowledged"]),
                ("asked", values["asking_action"]),
                ("followed", values["action_followed"]),
                ("acks", acked["count"]),
                ("ack_seconds", (acked["mean"] or 0.0) * acked["count"] * 3600),
                ("actions", acted["count"]),
                ("action_seconds", (acted["mean"] or 0.0) * acted["count"] * 3600),
            ):
                sums[name] = sums.get(name, 0.0) + amount
    for labels, sums in merged.items():
        add(catalogue.EFFICACY_CUES, labels, sums["cues"])
        add(catalogue.ACKNOWLEDGED_SHARE, labels, _ratio(sums["acked"], sums["cues"]))
        add(catalogue.ACKNOWLEDGEMENT_TIME, labels, _ratio(sums["ack_seconds"], sums["acks"]))
        add(catalogue.ACTION_FOLLOWED_SHARE, labels, _ratio(sums["followed"], sums["asked"]))
        add(catalogue.ACTION_TIME, labels, _ratio(sums["action_seconds"], sums["actions"]))


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
