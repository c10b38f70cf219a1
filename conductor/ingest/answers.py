"""What every runtime answers about a request's events: each line accepted, duplicate or
rejected, and the one rule for when a request was refused as a whole."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conductor.errors import Problem

NOT_APPENDED = Problem("(batch)", "not appended: another line is invalid")


@dataclass
class LineResult:
    line: int
    status: str
    """accepted, duplicate or rejected"""
    id: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"line": self.line, "status": self.status}
        if self.id is not None:
            result["id"] = self.id
        if self.problems:
            result["problems"] = [{"path": p.path, "message": p.message} for p in self.problems]
        return result


def refused(invalid: Sequence[LineResult], valid: Sequence[tuple[int, str]]) -> list[LineResult]:
    """A request with an invalid line appends nothing: the invalid lines with their problems,
    every valid one (line number, event id) rejected with them, in line order."""
    results = [*invalid, *(LineResult(line, "rejected", id, [NOT_APPENDED]) for line, id in valid)]
    results.sort(key=lambda result: result.line)
    return results


def count(results: Sequence[LineResult], status: str) -> int:
    return sum(1 for result in results if result.status == status)


def summary(results: Sequence[LineResult], appended: bool) -> dict[str, Any]:
    """The body every runtime answers (the embedded runtime adds its log's offset)."""
    return {
        "appended": appended,
        "accepted": count(results, "accepted"),
        "duplicates": count(results, "duplicate"),
        "rejected": count(results, "rejected"),
        "results": [result.to_json() for result in results],
    }


def status_of(results: Sequence[LineResult], appended: bool) -> int:
    """422 when nothing was appended and a line was rejected, else 200."""
    return 422 if not appended and count(results, "rejected") > 0 else 200
