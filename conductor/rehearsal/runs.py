"""Many simulated runs of a score through the real core (`rehearse --simulate`), over processes.

Each run is a simulated team (`conductor.rehearsal.team`) working the score from where it
starts, its events folded by a fresh engine (or a copy of the state a recorded log
reached), time compressed, nothing delivered. A run's seed is derived from the rehearsal's
seed and the run's number alone, and results are gathered in run order, so the same seed
gives the same figures bit for bit whatever `--jobs` is. Runs are spread over forked
processes (`--jobs`); a Rich progress bar counts them as they finish.
"""

import copy
import hashlib
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conductor.core import EnsembleEngine
from conductor.core.publication import publication_at_start
from conductor.core.rules.budget import folded_count
from conductor.core.timeutil import to_datetime, to_epoch
from conductor.rehearsal.team import Start, Team, TeamModel
from schemas import Cue, CueKind, Score


@dataclass
class Setup:
    """What every run of one score starts from."""

    score: Score
    model: TeamModel
    start: Start
    days: int
    seed: int
    state: dict[str, Any] | None = None
    """The engine state a recorded log reached (`state.to_dict()`); None: the score's start."""


@dataclass
class RunRecord:
    """What one run did, in numbers the report aggregates."""

    reached: dict[str, int]
    """Milestone -> the instant it was reached (those reached before the run included)."""
    daily_done: dict[str, dict[int, int]]
    """Section -> day index (since the score starts) -> items finished."""
    cues: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    """(kind, recipient, week of the run) -> cues."""
    folded: Counter[tuple[str, int]] = field(default_factory=Counter)
    """(recipient, week) -> cues the daily budget folded into digests."""
    held: Counter[tuple[str, int]] = field(default_factory=Counter)
    """(cadence, week) -> ceremonies held."""
    rejected: int = 0
    sample: list[Cue] = field(default_factory=list)
    """The first run's cues (flagged `rehearsal`), for the report to show some."""


def run_seed(seed: int, index: int) -> int:
    key = f"{seed}|{index}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def first_engine(setup: Setup) -> EnsembleEngine:
    if setup.state is not None:
        return EnsembleEngine.restore(copy.deepcopy(setup.state))
    engine = EnsembleEngine.new(setup.score.ensemble)
    outcome = engine.apply(publication_at_start(setup.score))
    assert outcome.accepted, outcome.rejection
    return engine


def simulate_run(setup: Setup, index: int) -> RunRecord:
    """One run: the team's events folded by the core, deadlines fired to the run's end."""
    engine = first_engine(setup)
    plan = engine.plan
    offset = (setup.start.day - setup.score.starts).days
    team = Team(plan, setup.model, setup.start, run_seed(setup.seed, index), f"run{index}")
    record = RunRecord(reached={}, daily_done={})
    cues: list[Cue] = []
    for event in team.events(setup.days):
        outcome = engine.apply(event)
        if outcome.rejection is not None:
            record.rejected += 1
            continue
        cues += outcome.cues
        if event.type == "ceremony.held":
            week = (plan.day_index(to_epoch(event.occurred_at)) - offset) // 7
            record.held[(event.data.cadence, week)] += 1
    end = plan.days.midnight(date.toordinal(setup.start.day) + setup.days)
    cues += engine.advance(to_datetime(end))
    for cue in cues:
        week = (plan.day_index(to_epoch(cue.at)) - offset) // 7
        recipient = _recipient(cue)
        record.cues[(cue.kind.value, recipient, week)] += 1
        if cue.kind is CueKind.DIGEST:
            record.folded[(recipient, week)] += folded_count(cue)
    record.reached = dict(engine.state.reached)
    record.daily_done = {s: dict(days) for s, days in engine.state.daily_done.items()}
    if index == 0:
        record.sample = [cue.model_copy(update={"rehearsal": True}) for cue in cues]
    return record


def _recipient(cue: Cue) -> str:
    ((kind, name),) = cue.to.model_dump().items()
    return f"{kind}:{name}"


_SETUPS: Sequence[Setup] = ()
"""The setups a forked pool's workers inherit (set just before the pool forks)."""


def _run(task: tuple[int, int]) -> tuple[int, int, RunRecord]:
    which, index = task
    return which, index, simulate_run(_SETUPS[which], index)


def run_all(
    setups: Sequence[Setup],
    runs: int,
    jobs: int,
    progress: Callable[[int], None] = lambda which: None,
) -> list[list[RunRecord]]:
    """`runs` runs of every setup (the same seeds for each), in `jobs` processes; per setup,
    the records in run order. `progress(which)` is called as each run finishes."""
    global _SETUPS
    tasks = [(which, index) for index in range(runs) for which in range(len(setups))]
    results: list[list[RunRecord | None]] = [[None] * runs for _ in setups]
    if jobs <= 1:
        finished: Iterator[tuple[int, int, RunRecord]] = (
            (which, index, simulate_run(setups[which], index)) for which, index in tasks
        )
        _collect(finished, results, progress)
    else:
        _SETUPS = setups
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(jobs) as pool:
                chunk = max(1, min(16, len(tasks) // (jobs * 8)))
                _collect(pool.imap_unordered(_run, tasks, chunksize=chunk), results, progress)
        finally:
            _SETUPS = ()
    return [[record for record in records if record is not None] for records in results]


def _collect(
    finished: Iterator[tuple[int, int, RunRecord]],
    results: list[list[RunRecord | None]],
    progress: Callable[[int], None],
) -> None:
    for which, index, record in finished:
        results[which][index] = record
        progress(which)
