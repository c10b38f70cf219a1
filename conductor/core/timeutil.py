"""Time as plain integers: the core keeps instants as UTC epoch seconds."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400


def to_epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def to_datetime(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def local_midnight(day: date, zone: ZoneInfo) -> int:
    """The instant a local calendar day begins."""
    return to_epoch(datetime.combine(day, time(), zone))


def local_date(epoch: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(epoch, zone).date()


def seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())
