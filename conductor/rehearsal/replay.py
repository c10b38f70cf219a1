"""`conductor rehearse`: a recorded log through the core, reported as a table or JSON Lines."""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from rich.console import Console

from conductor.core import Outcome
from conductor.core.publication import publication_at_start
from conductor.io.cuetable import cue_table
from conductor.io.eventlog import BadLine, read_events
from conductor.session.ensembles import Session
from schemas import Cue, Score
from schemas.events import Event


@dataclass
class Rehearsal:
    """Feed validated events in log order, then `finish`; cues come out in time order, and
    ensemble by ensemble at the same instant (so that a log folded in shards of ensembles
    merges into the same order). The score is published at its `starts` unless the log
    publishes it first."""

    score: Score | None = None
    session: Session = field(default_factory=Session)
    cues: list[Cue] = field(default_factory=list)
    rejected: list[Outcome] = field(default_factory=list)
    latest: datetime | None = None
    _published: bool = False

    def feed(self, event: Event) -> Outcome:
        if self.score is not None and not self._published and event.ensemble == self.score.ensemble:
            self._published = True
            if event.type != "score.published":
                self._record(self.session.apply(publication_at_start(self.score)))
        if self.latest is None or event.occurred_at > self.latest:
            self.latest = event.occurred_at
        outcome = self.session.apply(event)
        self._record(outcome)
        return outcome

    def finish(self, until: datetime | None = None) -> list[Cue]:
        """Tick through every deadline up to `until` (default: the newest event)."""
        if self.score is not None and not self._published:
            self._published = True
            self._record(self.session.apply(publication_at_start(self.score)))
        end = until or self.latest
        if end is not None:
            self.cues.extend(self.session.advance(end))
        return sorted(self.cues, key=lambda cue: (cue.at, cue.ensemble))

    def _record(self, outcome: Outcome) -> None:
        self.cues.extend(outcome.cues)
        if outcome.rejection is not None:
            self.rejected.append(outcome)


@dataclass
class Printout:
    """What `conductor rehearse` prints, however the log was folded: the cues as JSON (in
    time order), the rejected lines, the summary of the score's ensemble."""

    cue_lines: list[str]
    rejected: list[str]
    summary: str
    timezone: str
    notes: list[str] = field(default_factory=list)
    """What the operator asked for and did not get (an `--until` before the log's end)."""

    def print(self, out: TextIO, err: TextIO, as_jsonl: bool) -> None:
        if as_jsonl:
            out.writelines(line + "\n" for line in self.cue_lines)
        else:
            cues = [Cue.model_validate_json(line) for line in self.cue_lines]
            Console(file=out, width=160).print(cue_table(cues, self.timezone))
        console = Console(file=err, width=160)
        for problem in self.rejected:
            console.print(f"[red]rejected[/red] {problem}", highlight=False)
        for note in self.notes:
            console.print(f"[yellow]note[/yellow] {note}", highlight=False)
        console.print(self.summary, highlight=False)


@dataclass
class RehearsalReport:
    score: Score
    rehearsal: Rehearsal
    cues: list[Cue]
    rejected: list[str]

    until: datetime | None = None

    def printout(self) -> Printout:
        return Printout(
            [cue.model_dump_json() for cue in self.cues],
            self.rejected,
            summary(score_figures(self.rehearsal, self.score), len(self.rejected), len(self.cues)),
            self.score.timezone,
            until_notes(self.until, self.rehearsal.latest),
        )


def until_notes(until: datetime | None, latest: datetime | None) -> list[str]:
    """Deadlines fire up to the log's last event whatever `--until` says: an earlier one is
    said, not silently ignored."""
    if until is None or latest is None or until >= latest:
        return []
    return [
        f"--until {until.isoformat()} is before the log's last event ({latest.isoformat()}): "
        "the log was replayed whole and its deadlines fired up to that event"
    ]


class Progress:
    """Says on `out`, every `every` seconds, how far a long replay has come (a log of
    millions of events takes minutes, and a silent command looks hung)."""

    LINES_BETWEEN_LOOKS = 10_000
    """Lines folded between two looks at the clock (a look costs more than a line)."""

    def __init__(self, out: TextIO, label: str = "rehearse", every: float = 5.0) -> None:
        self.out = out
        self.label = label
        self.every = every
        self._last = time.monotonic()

    def update(self, lines: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            print(f"{self.label}: {lines:,} lines folded", file=self.out, flush=True)


def rehearse_file(
    score: Score, lines: Iterable[bytes], until: datetime | None, progress: Progress | None = None
) -> RehearsalReport:
    """Replay a JSONL log in this process; invalid lines and rejected events are reported,
    never fatal."""
    rehearsal = Rehearsal(score)
    problems = fold_log(rehearsal, read_events(lines), progress)
    cues = rehearsal.finish(until)
    return RehearsalReport(score, rehearsal, cues, [problem for _, problem in problems], until)


def fold_log(
    rehearsal: Rehearsal,
    events: Iterable[tuple[int, Event | BadLine]],
    progress: Progress | None = None,
) -> list[tuple[int, str]]:
    """Feed numbered events in log order; the problems (bad lines, rejected events) come
    back with their line numbers."""
    problems: list[tuple[int, str]] = []
    for number, item in events:
        if progress is not None and number % Progress.LINES_BETWEEN_LOOKS == 0:
            progress.update(number)
        if isinstance(item, BadLine):
            problems.append((number, str(item)))
            continue
        outcome = rehearsal.feed(item)
        if outcome.rejection is not None:
            problems.append((number, f"line {number}: event {item.id!r}: {outcome.rejection}"))
    return problems


def score_figures(rehearsal: Rehearsal, score: Score) -> dict[str, Any] | None:
    """The figures of the score's ensemble, if the rehearsal gave it a score."""
    return rehearsal.session.figures(score.ensemble)


def summary(data: dict[str, Any] | None, rejected: int, cues: int) -> str:
    if data is None:
        return "no events for the score's ensemble"
    adherence = ", ".join(
        f"{cadence} {values['held']}/{values['due']}"
        for cadence, values in data["cadences"].items()
    )
    reached = sum(1 for m in data["milestones"].values() if m["status"] == "reached")
    lines = [
        f"ensemble {data['ensemble']} at {data['now']}: {data['events_accepted']} events accepted, "
        f"{rejected} rejected, {cues} cues",
        f"cadences held: {adherence}",
        f"milestones reached: {reached}/{len(data['milestones'])}; "
        f"critical path: {' > '.join(data['critical_path']) or '—'}",
    ]
    for commitment, values in data["commitments"].items():
        outlook = values["forecast"]
        lines.append(
            f"commitment {commitment} by {values['by']}: {outlook['probability']:.0%} likely "
            f"(needs {values['confidence']:.0%}); done by {outlook['p50'] or 'over two years'} "
            f"(P50), {outlook['p85'] or 'over two years'} (P85)"
        )
    return "\n".join(lines)
