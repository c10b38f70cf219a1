"""Cues as a table for a terminal (rich), times in a zone the reader names."""

from zoneinfo import ZoneInfo

from rich.table import Table

from schemas import Cue


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
