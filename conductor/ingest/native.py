"""Conductor's own envelope: one event (JSON) or one per line (NDJSON), kept as sent."""

from collections.abc import Sequence

import orjson

from conductor.ingest.answers import LineResult
from conductor.ingest.intake import Intake
from conductor.io.eventlog import parse_event


def native_lines(lines: Sequence[bytes]) -> Intake:
    """Every non-blank line validated; each valid one kept as sent (stripped)."""
    intake = Intake()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        event = parse_event(raw)
        if isinstance(event, list):
            intake.invalid.append(LineResult(number, "rejected", raw_id(raw), event))
        else:
            intake.add(number, event, raw.strip())
    return intake


def raw_id(raw: bytes) -> str | None:
    """The id of a line that failed validation, when it is readable, to help the sender."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    found = data.get("id") if isinstance(data, dict) else None
    return found if isinstance(found, str) else None
