"""Quiet hours: when a cue fired in them is delivered, and how a score states them."""

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from conductor.core import EnsembleEngine
from conductor.core.quiet import QuietWindows
from conductor.core.timeutil import to_epoch
from schemas import Cue, Event, Score
from schemas.score import QuietHours

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]

BERLIN = ZoneInfo("Europe/Berlin")
EVENINGS_AND_WEEKENDS = QuietHours.model_validate(
    {"start": "19:00", "end": "08:00", "days_off": ["SA", "SU"]}
)


def released(quiet: QuietHours, local: str, zone: ZoneInfo = BERLIN) -> str:
    """When a cue fired at the local time `local` is delivered, as local time."""
    instant = to_epoch(datetime.fromisoformat(local).replace(tzinfo=zone))
    out = QuietWindows(quiet, zone).release(instant)
    return datetime.fromtimestamp(out, zone).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("fired", "delivered"),
    [
        ("2026-03-03 21:00", "Wed 2026-03-04 08:00"),  # a Tuesday evening: next morning
        ("2026-03-04 06:30", "Wed 2026-03-04 08:00"),  # the same night, before 08:00
        ("2026-03-04 08:00", "Wed 2026-03-04 08:00"),  # the window opens at 08:00 exactly
        ("2026-03-04 18:59", "Wed 2026-03-04 18:59"),  # working hours: at once
        ("2026-03-04 19:00", "Thu 2026-03-05 08:00"),  # quiet from 19:00 exactly
        ("2026-03-06 21:00", "Mon 2026-03-09 08:00"),  # a Friday evening: Monday morning
        ("2026-03-07 12:00", "Mon 2026-03-09 08:00"),  # a Saturday
        ("2026-03-09 07:59", "Mon 2026-03-09 08:00"),  # Monday before work
    ],
)
def test_a_cue_in_quiet_hours_waits_for_the_next_working_window(fired: str, delivered: str) -> None:
    assert released(EVENINGS_AND_WEEKENDS, fired) == delivered


def test_quiet_hours_within_a_day_and_days_off_alone() -> None:
    lunch = QuietHours.model_validate({"start": "12:00", "end": "13:00"})
    assert released(lunch, "2026-03-04 12:30") == "Wed 2026-03-04 13:00"
    assert released(lunch, "2026-03-04 13:00") == "Wed 2026-03-04 13:00"
    assert released(lunch, "2026-03-07 12:30") == "Sat 2026-03-07 13:00"
    weekends = QuietHours.model_validate({"days_off": ["SA", "SU"]})
    assert released(weekends, "2026-03-07 23:00") == "Mon 2026-03-09 00:00"
    assert released(weekends, "2026-03-06 23:00") == "Fri 2026-03-06 23:00"


def test_the_window_opens_at_local_time_across_a_daylight_saving_change() -> None:
    # Berlin moves to summer time on Sunday 2026-03-29; 08:00 on Monday is 06:00 UTC.
    instant = to_epoch(datetime(2026, 3, 27, 21, 0, tzinfo=BERLIN))
    out = QuietWindows(EVENINGS_AND_WEEKENDS, BERLIN).release(instant)
    assert datetime.fromtimestamp(out, UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("quiet", "message"),
    [
        ({"start": "19:00"}, "end: quiet hours need both start and end"),
        ({"start": "19:00", "end": "19:00"}, "end: must differ from start"),
        ({"start": "25:00", "end": "08:00"}, "String should match pattern"),
        ({"days_off": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]}, "days_off: every day is off"),
        ({"days_off": ["SAT"]}, "Input should be 'MO'"),
        ({"start": "19:00", "end": "08:00", "lunch": "12:00"}, "Extra inputs are not permitted"),
    ],
)
def test_quiet_hours_that_make_no_sense_are_refused(
    score_of: ScoreOf, quiet: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        score_of(tempo={"quiet_hours": quiet})
    problems = [(".".join(map(str, e["loc"])), e["msg"]) for e in refused.value.errors()]
    assert any(path.startswith("tempo.quiet_hours") for path, _ in problems), problems
    assert any(message in text for _, text in problems), problems


def test_an_unquoted_yaml_time_is_refused_with_the_reason(score_of: ScoreOf) -> None:
    quiet = yaml.safe_load("start: 19:00\nend: '08:00'")
    assert quiet["start"] == 1140, "YAML 1.1 reads it in base 60"
    with pytest.raises(ValidationError, match=r'quote it \("HH:MM"\), not the number 1140'):
        score_of(tempo={"quiet_hours": quiet})


def evening_band(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    """Milestone m owned by alpha-dev; blockers may last 12 hours; quiet 19:00-08:00 and
    weekends (the unit scores are in UTC)."""
    score = score_of(
        milestones=[{"id": "m", "title": "Ledger", "owner": "alpha-dev"}],
        tempo={
            "blocker_hold": "PT12H",
            "quiet_hours": {"start": "19:00", "end": "08:00", "days_off": ["SA", "SU"]},
        },
    )
    return published(score)


def test_the_engine_marks_when_a_quiet_hours_cue_is_delivered_and_keeps_its_at(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = evening_band(score_of, published)
    engine.apply(event("task.started", "2026-03-03T08:00:00Z", task="t1", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-03T09:00:00Z", task="t1", reason="waiting"))
    (hold,) = engine.apply(tick("2026-03-03T21:00:00Z")).cues
    assert hold.at == datetime(2026, 3, 3, 21, 0, tzinfo=UTC)
    assert hold.deliver_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    assert hold.timezone == "UTC"
    assert Cue.model_validate_json(hold.model_dump_json()) == hold


def test_a_cue_in_working_hours_carries_no_delivery_instant(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = evening_band(score_of, published)
    engine.apply(event("task.started", "2026-03-03T01:00:00Z", task="t1", milestone="m"))
    engine.apply(event("task.blocked", "2026-03-03T02:00:00Z", task="t1", reason="waiting"))
    (hold,) = engine.apply(tick("2026-03-03T14:00:00Z")).cues
    assert hold.deliver_at is None
    assert "deliver_at" not in hold.model_dump_json()
