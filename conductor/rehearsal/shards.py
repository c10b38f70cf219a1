"""`conductor rehearse --jobs N`: one log folded by N processes, each owning a share of the
ensembles (ensembles share no state, so each is folded whole, in log order, by one process).

Every process reads the whole file and validates and folds only its ensembles' lines. The
rehearsal ends at the newest event of the whole log, so each process reports its newest
time, gets the common end back, ticks to it and returns its cues as JSON. The cues merge by
(time, ensemble) and the problems by line number: the printout is the one a single process
gives, byte for byte.
"""

import heapq
import multiprocessing
import sys
import traceback
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from conductor.errors import ConductorError
from conductor.io.eventlog import read_events
from conductor.rehearsal.replay import (
    Printout,
    Progress,
    Rehearsal,
    fold_log,
    score_figures,
    summary,
    until_notes,
)
from conductor.shards import line_shard, shard_of
from schemas import Score

SortedCue = tuple[float, str, str]
"""(epoch seconds, ensemble, the cue's JSON): the order single-process rehearsal prints in."""


@dataclass
class ShardResult:
    cues: list[SortedCue]
    problems: list[tuple[int, str]]
    figures: dict[str, Any] | None


@dataclass
class ShardFailure:
    shard: int
    trace: str


class ShardFailed(ConductorError):
    """A rehearsal process raised or died; the message carries its traceback."""


def rehearse_in_shards(
    score: Score, path: Path, until: datetime | None, jobs: int, progress: bool = False
) -> Printout:
    """Rehearse the JSONL log at `path` in `jobs` forked processes (each saying how far it
    has come on stderr, with `progress`)."""
    context = multiprocessing.get_context("fork")
    connections: list[Connection] = []
    workers = []
    for shard in range(jobs):
        ours, theirs = context.Pipe()
        worker = context.Process(
            target=_rehearse_shard,
            args=(score, path, shard, jobs, theirs, progress),
            daemon=True,
        )
        worker.start()
        theirs.close()
        connections.append(ours)
        workers.append(worker)
    try:
        newest = [_receive(connection, shard) for shard, connection in enumerate(connections)]
        latest = max((time for time in newest if time is not None), default=None)
        end = until or latest
        for connection in connections:
            connection.send(end)
        results = [_receive(connection, shard) for shard, connection in enumerate(connections)]
    except BaseException:
        for worker in workers:
            worker.kill()
        raise
    finally:
        for worker in workers:
            worker.join()
    cue_lines = [line for _, _, line in heapq.merge(*(result.cues for result in results))]
    problems = [problem for _, problem in heapq.merge(*(result.problems for result in results))]
    owner = results[shard_of(score.ensemble, jobs)]
    return Printout(
        cue_lines,
        problems,
        summary(owner.figures, len(problems), len(cue_lines)),
        score.timezone,
        until_notes(until, latest),
    )


def _receive(connection: Connection, shard: int) -> Any:
    try:
        message = connection.recv()
    except EOFError:
        raise ShardFailed(f"rehearsal process {shard} died") from None
    if isinstance(message, ShardFailure):
        raise ShardFailed(f"rehearsal process {message.shard} failed:\n{message.trace}")
    return message


def _rehearse_shard(
    score: Score, path: Path, shard: int, shards: int, parent: Connection, progress: bool
) -> None:
    """One process: fold this shard's lines, report the newest time, tick to the common end."""
    label = f"rehearse (process {shard + 1} of {shards})"
    reporter = Progress(sys.stderr, label) if progress else None
    try:
        owns_score = shard_of(score.ensemble, shards) == shard
        rehearsal = Rehearsal(score if owns_score else None)
        with path.open("rb") as lines:
            mine = read_events(lines, keep=lambda raw: line_shard(raw, shards) == shard)
            problems = fold_log(rehearsal, mine, reporter)
        parent.send(rehearsal.latest)
        cues = rehearsal.finish(parent.recv())
        parent.send(
            ShardResult(
                [(cue.at.timestamp(), cue.ensemble, cue.model_dump_json()) for cue in cues],
                problems,
                score_figures(rehearsal, score) if owns_score else None,
            )
        )
    except BaseException:
        parent.send(ShardFailure(shard, traceback.format_exc()))
    finally:
        parent.close()
