"""Reading JSON Lines event logs: each line validated, bad lines reported and skipped."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from conductor.errors import Problem
from schemas import EVENT_ADAPTER, EVENT_TYPES, Event, format_location
from schemas.events import UPCASTERS
from schemas.upcasting import Upcasters, VersionProblem


@dataclass(frozen=True)
class BadLine:
    line: int
    problems: list[Problem]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(str(problem) for problem in self.problems)


def parse_event(raw: bytes | str, upcasters: Upcasters = UPCASTERS) -> Event | list[Problem]:
    """One event from JSON text, or the problems that stop it (each naming its field).

    An event of an older `schema_version` is upcast first (`schemas.upcasting`). Most events
    carry no version and no upcaster exists yet, so they are validated straight from the
    bytes, the fast path."""
    try:
        if upcasters.empty and _VERSION_KEY not in _as_bytes(raw):
            return EVENT_ADAPTER.validate_json(raw)
        return _upcast_and_validate(raw, upcasters)
    except ValidationError as error:
        return [_problem(detail) for detail in error.errors()]
    except VersionProblem as error:
        return [Problem("schema_version", str(error))]


def event_from_data(
    data: dict[str, Any], upcasters: Upcasters = UPCASTERS
) -> Event | list[Problem]:
    """One event from data already parsed (a translated CloudEvent or GitHub delivery): the
    same upcasting and the same problems as `parse_event`."""
    try:
        return EVENT_ADAPTER.validate_python(upcasters.upcast(data))
    except ValidationError as error:
        return [_problem(detail) for detail in error.errors()]
    except VersionProblem as error:
        return [Problem("schema_version", str(error))]


_VERSION_KEY = b'"schema_version"'


def _as_bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode()


def _upcast_and_validate(raw: bytes | str, upcasters: Upcasters) -> Event:
    try:
        data = from_json(raw)
    except ValueError:
        return EVENT_ADAPTER.validate_json(raw)  # raises pydantic's own JSON error
    if isinstance(data, dict):
        data = upcasters.upcast(data)
    return EVENT_ADAPTER.validate_python(data)


def _problem(detail: Any) -> Problem:
    """Paths relative to the event (`data.task`, not `task.started.data.task`)."""
    loc = tuple(detail["loc"])
    if loc and loc[0] in EVENT_TYPES:
        loc = loc[1:]
    if detail["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        loc = ("type",)
    return Problem(format_location(loc), detail["msg"])


def read_events(
    lines: Iterable[bytes], keep: Callable[[bytes], bool] | None = None
) -> Iterator[tuple[int, Event | BadLine]]:
    """(line number, event) in log order; blank lines are skipped, invalid ones come back as
    BadLine. With `keep`, only the lines it accepts are read (numbered as in the whole log)."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip() or (keep is not None and not keep(raw)):
            continue
        parsed = parse_event(raw)
        yield number, BadLine(number, parsed) if isinstance(parsed, list) else parsed
