"""`GET /calendar/{ensemble}.ics`: the cadences as iCalendar, read back by `icalendar` and
expanded by `recurring-ical-events` (what calendar apps do) over the score's span, giving
exactly the occurrences the core plans (`conductor.core.plan.Occurrences`), across a
daylight-saving change."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import recurring_ical_events
from local_processes import free_port
from runtime_servers import EXAMPLES, InProcessRuntime

from conductor.core.plan import Plan
from conductor.io.scorefile import load_score
from conductor.runtime.calendar import calendar_of
from conductor.runtime.settings import Settings
from conductor.session.clock import ScaledClock
from schemas import Score

STILL = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessRuntime]:
    settings = Settings.model_validate(
        {
            "score": EXAMPLES / "score.yaml",
            "db": tmp_path_factory.mktemp("calendar") / "conductor.db",
            "port": free_port(),
            "stdout": False,
        }
    )
    with InProcessRuntime(settings, STILL) as running:
        yield running


def span(score: Score) -> tuple[datetime, datetime]:
    """From the score's first day to the end of its last due date or commitment."""
    zone = ZoneInfo(score.timezone)
    last = max([m.due for m in score.milestones] + [c.by for c in score.commitments])
    start = datetime.combine(score.starts, datetime.min.time(), zone)
    return start, datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)


def planned(score: Score) -> dict[str, list[int]]:
    """Each cadence's occurrences in the span, as the core's plan has them (epoch seconds)."""
    plan = Plan(score)
    end = int(span(score)[1].timestamp())
    found: dict[str, list[int]] = {}
    for cadence_id, cadence in plan.cadences.items():
        instants: list[int] = []
        at = cadence.occurrences.next(plan.start, inclusive=True)
        while at is not None and at < end:
            instants.append(at)
            at = cadence.occurrences.next(at, inclusive=False)
        found[cadence_id] = instants
    return found


def expanded(feed: bytes, score: Score) -> dict[str, list[Any]]:
    """Each cadence's occurrences as a calendar app sees them (by the VEVENT's UID)."""
    calendar = icalendar.Calendar.from_ical(feed)
    start, end = span(score)
    found: dict[str, list[Any]] = {}
    for occurrence in recurring_ical_events.of(calendar).between(start, end):
        cadence_id = str(occurrence["UID"]).split(".", 1)[0]
        found.setdefault(cadence_id, []).append(occurrence)
    for occurrences in found.values():
        occurrences.sort(key=lambda occurrence: occurrence["DTSTART"].dt)
    return found


def instants(occurrences: list[Any]) -> list[int]:
    return [int(occurrence["DTSTART"].dt.timestamp()) for occurrence in occurrences]


def test_the_feed_expands_to_the_core_s_occurrences_across_dst(server: InProcessRuntime) -> None:
    answer = httpx.get(f"{server.url}/calendar/harbor.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    score = load_score(EXAMPLES / "score.yaml")
    found = expanded(answer.content, score)
    expected = planned(score)
    assert set(found) == {"standup", "review", "retro"}
    for cadence_id, occurrences in found.items():
        assert instants(occurrences) == expected[cadence_id], cadence_id
    standups = found["standup"]
    assert len(standups) == 50, "ten weeks of weekday stand-ups"
    offsets = {occurrence["DTSTART"].dt.utcoffset() for occurrence in standups}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}, "CET, then CEST from 29 March"
    berlin = ZoneInfo("Europe/Berlin")
    local = {occurrence["DTSTART"].dt.astimezone(berlin).time() for occurrence in standups}
    assert [str(t) for t in local] == ["09:30:00"], "the wall clock stays 09:30 across the change"
    for occurrence in standups:
        assert occurrence["DTEND"].dt - occurrence["DTSTART"].dt == timedelta(minutes=15)


def test_each_cadence_is_one_recurring_vevent_in_the_score_s_timezone(
    server: InProcessRuntime,
) -> None:
    feed = icalendar.Calendar.from_ical(httpx.get(f"{server.url}/calendar/harbor.ics").content)
    score = load_score(EXAMPLES / "score.yaml")
    (zone,) = feed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    events = {str(event["UID"]).split(".")[0]: event for event in feed.walk("VEVENT")}
    assert list(events) == [cadence.id for cadence in score.cadences]
    for cadence in score.cadences:
        event = events[cadence.id]
        assert event["RRULE"] == icalendar.vRecur.from_ical(cadence.rrule), "the rule as written"
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert event["DURATION"].dt == cadence.duration
        assert f"The {cadence.kind.value} '{cadence.id}' of {score.title}" in event["DESCRIPTION"]
    assert "15 minutes" in events["standup"]["DESCRIPTION"]
    assert events["standup"]["DTSTART"].dt == datetime(
        2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")
    )
    (alarm,) = events["standup"].walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(minutes=10), "the cadence's reminder"
    assert events["retro"].walk("VALARM") == [], "no reminder, no alarm"


