"""The score's cadences as an iCalendar feed (RFC 5545), for a team to subscribe to.

One recurring VEVENT per cadence: its RRULE as the score has it, DTSTART the first
occurrence the core plans (`conductor.core.plan.Occurrences`) in the score's timezone,
which a VTIMEZONE describes, the cadence's duration, a description of the ceremony and,
for a cadence with a reminder, an alarm that long before it.
"""

from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event, Timezone, vRecur

from conductor.core.plan import Plan
from schemas.score import Cadence

PRODUCT = "-//Conductor//Cadences//EN"
LAST_ZONE_DATE = date(2038, 1, 1)
"""How far the VTIMEZONE lists the zone's changes (icalendar's own default)."""


def calendar_of(plan: Plan, stamp: datetime) -> bytes:
    """The feed of the plan's score; `stamp` is its DTSTAMP (when the feed was made)."""
    score = plan.score
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{score.title}: cadences")
    calendar.add_component(
        Timezone.from_tzid(
            score.timezone,
            first_date=date(score.starts.year, 1, 1),
            last_date=max(LAST_ZONE_DATE, date(score.starts.year + 2, 1, 1)),
        )
    )
    for cadence in score.cadences:
        first = plan.cadences[cadence.id].occurrences.next(plan.start, inclusive=True)
        if first is not None:
            calendar.add_component(
                _event(plan, cadence, datetime.fromtimestamp(first, plan.zone), stamp)
            )
    return bytes(calendar.to_ical())


def _event(plan: Plan, cadence: Cadence, start: datetime, stamp: datetime) -> Event:
    score = plan.score
    event = Event()
    event.add("uid", f"{cadence.id}.{score.score}.{score.ensemble}@conductor")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("duration", cadence.duration)
    event.add("rrule", vRecur.from_ical(cadence.rrule))
    event.add("summary", f"{cadence.kind.value.capitalize()}: {cadence.id}")
    event.add("description", _description(plan, cadence))
    event.add("categories", [cadence.kind.value])
    if cadence.reminder is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -cadence.reminder)
        alarm.add("description", f"The {cadence.kind.value} '{cadence.id}' starts soon.")
        event.add_component(alarm)
    return event


def _description(plan: Plan, cadence: Cadence) -> str:
    score = plan.score
    who = (
        "sections " + ", ".join(cadence.sections)
        if cadence.sections
        else f"the whole ensemble {score.ensemble}"
    )
    return (
        f"The {cadence.kind.value} '{cadence.id}' of {score.title}: {_spoken(cadence.duration)}, "
        f"for {who}. It counts as held when a ceremony.held for it falls within "
        f"{_spoken(cadence.grace)} of its start."
    )


def _spoken(duration: timedelta) -> str:
    """`1 hour 30 minutes`, `2 days`."""
    parts = []
    days, rest = divmod(int(duration.total_seconds()), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}" + ("s" if amount != 1 else ""))
    return " ".join(parts) or f"{int(duration.total_seconds())} seconds"
