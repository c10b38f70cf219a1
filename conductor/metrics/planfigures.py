"""Gauges read from the score and the state that the core's `figures` does not carry: the
limits the score sets (cue budget, blocker hold, decision target), each recipient's cues
today, and the pace each section needs."""

from typing import TYPE_CHECKING

from conductor.core.measures import remaining
from conductor.metrics import catalogue
from conductor.metrics.catalogue import WHOLE
from conductor.metrics.collectors import Sample
from conductor.metrics.rollup import Rollup

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine


def plan_samples(rollup: Rollup, engine: "EnsembleEngine") -> dict[str, list[Sample]]:
    state, plan = engine.state, engine.plan
    ensemble = state.ensemble
    out: dict[str, list[Sample]] = {
        catalogue.CUE_BUDGET.name: [((ensemble,), float(plan.cue_budget))],
        catalogue.BLOCKER_HOLD.name: [((ensemble,), float(plan.blocker_hold))],
        catalogue.DECISION_TARGET.name: [((ensemble,), float(plan.decision_latency))],
    }
    used = budget_used(rollup, engine)
    out[catalogue.CUE_BUDGET_USED.name] = [
        ((ensemble, section, role), float(count)) for (section, role), count in sorted(used.items())
    ]
    needed = {section: needed_pace(engine, section) for section in plan.sections}
    pace: list[Sample] = [((ensemble, WHOLE), sum(needed.values()))]
    pace += [((ensemble, s), value) for s, value in needed.items() if s in rollup.shown]
    out[catalogue.THROUGHPUT_NEEDED.name] = pace
    return out


def budget_used(rollup: Rollup, engine: "EnsembleEngine") -> dict[tuple[str, str], int]:
    """Cues each recipient got today, by (section, role) label values; every recipient of the
    score appears (0 when it got none). Recipients that share labels (a rolled-up section's
    roles, the ensemble) show the busiest one: the budget holds per recipient, so a sum would
    read as a budget broken that was not."""
    state, plan = engine.state, engine.plan
    today, _ = plan.local_day(state.now)
    keys = ["ensemble:" + state.ensemble]
    keys += [f"section:{section}" for section in plan.sections]
    keys += [f"role:{role}" for role in plan.section_of_role]
    used: dict[tuple[str, str], int] = {}
    for key in keys:
        count = state.budget_used.get(key, 0) if state.budget_day.get(key) == today else 0
        labels = _recipient_labels(rollup, key)
        used[labels] = max(used.get(labels, 0), count)
    return used


def _recipient_labels(rollup: Rollup, key: str) -> tuple[str, str]:
    kind, _, name = key.partition(":")
    if kind == "role":
        section = rollup.section(rollup.section_of_role.get(name))
        return section, name if section != WHOLE else WHOLE
    if kind == "section":
        return rollup.section(name), WHOLE
    return WHOLE, WHOLE


def needed_pace(engine: "EnsembleEngine", section: str) -> float:
    """Work items per cycle to finish the section's unreached milestones by their due dates:
    each milestone's remaining work over the cycles left until it is due (at least one).

    The same sum the tempo rule compares a cycle's throughput with (`_check_pace` in
    `conductor/core/progress.py`); a test holds the two to the same number.
    """
    state, plan = engine.state, engine.plan
    needed = 0.0
    for milestone in plan.in_section[section]:
        if milestone.id in state.reached:
            continue
        needed += remaining(engine.state, engine.plan, milestone.id) / max(
            1.0, (milestone.due_end - state.now) / plan.cycle
        )
    return round(needed, 3)
