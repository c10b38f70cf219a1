"""Tempo and alignment figures for one ensemble, computed from its state on demand.

Every figure is for the ensemble, a section, a milestone, a cadence or a commitment;
none is per person.
"""

from datetime import timedelta
from statistics import fmean
from typing import TYPE_CHECKING, Any

from conductor.core.forecast import Forecast, forecasts
from conductor.core.measures import done_share, planned_share, throughput
from conductor.core.rules.breakdown import in_breakdown
from conductor.core.rules.entry import entered
from conductor.core.rules.focus_shift import behind
from conductor.core.rules.retire import suggested
from conductor.core.timeutil import local_date, to_datetime

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine

CYCLES_SHOWN = 12


def figures(engine: "EnsembleEngine") -> dict[str, Any]:
    """A JSON-compatible summary: cadences, throughput, cycle time, decisions, WIP, progress."""
    state, plan = engine.state, engine.plan
    outlooks = _outlooks(engine)
    return {
        "ensemble": state.ensemble,
        "score": plan.score.score,
        "now": to_datetime(state.now).isoformat(),
        "events_accepted": state.accepted,
        "cadences": _cadences(engine),
        "throughput_per_cycle": _throughput(engine),
        "cycle_time_hours": {
            section: _durations(times) for section, times in sorted(state.cycle_times.items())
        },
        "decision_latency_hours": _durations(state.decision_latencies),
        "open_decisions": len(state.decisions),
        "blockers": _blockers(engine),
        "wip": {
            section: {"wip": state.wip.get(section, 0), "limit": plan.wip_limit.get(section)}
            for section in plan.sections
        },
        "critical_path": list(state.critical_path),
        "milestones": _milestones(engine, outlooks),
        "commitments": _commitments(engine, outlooks),
        "experiments": _experiments(engine),
        "concerns": dict(sorted(state.concerns.items())),
        "cue_efficacy": _efficacy(engine),
    }


def _cadences(engine: "EnsembleEngine") -> dict[str, Any]:
    state = engine.state
    result = {}
    for cadence_id in engine.plan.cadences:
        due = state.cadence_due.get(cadence_id, 0)
        held = state.cadence_held.get(cadence_id, 0)
        result[cadence_id] = {
            "due": due,
            "held": held,
            "adherence": round(held / due, 3) if due else None,
        }
    return result


def _throughput(engine: "EnsembleEngine") -> dict[str, list[int]]:
    state, plan = engine.state, engine.plan
    current = plan.first_boundary_from(state.now + 1) - 1
    cycles = range(max(0, current - CYCLES_SHOWN + 1), current + 1)
    days = [
        (plan.day_index(plan.boundary(i)), plan.day_index(plan.boundary(i + 1))) for i in cycles
    ]
    return {
        section: [throughput(state, section, first, last) for first, last in days]
        for section in plan.sections
    }


def _durations(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p85": None}
    ordered = sorted(values)

    def hours(position: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(position * len(ordered)))] / 3600, 2)

    return {
        "count": len(values),
        "mean": round(fmean(values) / 3600, 2),
        "p50": hours(0.5),
        "p85": hours(0.85),
    }


def _blockers(engine: "EnsembleEngine") -> dict[str, Any]:
    state = engine.state
    ages: dict[str, list[int]] = {section: [] for section in engine.plan.sections}
    for task in state.tasks.values():
        if task.blocked_since is not None and task.section in ages:  # not a dropped section
            ages[task.section].append(state.now - task.blocked_since)
    return {
        section: {
            "open": len(found),
            "oldest_hours": round(max(found) / 3600, 2) if found else None,
        }
        for section, found in ages.items()
    }


def _outlooks(engine: "EnsembleEngine") -> dict[str, Forecast]:
    """Every milestone's forecast by its due date and every commitment's by its date, from
    one set of trials (keyed `milestone:<id>` / `commitment:<id>`)."""
    plan = engine.plan
    targets = {f"milestone:{m.id}": ((m.id,), m.due_end) for m in plan.milestones.values()} | {
        f"commitment:{c.id}": (c.milestones, c.by_end) for c in plan.commitments.values()
    }
    return forecasts(engine.state, plan, targets)


def _milestones(engine: "EnsembleEngine", outlooks: dict[str, Forecast]) -> dict[str, Any]:
    state, plan = engine.state, engine.plan
    result = {}
    for milestone_id in plan.order:
        milestone = plan.milestones[milestone_id]
        if milestone_id in state.reached:
            status = "reached"
        elif milestone_id in entered(state):
            status = "entered"
        else:
            status = "waiting"
        outlook = outlooks[f"milestone:{milestone_id}"]
        result[milestone_id] = {
            "section": milestone.section,
            "status": status,
            "done": state.done.get(milestone_id, 0),
            "estimate": milestone.estimate,
            "progress": round(done_share(state, plan, milestone_id), 3),
            "planned": round(planned_share(state, plan, milestone_id), 3),
            "behind": milestone_id in behind(state),
            "on_critical_path": milestone_id in state.critical_path,
            "forecast": _outlook(engine, outlook.probability, outlook.p50_days, outlook.p85_days),
        }
    return result


def _commitments(engine: "EnsembleEngine", outlooks: dict[str, Forecast]) -> dict[str, Any]:
    state, plan = engine.state, engine.plan
    result = {}
    for commitment in plan.commitments.values():
        outlook = outlooks[f"commitment:{commitment.id}"]
        result[commitment.id] = {
            "by": local_date(commitment.by_end - 1, plan.zone).isoformat(),
            "confidence": commitment.confidence,
            "in_breakdown": commitment.id in in_breakdown(state),
            "forecast": _outlook(engine, outlook.probability, outlook.p50_days, outlook.p85_days),
        }
    return result


def _outlook(
    engine: "EnsembleEngine", probability: float, p50: int | None, p85: int | None
) -> dict[str, Any]:
    today = local_date(engine.state.now, engine.plan.zone)

    def day(days: int | None) -> str | None:
        """Work done within `days` days, today counted, is done on day today + days - 1."""
        return None if days is None else (today + timedelta(days=max(0, days - 1))).isoformat()

    return {"probability": round(probability, 3), "p50": day(p50), "p85": day(p85)}


def _efficacy(engine: "EnsembleEngine") -> dict[str, dict[str, Any]]:
    """Per cue kind and recipient: how often its cues were acknowledged, snoozed, and followed
    by the action they asked for, and how soon after their delivery."""
    result: dict[str, dict[str, Any]] = {}
    for key, counts in sorted(engine.state.efficacy.items()):
        kind, _, to = key.partition("|")
        result.setdefault(kind, {})[to] = {
            "cues": counts.cues,
            "acknowledged": counts.acknowledged,
            "acknowledged_share": _share(counts.acknowledged, counts.cues),
            "snoozed": counts.snoozed,
            "time_to_acknowledge_hours": _durations(counts.ack_seconds),
            "asking_action": counts.asked,
            "action_followed": counts.followed,
            "action_followed_share": _share(counts.followed, counts.asked),
            "time_to_action_hours": _durations(counts.follow_seconds),
        }
    return result


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _experiments(engine: "EnsembleEngine") -> dict[str, Any]:
    state = engine.state
    return {
        experiment: {
            "status": state.experiments.get(experiment, "planned"),
            "recent": state.assessments.get(experiment, []),
            "retire_suggested": experiment in suggested(state),
        }
        for experiment in sorted(engine.plan.experiments)
    }
