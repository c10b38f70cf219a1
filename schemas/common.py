"""Shared field types for every schema: identifiers and positive durations."""

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"),
]
"""An identifier: letters, digits and `_ . : / -`, starting with a letter or digit."""

TaskId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]*$"),
]
"""A task's identifier: an `Id` that may also hold `#`, as a GitHub work item's
`owner/name#number` does."""


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be a positive duration")
    return value


PositiveDuration = Annotated[timedelta, AfterValidator(_positive)]
"""An ISO 8601 duration (`P1W`, `PT15M`, `P2DT4H`) greater than zero."""


def format_location(loc: tuple[str | int, ...]) -> str:
    """Render a pydantic error location as a path: `milestones[3].depends_on[0]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(root)"
