"""Conductor's errors: one root, each carrying what the operator needs to fix the input."""

from conductor.core.errors import ConductorError
from conductor.core.problem import Problem

__all__ = ["ConductorError", "InvalidScore", "Problem"]


class InvalidScore(ConductorError):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{listing}")
