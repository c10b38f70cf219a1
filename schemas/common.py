"""Shared field types for every schema: identifiers, durations within bounds, free text."""

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


def _words(duration: timedelta) -> str:
    if duration % timedelta(days=1) == timedelta(0):
        return f"{duration.days} day{'s' if duration.days != 1 else ''}"
    minutes = int(duration.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def within(least: timedelta, most: timedelta) -> AfterValidator:
    """A check that a duration lies between `least` and `most`: the bounds keep finite what
    one score can make a runtime do (a `PT1S` cycle would run a forecast every second)."""

    def check(value: timedelta) -> timedelta:
        if not least <= value <= most:
            raise ValueError(f"must be between {_words(least)} and {_words(most)}")
        return value

    return AfterValidator(check)


Text = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")
]
"""A line of free text a person reads (a title, a reason, a question): at most 500
characters, no control characters."""


def format_location(loc: tuple[str | int, ...]) -> str:
    """Render a pydantic error location as a path: `milestones[3].depends_on[0]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(root)"
