"""The shared per-zone calendar answers like a fresh zone lookup, in any order of asking."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from conductor.core.localdays import LocalDays, local_days

BERLIN = ZoneInfo("Europe/Berlin")


def _expected(instant: int) -> tuple[int, int]:
    day = datetime.fromtimestamp(instant, BERLIN).date()
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), BERLIN)
    return day.toordinal(), int(end.timestamp())


def test_days_around_a_daylight_saving_change_in_any_order() -> None:
    days = LocalDays(BERLIN)
    start = int(datetime(2026, 3, 27, tzinfo=BERLIN).timestamp())
    instants = [start + step * 3_571 for step in range(0, 120)]  # ~5 days, DST on the 29th
    for instant in instants + instants[::-1] + instants[::7]:
        assert days.day_of(instant) == _expected(instant)


def test_the_short_day_is_23_hours() -> None:
    days = LocalDays(BERLIN)
    ordinal = date(2026, 3, 29).toordinal()
    assert days.midnight(ordinal + 1) - days.midnight(ordinal) == 23 * 3600
    noon = int(datetime(2026, 3, 29, 12, tzinfo=BERLIN).timestamp())
    assert days.day_of(noon) == (ordinal, days.midnight(ordinal + 1))


def test_one_calendar_per_zone() -> None:
    assert local_days("Europe/Berlin") is local_days("Europe/Berlin")
    assert local_days("Europe/Berlin") is not local_days("America/New_York")
