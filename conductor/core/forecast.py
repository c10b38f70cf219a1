"""Monte Carlo forecasts from the log's own throughput, dependencies respected (the
`breakdown` rule, the figures, rehearsal's back-test).

Each of the trials replays days drawn at random from every section's recent history: its
last four weeks' worth of days (looked for within sixteen) on which it had at least as much
open work as it ever finished in a day. A day when its milestones waited on others', or it
finished the last of its open work, says nothing of its pace, and counting it would make
every forecast after a wait too slow (the trials meet their own waits). The team's days off
(weekdays on which no section finished anything in four weeks) add nothing; any other day
is drawn from the section's working days, one draw per trial and day picking the same
place in every section's history, so the sections' good and bad days stay together. Each
trial first resamples that history (a bootstrap), so the trials carry the uncertainty of
the pace a few weeks show as well as its spread.

Within a trial, a section spends each day's throughput on its milestones in the plan's work
order (`Plan.work_order`: dependencies first, then the earliest due): all of it on the first
milestone it can work on, what is left on the next. A milestone can be worked from the day
after its last dependency is done, so a chain finishes no earlier than its links in
sequence. Every unreached milestone of the plan is simulated, so one set of trials answers
for every milestone and commitment at that instant.

The draws are seeded from the ensemble and the instant (`conductor.core.draws`, which keeps
them for the last seeds): a replay draws the same numbers, and a longer simulation draws the
same first days. NumPy does the work (per milestone a few operations on a days x trials
array), because the check runs for every commitment at every cycle boundary of every
ensemble.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from conductor.core import draws
from conductor.core.measures import remaining
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState

TRIALS = 200
HISTORY_DAYS = 28
LOOKBACK_DAYS = 112
"""How far back a section's history is looked for: its last four weeks of work within the
last sixteen."""
HORIZON_DAYS = 730
"""Forecast dates further than two years out are reported as none."""
FIRST_SPAN = 128
"""Days a forecast of finish dates simulates first; more (up to the horizon) only when some
trial is not done by then."""
DAY = 86_400
NEVER = HORIZON_DAYS + 1
"""A finish day meaning "not within the simulated days"."""


@dataclass(frozen=True, slots=True)
class Forecast:
    probability: float
    """Share of trials done by the deadline."""
    p50_days: int | None
    p85_days: int | None
    """Days (today counted) within which 50% / 85% of trials are done; None: not in two years.
    0 when everything is already reached."""


class Trials:
    """Seeded trials of the plan's remaining work over `days` days (today is day 1)."""

    def __init__(self, state: EnsembleState, plan: Plan, days: int) -> None:
        self.state = state
        self.days = max(1, min(days, HORIZON_DAYS))
        self.finish: dict[str, NDArray[np.int64]] = {}
        """Per unreached milestone, per trial: the day it is done (0: nothing was left;
        `NEVER`: not within `days`)."""
        self.stalled: set[str] = set()
        """Milestones never done however long the trials run: their section (or that of a
        dependency) finished nothing in its history."""
        self._simulate(plan)

    def finish_days(self, targets: tuple[str, ...]) -> NDArray[np.int64]:
        """Per trial, the day by which every target is done (reached ones count as day 0)."""
        finish = np.zeros(TRIALS, dtype=np.int64)
        for target in targets:
            found = self.finish.get(target)
            if found is not None:
                finish = np.maximum(finish, found)
        return finish

    def share_done(self, targets: tuple[str, ...], days: int) -> float:
        """Share of trials in which every target is done within `days` days (at most the
        days simulated)."""
        if days < 0:
            return 0.0
        done = self.finish_days(targets) <= min(days, self.days)
        return float(np.count_nonzero(done)) / TRIALS

    def _simulate(self, plan: Plan) -> None:
        state, days = self.state, self.days
        open_milestones = [m for m in plan.work_order if m not in state.reached]
        if not open_milestones:
            return
        today = max(0, plan.day_index(state.now))
        sections = list(dict.fromkeys(plan.milestones[m].section for m in open_milestones))
        histories = {section: _history(state, plan, section, today) for section in sections}
        first = plan.score.starts.toordinal() + today
        rest = rest_weekdays(state, plan, today)
        working = None
        if rest:
            weekday_works = np.asarray([weekday not in rest for weekday in range(7)])
            working = weekday_works[(first + np.arange(days)) % 7]
        day_seed = draws.seed(state.ensemble, state.now)
        bootstrap_seed = draws.seed(state.ensemble, state.now, "h")
        free: dict[str, NDArray[np.int32]] = {}
        taken = 0  # one stream for every section's bootstrap, taken in turn
        for section, history in histories.items():
            values = np.asarray(
                [done for day, done in history if (first - today + day) % 7 not in rest],
                dtype=np.int32,
            )
            if not values.size:
                free[section] = np.zeros((days + 1, TRIALS), dtype=np.int32)
                continue
            # Each trial first resamples the history (a bootstrap), so the trials carry the
            # uncertainty of the pace a few weeks show, not only its spread; then each day
            # draws from its trial's sample, the same relative place in every section's.
            sample = values.take(
                draws.picks(bootstrap_seed, taken, TRIALS, values.size, values.size)
            )
            places = draws.spread_picks(day_seed, days, TRIALS, values.size)
            free[section] = _capacity(sample, places, working)
            taken += TRIALS * values.size
        spent = np.empty((days + 1, TRIALS), dtype=np.int32)
        for milestone_id in open_milestones:
            milestone = plan.milestones[milestone_id]
            ready = np.zeros(TRIALS, dtype=np.int64)  # the day its last dependency is done
            for dependency in milestone.depends_on:
                found = self.finish.get(dependency)
                if found is not None:
                    ready = np.maximum(ready, found)
            work = remaining(state, plan, milestone_id)
            if any(dependency in self.stalled for dependency in milestone.depends_on) or (
                work and not any(done for _, done in histories[milestone.section])
            ):
                self.stalled.add(milestone_id)
            if work == 0:
                self.finish[milestone_id] = ready
                continue
            if milestone.depends_on:
                # Before the earliest day it can be worked in any trial, nothing is spent on it.
                first = min(int(ready.min()), days)
                capacity = free[milestone.section][first:]
                used = spent[: capacity.shape[0]]
                np.subtract(capacity, capacity[np.minimum(ready, days) - first, _TRIAL], out=used)
                # (the method: half of np.clip's cost here, and of np.maximum's and np.minimum's)
                used.clip(0, work, out=used)
            else:  # worked from day 0, when nothing is spent yet: all it can use, up to its work
                capacity = free[milestone.section]
                used = spent
                np.minimum(capacity, work, out=used)
            capacity -= used
            # (a sum of bytes, not count_nonzero: along an axis that is five times slower)
            done_days = np.add.reduce((used >= work).view(np.uint8), axis=0, dtype=np.int64)
            self.finish[milestone_id] = np.where(done_days > 0, days + 1 - done_days, NEVER)

    def probability(self, targets: tuple[str, ...], by: int) -> float:
        """Share of trials in which the targets are done by the instant `by` (for targets
        already reached: 1 if they were reached by then, else 0)."""
        reached = self.state.reached
        if all(target in reached for target in targets):
            return 1.0 if all(reached[target] < by for target in targets) else 0.0
        return self.share_done(targets, (by - self.state.now) // DAY)


def _history(state: EnsembleState, plan: Plan, section: str, today: int) -> list[tuple[int, float]]:
    """The section's finished work per day, as (day index, items), on its last four weeks'
    worth of days (within sixteen) that it had at least as much work it could do as it ever
    finished in a day; without such days, on the days it had any.

    A day when its milestones waited on others', or it finished the last of its open work,
    says nothing of its pace (the trials meet their own waits and ends of work); a section
    that waited for weeks is judged by the pace it showed before."""
    per_day = state.daily_done.get(section, {})
    first = max(0, today - LOOKBACK_DAYS)
    opens: list[tuple[int, int]] = []
    """(the first day a milestone could be worked, its estimate)"""
    for milestone in plan.in_section.get(section, ()):
        start: int | None = 0
        for dependency in milestone.depends_on:
            reached = state.reached.get(dependency)
            if reached is None:
                start = None
                break
            start = max(start or 0, plan.day_index(reached) + 1)
        if start is not None:
            opens.append((start, milestone.estimate))
    opens.sort()
    most = max((done for day, done in per_day.items() if first <= day < today), default=1)
    full = max(1, min(most, plan.wip_limit.get(section, most)))
    """Open work a day needs not to have held the section back: the most it finished in a
    day (at most its WIP limit)."""
    finished = sum(done for day, done in per_day.items() if day < first)
    opened, index = 0, 0
    days: list[tuple[int, float]] = []
    some: list[tuple[int, float]] = []
    for day in range(first, today):
        while index < len(opens) and opens[index][0] <= day:
            opened += opens[index][1]
            index += 1
        open_work = opened - finished
        done = per_day.get(day, 0)
        if open_work >= full:
            days.append((day, float(done)))
        if open_work > 0 or done:
            some.append((day, float(done)))
        finished += done
    return days[-HISTORY_DAYS:] or some[-HISTORY_DAYS:]


def rest_weekdays(state: EnsembleState, plan: Plan, today: int) -> frozenset[int]:
    """The team's days off, as ordinals modulo 7: the weekdays on which no section finished
    anything in the last four weeks, each seen at least twice (none if that is every day)."""
    first = max(0, today - HISTORY_DAYS)
    zero = plan.score.starts.toordinal()
    seen = [0] * 7
    for day in range(first, today):
        seen[(zero + day) % 7] += 1
    busy: set[int] = set()
    for per_day in state.daily_done.values():
        for day, done in per_day.items():
            if done and first <= day < today:
                busy.add((zero + day) % 7)
    rest = frozenset(w for w in range(7) if seen[w] >= 2 and w not in busy)
    return rest if len(rest) < 7 else frozenset()


def _capacity(
    sample: NDArray[np.int32], places: NDArray[np.int64], working: NDArray[np.bool_] | None
) -> NDArray[np.int32]:
    """Cumulative throughput per (day, trial), day 0 a row of zeros: each day's drawn from
    `sample` (per trial, its bootstrap of the section's history) at `places` (per day and
    trial, in the trials' samples laid end to end). A day off of the team (False in
    `working`) adds nothing. (32-bit counts: half the memory of 64-bit ones, and every count
    fits.)"""
    days, trials = places.shape
    free = np.zeros((days + 1, trials), dtype=np.int32)
    drawn = sample.ravel().take(places)
    if working is not None:
        drawn *= working[:, None]
    np.cumsum(drawn, axis=0, out=free[1:])
    return free


def forecasts(
    state: EnsembleState, plan: Plan, targets: dict[str, tuple[tuple[str, ...], int]]
) -> dict[str, Forecast]:
    """For each subject, the forecast of its target milestones by its deadline (an instant),
    from one set of trials, simulated as far as the slowest trial needs (up to two years)."""
    needed = tuple(m for milestones, _ in targets.values() for m in milestones)
    span = FIRST_SPAN
    trials = Trials(state, plan, span)
    while span < HORIZON_DAYS and bool(np.any(trials.finish_days(_live(trials, needed)) > span)):
        span = min(HORIZON_DAYS, span * 4)
        trials = Trials(state, plan, span)
    return {
        subject: _forecast(state, plan, trials, milestones, by)
        for subject, (milestones, by) in targets.items()
    }


def forecast(
    state: EnsembleState, plan: Plan, subject: str, targets: tuple[str, ...], by: int
) -> Forecast:
    """How likely the targets (and so their dependencies) are done by the instant `by`, and
    when they are done in half and in 85% of the trials."""
    return forecasts(state, plan, {subject: (targets, by)})[subject]


def _live(trials: Trials, milestones: tuple[str, ...]) -> tuple[str, ...]:
    """The milestones a longer simulation could still see done."""
    return tuple(m for m in milestones if m not in trials.stalled)


def _forecast(
    state: EnsembleState, plan: Plan, trials: Trials, targets: tuple[str, ...], by: int
) -> Forecast:
    finish = np.sort(trials.finish_days(targets))
    probability = trials.probability(targets, by)
    return Forecast(probability, _percentile(finish, 0.5), _percentile(finish, 0.85))


def _percentile(ordered: NDArray[np.int64], share: float) -> int | None:
    days = int(ordered[min(ordered.size - 1, int(share * ordered.size))])
    return None if days > HORIZON_DAYS else days


_TRIAL = np.arange(TRIALS)
