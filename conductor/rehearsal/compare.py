"""`rehearse SCORE_A --simulate --compare SCORE_B`: both scores run on the same seeds, their
figures side by side, the differences larger than the runs' own noise marked.

Run i of A and run i of B share their seed, so each figure's difference is taken run by run
(paired): a difference is marked when it is more than twice its standard error over the
runs (and nonzero). Finish dates compare as the mean finish day (a run that never finished
counts as the day after the simulated days).
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray

from conductor.rehearsal.outcomes import Outcomes

NOISE = 2.0
"""A difference is marked beyond this many standard errors of the paired differences."""


def paired(a: NDArray[np.float64], b: NDArray[np.float64]) -> dict[str, Any]:
    """B - A, run by run: the mean difference, its standard error, and whether it is marked."""
    difference = b - a
    mean = float(difference.mean()) if difference.size else 0.0
    error = float(difference.std(ddof=1) / np.sqrt(difference.size)) if difference.size > 1 else 0.0
    return {
        "a": round(float(a.mean()), 4),
        "b": round(float(b.mean()), 4),
        "difference": round(mean, 4),
        "standard_error": round(error, 4),
        "marked": bool(mean != 0 and abs(mean) > NOISE * error),
    }


def compare(a: Outcomes, b: Outcomes) -> dict[str, Any]:
    """The paired differences of two scores' runs (the `comparison` of `report.json`)."""
    if a.runs != b.runs:
        raise ValueError("both scores must have the same runs")
    never = float(max(a.setup.days, b.setup.days) + (a.setup.start.day - a.plan.score.starts).days)
    milestones = []
    for milestone_id in a.plan.work_order:
        if milestone_id not in b.plan.milestones:
            continue
        due_a = a.plan.milestones[milestone_id].due_end
        due_b = b.plan.milestones[milestone_id].due_end
        milestones.append(
            {
                "id": milestone_id,
                "probability": paired(a.met((milestone_id,), due_a), b.met((milestone_id,), due_b)),
                "finish_day": paired(
                    _bounded(a.finish_days((milestone_id,)), never),
                    _bounded(b.finish_days((milestone_id,)), never),
                ),
            }
        )
    commitments = []
    for commitment in a.plan.commitments.values():
        other = b.plan.commitments.get(commitment.id)
        if other is None:
            continue
        commitments.append(
            {
                "id": commitment.id,
                "probability": paired(
                    a.met(commitment.milestones, commitment.by_end),
                    b.met(other.milestones, other.by_end),
                ),
                "finish_day": paired(
                    _bounded(a.finish_days(commitment.milestones), never),
                    _bounded(b.finish_days(other.milestones), never),
                ),
            }
        )
    cues_a, cues_b = a.cue_totals(), b.cue_totals()
    zeros = np.zeros(a.runs)
    load_a, load_b = a.cadence_hours(), b.cadence_hours()
    return {
        "scores": [a.plan.score.score, b.plan.score.score],
        "runs": a.runs,
        "noise": f"marked: |B - A| > {NOISE:g} standard errors of the run-by-run differences",
        "milestones": milestones,
        "commitments": commitments,
        "cues_per_run": {
            kind: paired(cues_a.get(kind, zeros), cues_b.get(kind, zeros))
            for kind in sorted(set(cues_a) | set(cues_b))
        },
        "cadence_hours_per_week": {
            section: paired(load_a.get(section, zeros), load_b.get(section, zeros))
            for section in sorted(set(load_a) | set(load_b))
        },
    }


def _bounded(finish: NDArray[np.float64], never: float) -> NDArray[np.float64]:
    return np.where(np.isfinite(finish), finish, never)


def marked_lines(comparison: dict[str, Any]) -> list[str]:
    """Every marked difference, as `section/name/figure: A -> B` lines."""
    lines = []
    for group in ("milestones", "commitments"):
        for row in comparison[group]:
            for figure in ("probability", "finish_day"):
                value = row[figure]
                if value["marked"]:
                    lines.append(f"{group[:-1]} {row['id']} {figure}: {value['a']} -> {value['b']}")
    for group in ("cues_per_run", "cadence_hours_per_week"):
        for name, value in comparison[group].items():
            if value["marked"]:
                lines.append(f"{group} {name}: {value['a']} -> {value['b']}")
    return lines
