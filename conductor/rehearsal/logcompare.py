"""`rehearse SCORE_A --events LOG --compare SCORE_B`: what a second score (a pilot) would have
changed on a recorded log, such as one exported from the runtime.

The log is replayed against A (its own publications count, as the runtime recorded them)
and against B (the log's publications give way to B's, published at its start). The cues
that only one of them sends (cues are the same cue, with the same id, when kind, subject,
recipient and window agree) and each commitment's forecast at the end are set side by side.
Only the score's ensemble is replayed (other ensembles' lines are skipped unread); lines that
cannot be read or that A refuses are reported.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conductor.io.eventlog import BadLine, read_events
from conductor.rehearsal.errors import EnsembleFilter, RehearsalError
from conductor.rehearsal.replay import Rehearsal
from conductor.rehearsal.report import heading, table
from schemas import Cue, Score

SCORE_EVENTS = frozenset({"score.published", "score.revised"})
LISTED = 200
"""Cues listed per side in the report (all are counted)."""


@dataclass
class LogComparison:
    data: dict[str, Any]
    sections: list[str]


def compare_on_log(score_a: Score, score_b: Score, lines: Sequence[bytes]) -> LogComparison:
    if score_b.ensemble != score_a.ensemble:
        raise RehearsalError(
            f"--compare: the pilot's ensemble {score_b.ensemble!r} is not the score's "
            f"{score_a.ensemble!r}: both are rehearsed on the same log"
        )
    a, b = Rehearsal(score_a), Rehearsal(score_b)
    problems: list[str] = []
    keep = EnsembleFilter(score_a.ensemble)
    for number, item in read_events(lines, keep):
        if isinstance(item, BadLine):
            problems.append(str(item))
            continue
        outcome = a.feed(item)
        if outcome.rejection is not None:
            problems.append(f"line {number}: event {item.id!r}: {outcome.rejection}")
        if not (item.type in SCORE_EVENTS and item.ensemble == score_b.ensemble):
            b.feed(item)
    keep.require_some("--events")
    cues_a, cues_b = a.finish(), b.finish()
    ids_a, ids_b = {cue.id for cue in cues_a}, {cue.id for cue in cues_b}
    only_a = [cue for cue in cues_a if cue.id not in ids_b]
    only_b = [cue.model_copy(update={"pilot": True}) for cue in cues_b if cue.id not in ids_a]
    figures_a = a.session.figures(score_a.ensemble) or {}
    figures_b = b.session.figures(score_b.ensemble) or {}
    by_kind_a = dict(sorted(Counter(c.kind.value for c in only_a).items()))
    by_kind_b = dict(sorted(Counter(c.kind.value for c in only_b).items()))
    data: dict[str, Any] = {
        "kind": "log-compare",
        "scores": [score_a.score, score_b.score],
        "title": f"{score_a.score} against the pilot {score_b.score}",
        "cues": {"a": len(cues_a), "b": len(cues_b), "only_a": len(only_a), "only_b": len(only_b)},
        "only_a_by_kind": by_kind_a,
        "only_b_by_kind": by_kind_b,
        "only_a": [cue.model_dump(mode="json") for cue in only_a[:LISTED]],
        "only_b": [cue.model_dump(mode="json") for cue in only_b[:LISTED]],
        "commitments": {
            "a": figures_a.get("commitments", {}),
            "b": figures_b.get("commitments", {}),
        },
        "problems": problems,
    }
    sections = [
        heading(
            "What the pilot would have changed",
            f"{len(cues_a)} cues under {score_a.score}, {len(cues_b)} under {score_b.score}: "
            f"{len(only_b)} only the pilot sends, {len(only_a)} only the live score sends.",
        ),
        table(
            ("kind", f"only {score_a.score}", f"only {score_b.score}"),
            [
                (kind, by_kind_a.get(kind, 0), by_kind_b.get(kind, 0))
                for kind in sorted(set(by_kind_a) | set(by_kind_b))
            ],
        ),
        heading(f"Cues only {score_b.score} (the pilot) sends"),
        _cue_table(only_b),
        heading(f"Cues only {score_a.score} sends"),
        _cue_table(only_a),
    ]
    return LogComparison(data, sections)


def _cue_table(cues: list[Cue]) -> str:
    return table(
        ("at", "kind", "to", "reason"),
        [(cue.at.isoformat(), cue.kind.value, _to(cue), cue.reason) for cue in cues[:LISTED]],
    )


def _to(cue: Cue) -> str:
    ((kind, name),) = cue.to.model_dump().items()
    return f"{kind}:{name}"
