"""Quiet hours: the instant a cue fired in the team's quiet hours is delivered.

A pure function of the cue's instant and the score (`tempo.quiet_hours`, in the score's
timezone), so every runtime delivers a cue at the same instant and a rehearsal shows it.
Quiet are the hours from `start` to `end` every day (across midnight when `end` is the
earlier) and the whole of each day off; the next working window starts at the first
instant that is neither.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conductor.core.timeutil import to_epoch
from schemas.score import QuietHours

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""In `date.weekday()` order."""


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class QuietWindows:
    """One score's quiet hours, compiled for `release`."""

    def __init__(self, quiet: QuietHours, zone: ZoneInfo) -> None:
        self.zone = zone
        self.start = None if quiet.start is None else _minutes(quiet.start)
        self.end = None if quiet.end is None else _minutes(quiet.end)
        self.days_off = frozenset(WEEKDAYS.index(day.value) for day in quiet.days_off)

    def release(self, instant: int) -> int:
        """The first instant at or after `instant` outside the quiet hours."""
        local = datetime.fromtimestamp(instant, self.zone)
        for _ in range(16):  # a day off and a quiet night per step; 7 days off are refused
            later = self._quiet_until(local)
            if later is None:
                return max(instant, to_epoch(local))
            local = later
        raise AssertionError("quiet hours leave no working window")  # pragma: no cover

    def _quiet_until(self, local: datetime) -> datetime | None:
        """When the quiet period holding `local` ends, or None if `local` is working time."""
        day = local.date()
        if day.weekday() in self.days_off:
            return self._at(day + timedelta(days=1), 0)
        if self.start is None or self.end is None:
            return None
        minute = local.hour * 60 + local.minute
        start, end = self.start, self.end
        if start < end:  # within one day, e.g. 12:00-13:00
            return self._at(day, end) if start <= minute < end else None
        if minute < end:  # the early part of a night that began yesterday
            return self._at(day, end)
        if minute >= start:  # tonight's, until tomorrow morning
            return self._at(day + timedelta(days=1), end)
        return None

    def _at(self, day: date, minutes: int) -> datetime:
        """The local instant `minutes` past midnight of `day` (a gap in the clock, as at a
        daylight-saving change, moves it past the gap)."""
        naive = datetime.combine(day, time(minutes // 60, minutes % 60))
        aware = naive.replace(tzinfo=self.zone)
        return datetime.fromtimestamp(to_epoch(aware), self.zone)
