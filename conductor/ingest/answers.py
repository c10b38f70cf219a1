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
    """accepted, duplicate, conflict (an id seen before with other content) or rejected"""
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
        "conflicts": count(results, "conflict"),
        "rejected": count(results, "rejected"),
        "results": [result.to_json() for result in results],
    }


def status_of(results: Sequence[LineResult], appended: bool) -> int:
    """409 for a single event whose id names another one, 422 when nothing was appended and
    a line was rejected, else 200 (a batch's conflicts are told per line)."""
    if len(results) == 1 and results[0].status == "conflict":
        return 409
    return 422 if not appended and count(results, "rejected") > 0 else 200


def refusal(results: Sequence[LineResult]) -> dict[str, Any]:
    """What every error answer holds (`conductor.ingest.http.error_response`): a one-line
    `detail` and the `problems`, here each with the line it was found on."""
    problems = [
        {"line": result.line, "path": problem.path, "message": problem.message}
        for result in results
        for problem in result.problems
    ]
    refused = len({problem["line"] for problem in problems})
    return {"detail": f"{refused} of {len(results)} line(s) refused", "problems": problems}
