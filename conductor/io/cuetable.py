"""Cues as a table for a terminal (rich), times in a zone the reader names, labelled with it
(the JSON, stdout and files say UTC: a table's unlabelled local time read as the same)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.table import Table

from schemas import Cue


def cue_table(cues: list[Cue], timezone: str) -> Table:
    """With a `delivered` column when quiet hours held a cue back (when sinks deliver it)."""
    zone = ZoneInfo(timezone)
    held = any(cue.deliver_at is not None for cue in cues)
    table = Table(title=f"{len(cues)} cues", show_lines=False)
    times = (f"at ({timezone})", *((f"delivered ({timezone})",) if held else ()))
    columns = (*times, "kind", "to", "subject", "severity")
    for column in (*columns, "reason"):
        table.add_column(column, overflow="fold")
    for cue in cues:
        (recipient,) = cue.to.model_dump().items()
        delivered = () if not held else (_local(cue.deliver_at, zone) if cue.deliver_at else "",)
        table.add_row(
            _local(cue.at, zone),
            *delivered,
            cue.kind.value,
            f"{recipient[0]}:{recipient[1]}",
            cue.subject,
            cue.severity.value,
            cue.reason,
        )
    return table


def _local(instant: datetime, zone: ZoneInfo) -> str:
    """The local time with the zone's abbreviation for it (`CET`, `CEST`: the offset changes)."""
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M %Z}"
