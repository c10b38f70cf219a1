"""Updating the catalogue's metrics from what the core returns: outcomes, cues and figures.

Runtime-neutral: the embedded runtime and the Kafka workers both call these. Small sections
are rolled up here (`Rollup`), so no runtime can publish a small group's figures on its own.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from conductor.core.effects import Measure
from conductor.core.outcome import Outcome
from conductor.metrics import catalogue
from conductor.metrics.catalogue import WHOLE
from conductor.metrics.collectors import Sample
from conductor.metrics.registry import Metrics
from conductor.metrics.rollup import Rollup
from schemas import Cue


def record_cues(metrics: Metrics, rollup: Rollup, cues: Iterable[Cue], pilot: bool = False) -> None:
    """Count cues by kind and recipient; `pilot`: the cues of a pilot score in shadow."""
    flag = "true" if pilot else "false"
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
    record_cues(metrics, rollup, outcome.cues)
    for observation in outcome.observations:
        histogram = (
            metrics.cycle_time
            if observation.measure is Measure.CYCLE_TIME
            else metrics.decision_latency
        )
        histogram.observe(observation.seconds, ensemble, rollup.section(observation.section))


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
    for milestone, values in figures["milestones"].items():
        add(catalogue.MILESTONE_PROGRESS, (milestone,), values["progress"])
        add(catalogue.MILESTONE_PLANNED, (milestone,), values["planned"])
        add(catalogue.MILESTONE_REACHED, (milestone,), values["status"] == "reached")
        add(catalogue.MILESTONE_FORECAST, (milestone,), values["forecast"]["probability"])
    for commitment, values in figures["commitments"].items():
        add(catalogue.COMMITMENT_FORECAST, (commitment,), values["forecast"]["probability"])
        add(catalogue.COMMITMENT_CONFIDENCE, (commitment,), values["confidence"])
        add(catalogue.COMMITMENT_BREAKDOWN, (commitment,), values["in_breakdown"])
    return out


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
