"""Monte Carlo forecasts from the log's own throughput (the `breakdown` rule and the figures).

A trial replays days drawn at random from the recent history (the last four weeks, idle
days included, stretched back to each section's latest day of finished work); on each
drawn day every section does what it did that day, so the sections' good and bad days
stay together. The target is done when every section has done its share of the remaining
work. The generator is seeded from the ensemble, the subject and the instant: a replay
draws the same numbers. NumPy draws the trials, because the check runs for every
commitment at every cycle boundary of every ensemble and pure-Python sampling cost twenty
times as much.
"""

import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from conductor.core.measures import remaining
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState

TRIALS = 200
HISTORY_DAYS = 28
HORIZON_DAYS = 730
"""Forecast dates further than two years out are reported as none."""
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Forecast:
    probability: float
    """Share of trials done by the deadline."""
    p50_days: int | None
    p85_days: int | None
    """Days (today counted) within which 50% / 85% of trials are done; None: not in two years."""


def forecast(
    state: EnsembleState, plan: Plan, subject: str, targets: tuple[str, ...], by: int
) -> Forecast:
    """How likely the targets and their unreached dependencies are done by the instant `by`,
    and when they are done in half and in 85% of the trials."""
    finish = np.sort(Trials(state, plan, subject, targets).finish_days())
    days_left = (by - state.now) // DAY
    probability = float(np.count_nonzero(finish <= days_left)) / TRIALS
    return Forecast(probability, _percentile(finish, 0.5), _percentile(finish, 0.85))


class Trials:
    """Seeded trials for one target: each section's remaining work and daily history."""

    def __init__(
        self, state: EnsembleState, plan: Plan, subject: str, targets: tuple[str, ...]
    ) -> None:
        work = _work_by_section(state, plan, targets)
        self.work = np.fromiter(work.values(), dtype=np.int64, count=len(work))
        today = max(0, plan.day_index(state.now))
        days = range(_first_history_day(state, list(work), today), today)
        # Floats, which count exactly here: NumPy multiplies integer matrices without BLAS.
        self.history = np.array(
            [[state.daily_done.get(section, {}).get(day, 0) for day in days] for section in work],
            dtype=np.float64,
        ).reshape(len(work), len(days))
        self.rng = np.random.Generator(np.random.PCG64(_seed(state.ensemble, subject, state.now)))

    def share_done(self, days: int) -> float:
        """Share of trials in which every section's work is done within `days` days.

        Only the sums matter here, so each trial counts how often it drew each known day."""
        sections, known = self.history.shape
        if sections == 0:
            return 1.0
        if days <= 0 or known == 0:
            return 0.0
        drawn = self.rng.integers(0, known, size=(TRIALS, days))
        cells = (_trial_offsets(known) + drawn).ravel()
        times_drawn = np.bincount(cells, minlength=TRIALS * known).reshape(TRIALS, known)
        done = times_drawn.astype(np.float64) @ self.history.T >= self.work
        return float(np.count_nonzero(done.all(axis=1))) / TRIALS

    def finish_days(self) -> NDArray[np.int64]:
        """Per trial, the days within which all is done (HORIZON_DAYS + 1: not by then)."""
        sections, known = self.history.shape
        if sections == 0:
            return np.zeros(TRIALS, dtype=np.int64)
        never = np.full(TRIALS, HORIZON_DAYS + 1, dtype=np.int64)
        if known == 0:
            return never
        drawn = self.rng.integers(0, known, size=(TRIALS, HORIZON_DAYS))
        done = np.cumsum(self.history[:, drawn], axis=2) >= self.work[:, None, None]
        per_section = np.where(done.any(axis=2), done.argmax(axis=2) + 1, never)
        finish: NDArray[np.int64] = per_section.max(axis=0)
        return finish


def _work_by_section(state: EnsembleState, plan: Plan, targets: tuple[str, ...]) -> dict[str, int]:
    """Remaining work items per section, in the score's dependency order (stable draws)."""
    involved = plan.with_dependencies(targets)
    work: dict[str, int] = {}
    for milestone_id in plan.order:
        left = remaining(state, plan, milestone_id) if milestone_id in involved else 0
        if left:
            section = plan.milestones[milestone_id].section
            work[section] = work.get(section, 0) + left
    return work


def _first_history_day(state: EnsembleState, sections: list[str], today: int) -> int:
    """The last four weeks, stretched back to each section's latest day of finished work:
    a section that waited on others' milestones is judged by the pace it last showed."""
    first = today - HISTORY_DAYS
    for section in sections:
        active = [day for day, done in state.daily_done.get(section, {}).items() if done]
        latest = max((day for day in active if day < today), default=None)
        if latest is not None:
            first = min(first, latest)
    return max(0, first)


@cache
def _trial_offsets(known: int) -> NDArray[np.int64]:
    """Each trial's first cell in a flat (trial, day) count table, as a column."""
    offsets: NDArray[np.int64] = np.arange(TRIALS, dtype=np.int64)[:, None] * known
    return offsets


def _percentile(ordered: NDArray[np.int64], share: float) -> int | None:
    days = int(ordered[min(ordered.size - 1, int(share * ordered.size))])
    return None if days > HORIZON_DAYS else days


def _seed(*parts: object) -> int:
    key = "|".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")
