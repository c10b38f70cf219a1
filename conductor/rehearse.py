"""`conductor rehearse`: a recorded log through the core, reported as a table or JSON Lines."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from conductor.core.figures import figures
from conductor.core.rehearsal import Rehearsal
from conductor.eventlog import BadLine, read_events
from schemas import Cue, Score


@dataclass
class RehearsalReport:
    score: Score
    rehearsal: Rehearsal
    cues: list[Cue]
    bad_lines: list[BadLine]
    rejected: list[str]

    def print(self, out: TextIO, err: TextIO, as_jsonl: bool) -> None:
        if as_jsonl:
            out.writelines(cue.model_dump_json() + "\n" for cue in self.cues)
        else:
            Console(file=out, width=160).print(cue_table(self.cues, self.score.timezone))
        console = Console(file=err, width=160)
        for problem in self.rejected:
            console.print(f"[red]rejected[/red] {problem}", highlight=False)
        console.print(summary(self), highlight=False)


def rehearse_file(score: Score, lines: Iterable[bytes], until: datetime | None) -> RehearsalReport:
    """Replay a JSONL log; invalid lines and rejected events are reported, never fatal."""
    rehearsal = Rehearsal(score)
    bad_lines: list[BadLine] = []
    rejected: list[str] = []
    for number, item in read_events(lines):
        if isinstance(item, BadLine):
            bad_lines.append(item)
            rejected.append(str(item))
            continue
        outcome = rehearsal.feed(item)
        if outcome.rejection is not None:
            rejected.append(f"line {number}: event {item.id!r}: {outcome.rejection}")
    cues = rehearsal.finish(until)
    return RehearsalReport(score, rehearsal, cues, bad_lines, rejected)


def cue_table(cues: list[Cue], timezone: str) -> Table:
    zone = ZoneInfo(timezone)
    table = Table(title=f"{len(cues)} cues", show_lines=False)
    for column in ("at", "kind", "to", "subject", "severity", "reason"):
        table.add_column(column, overflow="fold")
    for cue in cues:
        (recipient,) = cue.to.model_dump().items()
        table.add_row(
            f"{cue.at.astimezone(zone):%Y-%m-%d %H:%M}",
            cue.kind.value,
            f"{recipient[0]}:{recipient[1]}",
            cue.subject,
            cue.severity.value,
            cue.reason,
        )
    return table


def summary(report: RehearsalReport) -> str:
    engine = report.rehearsal.ensembles.engines.get(report.score.ensemble)
    if engine is None or not engine.has_score:
        return "no events for the score's ensemble"
    data = figures(engine)
    adherence = ", ".join(
        f"{cadence} {values['held']}/{values['due']}"
        for cadence, values in data["cadences"].items()
    )
    reached = sum(1 for m in data["milestones"].values() if m["status"] == "reached")
    lines = [
        f"ensemble {data['ensemble']} at {data['now']}: {data['events_accepted']} events accepted, "
        f"{len(report.rejected)} rejected, {len(report.cues)} cues",
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
