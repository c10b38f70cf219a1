"""`cadence` reminders and `cadence-missed`: when, to whom, and the grace window's edges."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from conductor.core import EnsembleEngine
from conductor.core.cues import cue_id
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]

DAILY = "FREQ=DAILY;BYHOUR=9;BYMINUTE=30"
"""09:30 every day; the first occurrence is Monday 2026-03-02 09:30 UTC."""


def standup(score_of: ScoreOf, published: Published, **cadence: Any) -> EnsembleEngine:
    fields = {"id": "standup", "rrule": DAILY, "grace": "PT30M", "sections": ["alpha"], **cadence}
    return published(score_of(cadences=[fields]))


def held(event: MakeEvent, instant: str) -> Event:
    return event("ceremony.held", instant, cadence="standup")


def test_a_reminder_goes_to_each_cadence_section_before_each_occurrence(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = standup(score_of, published, reminder="PT10M", sections=["alpha", "beta"])
    assert engine.cues == []
    assert engine.apply(tick("2026-03-02T09:19:59Z")).cues == []
    reminded = engine.apply(tick("2026-03-02T09:20:00Z")).cues
    assert rows(reminded) == [
        ("cadence", "section:alpha", "standup", "2026-03-02T09:20:00Z", "info", "pub"),
        ("cadence", "section:beta", "standup", "2026-03-02T09:20:00Z", "info", "pub"),
    ]
    assert reminded[0].reason == (
        "The standup 'standup' starts at 09:30 on Mon 02 Mar (in 10 minutes)."
    )
    assert engine.apply(held(event, "2026-03-02T09:31:00Z")).cues == []
    assert rows(engine.apply(tick("2026-03-03T09:20:00Z")).cues) == [
        ("cadence", "section:alpha", "standup", "2026-03-03T09:20:00Z", "info", "pub"),
        ("cadence", "section:beta", "standup", "2026-03-03T09:20:00Z", "info", "pub"),
    ]


def test_no_reminder_is_sent_when_the_cadence_sets_none(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = standup(score_of, published)
    assert engine.next_deadline() == datetime.fromisoformat("2026-03-02T10:00:00Z")
    assert engine.apply(tick("2026-03-02T09:20:00Z")).cues == []
    assert engine.apply(held(event, "2026-03-02T09:30:00Z")).cues == []
    assert engine.apply(tick("2026-03-03T09:29:59Z")).cues == []


def test_a_missed_ceremony_is_cued_to_its_sections_at_occurrence_plus_grace(
    score_of: ScoreOf, published: Published, tick: Tick, rows: Rows
) -> None:
    engine = standup(score_of, published, sections=["beta"])
    assert engine.apply(tick("2026-03-02T09:59:59Z")).cues == []
    missed = engine.apply(tick("2026-03-02T10:00:00Z")).cues
    assert rows(missed) == [
        ("cadence-missed", "section:beta", "standup", "2026-03-02T10:00:00Z", "warn", "pub"),
    ]
    when = int(datetime.fromisoformat("2026-03-02T09:30:00Z").timestamp())
    assert missed[0].id == cue_id("band", "cadence-missed", "standup", "section:beta", str(when))
    assert missed[0].reason == (
        "The standup 'standup' planned for 09:30 on Mon 02 Mar was not held within its grace "
        "of 30 minutes."
    )
    assert engine.state.cadence_due == {"standup": 1}
    assert engine.state.cadence_held == {}


def test_a_cadence_without_sections_cues_the_whole_ensemble(
    score_of: ScoreOf, published: Published, tick: Tick, rows: Rows
) -> None:
    engine = standup(score_of, published, sections=None)
    assert rows(engine.apply(tick("2026-03-02T10:00:00Z")).cues) == [
        ("cadence-missed", "ensemble:band", "standup", "2026-03-02T10:00:00Z", "warn", "pub"),
    ]


def test_a_ceremony_held_exactly_at_occurrence_plus_grace_counts(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = standup(score_of, published)
    assert engine.apply(held(event, "2026-03-02T10:00:00Z")).cues == []
    assert engine.apply(tick("2026-03-02T10:00:00Z")).cues == []
    assert engine.apply(tick("2026-03-02T23:00:00Z")).cues == []
    assert engine.state.cadence_held == {"standup": 1}


def test_a_ceremony_held_one_second_after_the_grace_is_missed_first(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = standup(score_of, published)
    late = engine.apply(held(event, "2026-03-02T10:00:01Z"))
    assert late.accepted
    assert rows(late.cues) == [
        ("cadence-missed", "section:alpha", "standup", "2026-03-02T10:00:00Z", "warn", "pub"),
    ]
    assert engine.state.cadence_held == {}


def test_a_ceremony_held_exactly_at_occurrence_minus_grace_counts(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = standup(score_of, published)
    assert engine.apply(held(event, "2026-03-02T09:00:00Z")).cues == []
    assert engine.apply(tick("2026-03-02T10:00:00Z")).cues == []
    assert engine.state.cadence_held == {"standup": 1}


def test_a_ceremony_held_one_second_before_the_grace_does_not_count(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = standup(score_of, published)
    assert engine.apply(held(event, "2026-03-02T08:59:59Z")).cues == []
    assert rows(engine.apply(tick("2026-03-02T10:00:00Z")).cues) == [
        ("cadence-missed", "section:alpha", "standup", "2026-03-02T10:00:00Z", "warn", "pub"),
    ]


def test_each_occurrence_is_judged_on_its_own_ceremonies(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = standup(score_of, published)
    assert engine.apply(held(event, "2026-03-02T09:35:00Z")).cues == []
    assert rows(engine.apply(tick("2026-03-04T12:00:00Z")).cues) == [
        ("cadence-missed", "section:alpha", "standup", "2026-03-03T10:00:00Z", "warn", "pub"),
        ("cadence-missed", "section:alpha", "standup", "2026-03-04T10:00:00Z", "warn", "pub"),
    ]
    assert engine.state.cadence_due == {"standup": 3}
    assert engine.state.cadence_held == {"standup": 1}


def test_a_late_report_of_yesterday_s_ceremony_does_not_hide_today_s(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """Ceremonies arrive late and out of order: the check looks through the ones remembered
    (`CEREMONIES_KEPT`), not only the newest, which here is yesterday's."""
    engine = standup(score_of, published)
    assert engine.apply(held(event, "2026-03-02T09:31:00Z")).cues == []
    assert engine.apply(tick("2026-03-02T10:00:00Z")).cues == []
    assert engine.apply(held(event, "2026-03-03T09:31:00Z")).cues == []
    late = held(event, "2026-03-02T09:33:00Z")  # Monday's, reported on Tuesday at 09:40
    assert engine.apply(late).accepted
    assert engine.apply(tick("2026-03-03T10:00:00Z")).cues == [], "Tuesday's was held"
    assert engine.state.cadence_held == {"standup": 2}
