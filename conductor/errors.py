"""Conductor's errors: one root, each carrying what the operator needs to fix the input."""

from dataclasses import dataclass


class ConductorError(Exception):
    """Root of every error Conductor raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, at a path such as `milestones[3].depends_on[0]`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidScore(ConductorError):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{listing}")
