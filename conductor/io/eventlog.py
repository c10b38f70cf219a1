"""Reading JSON Lines event logs: each line validated, bad lines reported and skipped."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from conductor.errors import Problem
from schemas import EVENT_ADAPTER, EVENT_TYPES, Event, format_location


@dataclass(frozen=True)
class BadLine:
    line: int
    problems: list[Problem]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(str(problem) for problem in self.problems)


def parse_event(raw: bytes | str) -> Event | list[Problem]:
    """One event from JSON text, or the problems that stop it (each naming its field)."""
    try:
        return EVENT_ADAPTER.validate_json(raw)
    except ValidationError as error:
        return [_problem(detail) for detail in error.errors()]


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
