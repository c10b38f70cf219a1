"""Time as plain integers: the core keeps instants as UTC epoch seconds."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def to_epoch(instant: datetime) -> int:
    """Whole epoch seconds of a timezone-aware instant (microseconds dropped).

    Computed from the fields: `datetime.timestamp()` costs four times as much on the
    timezone objects pydantic parses, and this runs for every event."""
    offset = instant.utcoffset()
    assert offset is not None, "instants in the core are timezone-aware"
    return (
        (instant.toordinal() - _EPOCH_ORDINAL) * DAY
        + instant.hour * 3600
        + instant.minute * 60
        + instant.second
        - offset.days * DAY
        - offset.seconds
        + (instant.microsecond - offset.microseconds) // 1_000_000
    )


def to_datetime(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def local_midnight(day: date, zone: ZoneInfo) -> int:
    """The instant a local calendar day begins."""
    return to_epoch(datetime.combine(day, time(), zone))


def local_date(epoch: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(epoch, zone).date()


def seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())
