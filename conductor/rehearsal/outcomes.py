"""What many simulated runs of a score add up to: the figures of `report.json`.

Per milestone and commitment, the share of runs that met the date and the P50 / P85 / P95
finish dates (null: not within the simulated days in that share of runs); cues per kind,
recipient and week, and the cues the daily budget folded into digests; hours in ceremonies
per week per section; the critical path the runs took and, per commitment, the milestone
that most often made it miss; each section's burn-up as percentiles over the runs.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from conductor.core.plan import Plan
from conductor.core.rules.focus_shift import critical_path
from conductor.core.state import EnsembleState
from conductor.core.timeutil import local_date
from conductor.rehearsal.runs import RunRecord, Setup

SHARES = (0.5, 0.85, 0.95)
FAN = (5, 15, 50, 85, 95)
"""The burn-up's percentiles over the runs."""


@dataclass
class Outcomes:
    """The runs of one setup, with the per-run arrays compare and the plots read."""

    setup: Setup
    plan: Plan
    records: list[RunRecord]

    @property
    def runs(self) -> int:
        return len(self.records)

    @property
    def weeks(self) -> int:
        return -(-self.setup.days // 7)

    def finish_days(self, milestones: tuple[str, ...]) -> NDArray[np.float64]:
        """Per run, the day index (since the score starts) by which all of `milestones` were
        reached; infinity when one was not within the simulated days."""
        out = np.empty(self.runs, dtype=np.float64)
        for i, record in enumerate(self.records):
            found = [record.reached.get(m) for m in milestones]
            if any(at is None for at in found):
                out[i] = np.inf
            else:
                out[i] = max(self.plan.day_index(at) for at in found if at is not None)
        return out

    def met(self, milestones: tuple[str, ...], by_end: int) -> NDArray[np.float64]:
        """Per run, 1.0 if every milestone was reached before the instant `by_end`."""
        return np.array(
            [
                float(all(m in r.reached and r.reached[m] < by_end for m in milestones))
                for r in self.records
            ]
        )

    def cue_totals(self) -> dict[str, NDArray[np.float64]]:
        """Per cue kind, per run, the cues of that kind."""
        kinds = sorted({kind for r in self.records for kind, _, _ in r.cues})
        totals = {kind: np.zeros(self.runs) for kind in kinds}
        for i, record in enumerate(self.records):
            for (kind, _, _), count in record.cues.items():
                totals[kind][i] += count
        return totals

    def cadence_hours(self) -> dict[str, NDArray[np.float64]]:
        """Per section, per run, hours in ceremonies held per week."""
        duration = _durations(self.plan)
        load = {section: np.zeros(self.runs) for section in self.plan.sections}
        for i, record in enumerate(self.records):
            for (cadence, _), held in record.held.items():
                for section in _sections_of(self.plan, cadence):
                    load[section][i] += held * duration[cadence] / self.weeks
        return load

    def day(self, index: float) -> str | None:
        if not np.isfinite(index):
            return None
        return (self.plan.score.starts + timedelta(days=int(index))).isoformat()

    def quantiles(self, finish: NDArray[np.float64]) -> dict[str, str | None]:
        ordered = np.sort(finish)
        return {
            f"p{round(share * 100)}": self.day(
                ordered[min(ordered.size - 1, int(share * ordered.size))]
            )
            for share in SHARES
        }


def _durations(plan: Plan) -> dict[str, float]:
    return {c.id: c.duration.total_seconds() / 3600 for c in plan.score.cadences}


def _sections_of(plan: Plan, cadence: str) -> tuple[str, ...]:
    return plan.cadences[cadence].sections or plan.sections


def summarize(outcomes: Outcomes) -> dict[str, Any]:
    """The figures of one score's runs (the body of `report.json`)."""
    plan, setup = outcomes.plan, outcomes.setup
    return {
        "score": plan.score.score,
        "title": plan.score.title,
        "ensemble": plan.score.ensemble,
        "runs": outcomes.runs,
        "seed": setup.seed,
        "start": setup.start.day.isoformat(),
        "days": setup.days,
        "from_log": setup.state is not None,
        "model": setup.model.describe(),
        "milestones": _milestones(outcomes),
        "commitments": _commitments(outcomes),
        "critical_path": _critical_paths(outcomes),
        "cues": _cues(outcomes),
        "cadence_load": _cadence_load(outcomes),
        "burnup": _burnup(outcomes),
        "rejected_events": sum(r.rejected for r in outcomes.records),
    }


def _milestones(outcomes: Outcomes) -> list[dict[str, Any]]:
    plan = outcomes.plan
    found = []
    for milestone_id in plan.work_order:
        milestone = plan.milestones[milestone_id]
        finish = outcomes.finish_days((milestone_id,))
        found.append(
            {
                "id": milestone_id,
                "title": milestone.title,
                "section": milestone.section,
                "due": _due(plan, milestone.due_end),
                "probability": float(outcomes.met((milestone_id,), milestone.due_end).mean()),
                **outcomes.quantiles(finish),
                "reached_in_runs": float(np.isfinite(finish).mean()),
            }
        )
    return found


def _due(plan: Plan, day_end: int) -> str:
    return local_date(day_end - 1, plan.zone).isoformat()


def _commitments(outcomes: Outcomes) -> list[dict[str, Any]]:
    plan = outcomes.plan
    found = []
    for commitment in plan.commitments.values():
        met = outcomes.met(commitment.milestones, commitment.by_end)
        culprits = Counter(
            _culprit(plan, record, commitment.milestones)
            for record, ok in zip(outcomes.records, met, strict=True)
            if not ok
        )
        misses = max(1, sum(culprits.values()))
        probability = float(met.mean())
        found.append(
            {
                "id": commitment.id,
                "milestones": list(commitment.milestones),
                "by": _due(plan, commitment.by_end),
                "confidence": commitment.confidence,
                "probability": probability,
                "meets_confidence": probability >= commitment.confidence,
                **outcomes.quantiles(outcomes.finish_days(commitment.milestones)),
                "breaks_at": [
                    {"milestone": m, "runs": n, "share_of_misses": round(n / misses, 3)}
                    for m, n in sorted(culprits.items(), key=lambda item: (-item[1], item[0]))
                ],
            }
        )
    return found


def _chain(plan: Plan, record: RunRecord, tail: str) -> list[str]:
    """From `tail` back along the dependency reached last (or not at all), root first."""
    never = float("inf")

    def when(milestone_id: str) -> float:
        return record.reached.get(milestone_id, never)

    chain = [tail]
    while plan.milestones[chain[-1]].depends_on:
        chain.append(max(plan.milestones[chain[-1]].depends_on, key=lambda m: (when(m), m)))
    return chain[::-1]


def _culprit(plan: Plan, record: RunRecord, milestones: tuple[str, ...]) -> str:
    """Where a missed commitment broke: on the chain that finished last, the first milestone
    reached after its own due date (or not at all)."""
    never = float("inf")
    tail = max(milestones, key=lambda m: (record.reached.get(m, never), m))
    chain = _chain(plan, record, tail)
    for milestone_id in chain:
        reached = record.reached.get(milestone_id)
        if reached is None or reached >= plan.milestones[milestone_id].due_end:
            return milestone_id
    return chain[-1]


def _critical_paths(outcomes: Outcomes) -> dict[str, Any]:
    plan = outcomes.plan
    never = float("inf")
    paths: Counter[tuple[str, ...]] = Counter()
    for record in outcomes.records:
        tail = max(plan.milestones, key=lambda m: (record.reached.get(m, never), m))
        paths[tuple(_chain(plan, record, tail))] += 1
    planned = critical_path(EnsembleState(ensemble=plan.score.ensemble), plan)
    return {
        "planned": planned,
        "observed": [
            {"path": list(path), "share": round(count / outcomes.runs, 3)}
            for path, count in sorted(paths.items(), key=lambda item: (-item[1], item[0]))[:3]
        ],
    }


def _cues(outcomes: Outcomes) -> dict[str, Any]:
    runs = outcomes.runs
    per: Counter[tuple[str, str, int]] = Counter()
    folded: Counter[tuple[str, int]] = Counter()
    for record in outcomes.records:
        per.update(record.cues)
        folded.update(record.folded)
    recipients: Counter[tuple[str, int]] = Counter()
    for (kind, recipient, week), count in per.items():
        if kind != "digest":
            recipients[(recipient, week)] += count
    weekly: list[dict[str, Any]] = [
        {"recipient": recipient, "week": week, "mean": round(count / runs, 3)}
        for (recipient, week), count in sorted(recipients.items())
    ]
    return {
        "per_kind_recipient_week": [
            {"kind": kind, "recipient": recipient, "week": week, "mean": round(count / runs, 3)}
            for (kind, recipient, week), count in sorted(per.items())
        ],
        "per_recipient_week": weekly,
        "per_kind_per_run": {
            kind: round(float(totals.mean()), 3) for kind, totals in outcomes.cue_totals().items()
        },
        "budget_per_day": outcomes.plan.cue_budget,
        "budget_per_week": outcomes.plan.cue_budget * 7,
        "over_weekly_budget": sorted(
            {row["recipient"] for row in weekly if row["mean"] > outcomes.plan.cue_budget * 7}
        ),
        "folded_into_digests": [
            {"recipient": recipient, "week": week, "mean": round(count / runs, 3)}
            for (recipient, week), count in sorted(folded.items())
        ],
        "folded_per_run": round(sum(folded.values()) / runs, 3),
    }


def _cadence_load(outcomes: Outcomes) -> dict[str, Any]:
    plan = outcomes.plan
    duration = _durations(plan)
    first = plan.days.midnight(outcomes.setup.start.day.toordinal())
    end = plan.days.midnight(outcomes.setup.start.day.toordinal() + outcomes.setup.days)
    planned = dict.fromkeys(plan.sections, 0.0)
    calendar = []
    for cadence_id, cadence in plan.cadences.items():
        count = 0
        at = cadence.occurrences.next(first, True)
        while at is not None and at < end:
            if count < 40:
                calendar.append({"cadence": cadence_id, "at": _local_iso(plan, at)})
            count += 1
            at = cadence.occurrences.next(at, False)
        for section in _sections_of(plan, cadence_id):
            planned[section] += count * duration[cadence_id] / outcomes.weeks
    held = outcomes.cadence_hours()
    return {
        "planned_hours_per_week": {s: round(v, 2) for s, v in planned.items()},
        "held_hours_per_week": {s: round(float(v.mean()), 2) for s, v in held.items()},
        "cadences": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "rrule": c.rrule,
                "hours": duration[c.id],
                "sections": list(c.sections or plan.sections),
            }
            for c in plan.score.cadences
        ],
        "first_occurrences": sorted(calendar, key=lambda row: row["at"]),
    }


def _local_iso(plan: Plan, epoch: int) -> str:
    return datetime.fromtimestamp(epoch, plan.zone).isoformat()


def _burnup(outcomes: Outcomes) -> dict[str, Any]:
    plan, setup = outcomes.plan, outcomes.setup
    offset = (setup.start.day - plan.score.starts).days
    last = offset + setup.days
    result = {}
    for section in plan.sections:
        cumulative = np.zeros((outcomes.runs, last), dtype=np.float64)
        for i, record in enumerate(outcomes.records):
            per_day = record.daily_done.get(section, {})
            row = np.zeros(last)
            for day, count in per_day.items():
                if 0 <= day < last:
                    row[day] += count
            cumulative[i] = np.cumsum(row)
        fan = np.percentile(cumulative, FAN, axis=0)
        result[section] = {
            "scope": sum(m.estimate for m in plan.in_section[section]),
            "first_day": plan.score.starts.isoformat(),
            "simulated_from": offset,
            **{f"p{p}": [round(v, 2) for v in fan[i].tolist()] for i, p in enumerate(FAN)},
        }
    return result
