"""The benchmark log: many simulated ensembles, merged into one time-ordered JSON Lines file."""

import heapq
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from conductor.core.publication import publication_at_start
from conductor.io.scorefile import load_score
from conductor.rehearsal.simulate import Pace, simulate_team
from schemas import Event, Score

EXAMPLE = Path(__file__).parents[1] / "examples" / "score.yaml"
BUSY_TEAM = Pace(finish_chance=0.3)
DAYS = 91
"""Thirteen weeks: the ten-week plan and the slip the busy team still has at its end."""


@cache
def _example() -> Score:
    """Read once: a thousand ensembles' scores are built from it."""
    return load_score(EXAMPLE)


def bench_score(index: int) -> Score:
    """The example score scaled to a larger team: seven times the work, three times the WIP."""
    base = _example()
    ensemble = f"team-{index:04d}"
    data = base.model_dump(mode="json")
    data.update(score=f"{ensemble}-launch", ensemble=ensemble)
    for milestone in data["milestones"]:
        milestone["estimate"] *= 7
    data["tempo"]["wip_limit"] = {k: v * 3 for k, v in data["tempo"]["wip_limit"].items()}
    return Score.model_validate(data)


def ensemble_log(index: int) -> Iterator[Event]:
    score = bench_score(index)
    yield publication_at_start(score)
    yield from simulate_team(score, seed=index, days=DAYS, pace=BUSY_TEAM)


def write_log(path: Path, ensembles: int, events: int) -> int:
    """Merge the ensembles' logs by time; stop after `events` lines. Returns the count."""
    merged = heapq.merge(*(ensemble_log(i) for i in range(ensembles)), key=lambda e: e.occurred_at)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for event in merged:
            out.write(event.model_dump_json(exclude_none=True) + "\n")
            written += 1
            if written == events:
                break
    return written
