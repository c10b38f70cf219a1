"""Monte Carlo forecasts from the log's own throughput, and the `breakdown` rule.

Each trial resamples every section's recent daily throughput (days since the score began,
up to the last four weeks, idle days included) until the section's share of the remaining
work is done; the target is done when its slowest section is. The generator is seeded
from the ensemble, the subject and the instant, so a replay draws the same numbers.
"""

import hashlib
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conductor.core.cues import emit, progress_causes
from conductor.core.measures import remaining
from schemas import CueKind, Severity

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine

TRIALS = 200
HISTORY_DAYS = 28
HORIZON_DAYS = 730
"""A trial that has not finished in two years counts as never finishing."""


@dataclass(frozen=True, slots=True)
class Forecast:
    probability: float
    """Chance of finishing by the deadline given; None-free: 0.0 when it can never finish."""
    p50_day: int | None
    p85_day: int | None
    """Days from now by which the work is done in 50% / 85% of trials (None: beyond horizon)."""


def forecast(engine: "EnsembleEngine", subject: str, targets: tuple[str, ...], by: int) -> Forecast:
    """Forecast the targets (and their unreached dependencies) against the instant `by`."""
    state, plan = engine.state, engine.plan
    work: dict[str, int] = {}
    for milestone_id in sorted(plan.with_dependencies(targets)):
        left = remaining(engine, milestone_id)
        if left:
            section = plan.milestones[milestone_id].section
            work[section] = work.get(section, 0) + left
    if not work:
        return Forecast(1.0, 0, 0)
    today = max(0, (state.now - plan.start) // 86_400)
    first = max(0, today - HISTORY_DAYS)
    history = {
        section: [state.daily_done.get(section, {}).get(day, 0) for day in range(first, today)]
        for section in work
    }
    rng = random.Random(_seed(state.ensemble, subject, state.now))
    finishes = sorted(_trial(rng, work, history) for _ in range(TRIALS))
    days_left = (by - state.now) / 86_400
    probability = sum(1 for days in finishes if days <= days_left) / TRIALS
    return Forecast(probability, _percentile(finishes, 0.5), _percentile(finishes, 0.85))


def check_commitments(engine: "EnsembleEngine") -> None:
    """`breakdown` once per crossing below a commitment's confidence; again after recovery."""
    state, plan = engine.state, engine.plan
    for commitment in plan.commitments.values():
        result = forecast(engine, commitment.id, commitment.milestones, commitment.by_end)
        state.forecasts[commitment.id] = result.probability
        if result.probability >= commitment.confidence:
            state.in_breakdown.discard(commitment.id)
            continue
        if commitment.id in state.in_breakdown:
            continue
        state.in_breakdown.add(commitment.id)
        reason = (
            f"Commitment '{commitment.id}' is now forecast to be met with only "
            f"{result.probability:.0%} probability, below the committed "
            f"{commitment.confidence:.0%}: "
            "the team should re-plan scope, date or focus together."
        )
        emit(
            engine,
            CueKind.BREAKDOWN,
            f"ensemble:{state.ensemble}",
            commitment.id,
            f"breakdown@{state.now}",
            Severity.CRITICAL,
            reason,
            progress_causes(engine),
        )


def _trial(rng: random.Random, work: dict[str, int], history: dict[str, list[int]]) -> int:
    slowest = 0
    draw = rng.random
    for section, left in work.items():
        samples = history[section]
        if not samples or not any(samples):
            return HORIZON_DAYS + 1
        count = len(samples)
        done = days = 0
        while done < left:
            days += 1
            if days > HORIZON_DAYS:
                return HORIZON_DAYS + 1
            done += samples[int(draw() * count)]
        slowest = max(slowest, days)
    return slowest


def _percentile(sorted_days: list[int], share: float) -> int | None:
    days = sorted_days[min(len(sorted_days) - 1, int(share * len(sorted_days)))]
    return None if days > HORIZON_DAYS else days


def _seed(*parts: object) -> int:
    key = "|".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")
