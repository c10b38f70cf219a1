"""Local calendar days of one time zone as epoch seconds, shared by every plan in that zone.

Which local day an instant falls on is asked for nearly every event (daily throughput, the
cue budget) and a zone lookup costs about a microsecond. The events of many ensembles
arrive in time order, so one remembered day per zone answers almost every question; the
midnights themselves are remembered by day as they are met. Deterministic, so sharing it
between ensembles changes no result.
"""

from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from conductor.core.timeutil import local_date, local_midnight


class LocalDays:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._midnights: dict[int, int] = {}
        self._last = (0, 0, 0)
        """(the remembered day's first instant, its ordinal, the instant it ends)"""

    def day_of(self, instant: int) -> tuple[int, int]:
        """(ordinal of the local day holding `instant`, the instant that day ends)."""
        first, ordinal, end = self._last
        if first <= instant < end:
            return ordinal, end
        ordinal = local_date(instant, self.zone).toordinal()
        end = self.midnight(ordinal + 1)
        self._last = (self.midnight(ordinal), ordinal, end)
        return ordinal, end

    def midnight(self, ordinal: int) -> int:
        """The instant the local day with this ordinal begins."""
        found = self._midnights.get(ordinal)
        if found is None:
            found = self._midnights[ordinal] = local_midnight(date.fromordinal(ordinal), self.zone)
        return found


@cache
def local_days(timezone: str) -> LocalDays:
    return LocalDays(ZoneInfo(timezone))
