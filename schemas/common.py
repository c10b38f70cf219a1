"""Shared field types for every schema: identifiers, durations within bounds, free text."""

import re
from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

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


def _words(duration: timedelta) -> str:
    if duration % timedelta(days=1) == timedelta(0):
        return f"{duration.days} day{'s' if duration.days != 1 else ''}"
    minutes = int(duration.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _duration_text(value: object) -> object:
    """pydantic would read a number as seconds: the schema says an ISO 8601 duration."""
    if isinstance(value, timedelta | str):
        return value
    raise PydanticCustomError("duration_text", "must be an ISO 8601 duration as text (PT15M, P2D)")


Duration = Annotated[timedelta, BeforeValidator(_duration_text)]
"""An ISO 8601 duration as text: `PT15M`, `P2D`, `P1W`."""


def within(least: timedelta, most: timedelta) -> AfterValidator:
    """A check that a duration lies between `least` and `most`: the bounds keep finite what
    one score can make a runtime do (a `PT1S` cycle would run a forecast every second)."""

    def check(value: timedelta) -> timedelta:
        if not least <= value <= most:
            raise PydanticCustomError(
                "duration_range", f"must be between {_words(least)} and {_words(most)}"
            )
        return value

    return AfterValidator(check)


Text = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")
]
"""A line of free text a person reads (a title, a reason, a question): at most 500
characters, no control characters."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(value: object) -> object:
    """pydantic would read `1764612360` or `"1764612360"` (Unix time) as an instant, and a
    number as a day: the schema says ISO 8601 text, and the log keeps what was sent."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise PydanticCustomError(
        "iso_text", "must be ISO 8601 text (2026-03-02, or 2026-03-02T09:00:00Z for an instant)"
    )


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
"""An instant as ISO 8601 text with its offset: `2026-03-02T09:00:00+01:00`."""

Day = Annotated[date, BeforeValidator(_iso_text)]
"""A calendar day as ISO 8601 text: `2026-03-02`."""

Count = Annotated[int, Field(strict=True)]
"""A whole number that is one in what was sent: not `true`, `"3"` or `3.0`."""

Share = Annotated[float, Field(strict=True)]
"""A number that is one in what was sent (not `"0.8"`)."""

Label = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
]
"""A short name of a tool or a thing in it (an event's `source`): at most 200 characters,
no control characters."""


def format_location(loc: tuple[str | int, ...]) -> str:
    """Render a pydantic error location as a path: `milestones[3].depends_on[0]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(root)"