def test_an_unknown_ensemble_has_no_calendar(server: InProcessRuntime) -> None:
    answer = httpx.get(f"{server.url}/calendar/tugboat.ics")
    assert answer.status_code == 404
    assert "tugboat" in answer.json()["detail"]


def test_other_rules_and_a_fall_change_in_new_york(tmp_path: Path) -> None:
    """A Saturday start under a fortnightly rule (the first fortnight has no Monday left),
    a monthly, a counted and a daily rule, across the end of daylight saving time."""
    score = Score.model_validate(
        {
            "score": "fall",
            "title": "Fall plan",
            "ensemble": "tugboat",
            "timezone": "America/New_York",
            "starts": "2026-10-24",
            "sections": [{"id": "crew", "roles": ["lead"]}],
            "milestones": [
                {
                    "id": "m",
                    "title": "M",
                    "section": "crew",
                    "owner": "lead",
                    "due": "2027-01-15",
                    "estimate": 3,
                }
            ],
            "cadences": [
                {
                    "id": "planning",
                    "kind": "planning",
                    "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=10;BYMINUTE=0",
                    "duration": "PT1H",
                },
                {
                    "id": "review",
                    "kind": "review",
                    "rrule": "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=15;BYMINUTE=30",
                    "duration": "PT45M",
                },
                {
                    "id": "kickoff",
                    "kind": "other",
                    "rrule": "FREQ=DAILY;COUNT=5;BYHOUR=8;BYMINUTE=45",
                    "duration": "PT15M",
                },
                {
                    "id": "sync",
                    "kind": "standup",
                    "rrule": "FREQ=DAILY;BYHOUR=1;BYMINUTE=30",
                    "duration": "PT10M",
                },
            ],
        }
    )
    feed = calendar_of(Plan(score), datetime(2026, 10, 1, tzinfo=UTC))
    found = expanded(feed, score)
    expected = planned(score)
    assert set(found) == set(expected) == {"planning", "review", "kickoff", "sync"}
    for cadence_id, occurrences in found.items():
        assert instants(occurrences) == expected[cadence_id], cadence_id
    assert len(found["kickoff"]) == 5
    first_planning = found["planning"][0]["DTSTART"].dt
    assert first_planning.date() == date(2026, 11, 2), "the fortnight of the Saturday start"
    syncs = found["sync"]
    offsets = {occurrence["DTSTART"].dt.utcoffset() for occurrence in syncs}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}, "EDT, then EST from 1 November"
    new_york = ZoneInfo("America/New_York")
    on_the_day = [
        o for o in syncs if o["DTSTART"].dt.astimezone(new_york).date() == date(2026, 11, 1)
    ]
    assert len(on_the_day) == 1, "01:30 happens twice on 1 November; the cadence meets once"


@pytest.mark.parametrize(
    ("zone", "starts"),
    [("UTC", "2026-03-02"), ("Asia/Kolkata", "2026-03-02"), ("Australia/Lord_Howe", "2026-03-16")],
    ids=["utc", "half-hour-offset", "half-hour-dst-change"],
)
def test_the_feed_follows_the_core_in_other_zones(zone: str, starts: str) -> None:
    """Lord Howe Island moves its clocks by half an hour (on 5 April 2026)."""
    score = Score.model_validate(
        {
            "score": "s",
            "title": "Elsewhere",
            "ensemble": "crew",
            "timezone": zone,
            "starts": starts,
            "sections": [{"id": "crew", "roles": ["lead"]}],
            "milestones": [
                {
                    "id": "m",
                    "title": "M",
                    "section": "crew",
                    "owner": "lead",
                    "due": "2026-05-01",
                    "estimate": 3,
                }
            ],
            "cadences": [
                {
                    "id": "standup",
                    "kind": "standup",
                    "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=15",
                    "duration": "PT15M",
                },
            ],
        }
    )
    found = expanded(calendar_of(Plan(score), datetime(2026, 3, 1, tzinfo=UTC)), score)
    assert instants(found["standup"]) == planned(score)["standup"]
    assert len(found["standup"]) > 10
