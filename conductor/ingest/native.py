"""Conductor's own envelope: one event (JSON) or one per line (NDJSON), kept as sent."""

from collections.abc import Sequence

import orjson

from conductor.errors import Problem
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
            problems = encoding_problems(raw) or event
            intake.invalid.append(LineResult(number, "rejected", raw_id(raw), problems))
        else:
            intake.add(number, event, raw.strip())
    return intake


def encoding_problems(raw: bytes) -> list[Problem]:
    """A line that is no UTF-8 is said to be so (the JSON parser's own complaint names a
    comma or a brace). Asked only of lines that failed: the valid ones pay nothing."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return [Problem("(body)", f"not UTF-8: byte {error.start} is {raw[error.start]:#04x}")]
    return []


def raw_id(raw: bytes) -> str | None:
    """The id of a line that failed validation, when it is readable, to help the sender."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    found = data.get("id") if isinstance(data, dict) else None
    return found if isinstance(found, str) else None
