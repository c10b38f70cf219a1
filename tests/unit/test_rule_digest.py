"""`digest`: past a recipient's daily budget (a local day), cues fold into one end-of-day digest."""

from collections.abc import Callable

from conductor.core import EnsembleEngine
from conductor.core.cues import cue_id
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def ask(engine: EnsembleEngine, event: MakeEvent, name: str, instant: str, role: str) -> list[Cue]:
    """Request decision `name` (event id `req-<name>`); its hold cue is due an hour later.

    Returns the cues of deadlines that passed before the request.
    """
    request = event(
        "decision.requested", instant, id=f"req-{name}", decision=name, question="?", role=role
    )
    outcome = engine.apply(request)
    assert outcome.accepted
    return outcome.cues


def test_the_budget_counts_per_local_day_and_the_digest_comes_at_local_midnight(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    """Tokyo is UTC+9: local midnight of 03-03 is 15:00 UTC on 03-02, inside one UTC day."""
    score = score_of(
        timezone="Asia/Tokyo", tempo={"cue_budget_per_day": 1, "decision_latency": "PT1H"}
    )
    engine = published(score, "2026-03-01T15:00:00Z")
    cues = [
        *ask(engine, event, "d1", "2026-03-02T13:00:00Z", "beta-lead"),  # held 23:00 local
        *ask(engine, event, "d2", "2026-03-02T13:20:00Z", "beta-lead"),  # held 23:20 local
        *ask(engine, event, "d3", "2026-03-02T13:30:00Z", "alpha-lead"),  # held 23:30 local
        *ask(engine, event, "d4", "2026-03-02T13:40:00Z", "beta-lead"),  # held 23:40 local
        *ask(engine, event, "d5", "2026-03-02T14:30:00Z", "beta-lead"),  # held 00:30 next day
        *engine.apply(tick("2026-03-02T16:00:00Z")).cues,
    ]
    assert rows(cues) == [
        ("hold", "role:beta-lead", "d1", "2026-03-02T14:00:00Z", "warn", "req-d1"),
        ("hold", "role:alpha-lead", "d3", "2026-03-02T14:30:00Z", "warn", "req-d3"),
        (
            "digest",
            "role:beta-lead",
            "2026-03-02",
            "2026-03-02T15:00:00Z",
            "warn",
            "req-d2",
            "req-d4",
        ),
        ("hold", "role:beta-lead", "d5", "2026-03-02T15:30:00Z", "warn", "req-d5"),
    ]
    digest = cues[2]
    assert digest.reason == (
        "2 more cues were held back on 2026-03-02 because the daily budget of 1 was spent: "
        "hold on d2 (warn); hold on d4 (warn)."
    )
    assert digest.id == cue_id("band", "digest", "2026-03-02", "role:beta-lead", "2026-03-02")
    assert engine.state.digests == {}


def test_the_digest_carries_every_folded_cause_and_the_highest_severity(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    score = score_of(
        milestones=[
            {"id": "a", "section": "beta", "owner": "beta-lead"},
            {"id": "b", "section": "beta", "owner": "beta-lead", "depends_on": ["a"]},
        ],
        tempo={"cue_budget_per_day": 1, "decision_latency": "PT1H"},
    )
    engine = published(score)
    assert rows(engine.cues) == [
        ("entry", "role:beta-lead", "a", "2026-03-02T00:00:00Z", "info", "pub"),
    ]
    assert ask(engine, event, "d1", "2026-03-02T10:00:00Z", "beta-lead") == []
    reached = event("milestone.reached", "2026-03-02T10:30:00Z", id="got-a", milestone="a")
    assert engine.apply(reached).cues == [], "the entry of b (info) is folded"
    assert engine.apply(tick("2026-03-02T11:00:00Z")).cues == [], "so is the hold (warn)"
    cues = engine.apply(tick("2026-03-03T00:00:00Z")).cues
    assert rows(cues) == [
        (
            "digest",
            "role:beta-lead",
            "2026-03-02",
            "2026-03-03T00:00:00Z",
            "warn",
            "got-a",
            "req-d1",
        ),
    ]
    assert cues[0].reason == (
        "2 more cues were held back on 2026-03-02 because the daily budget of 1 was spent: "
        "entry on b (info); hold on d1 (warn)."
    )


def test_a_single_folded_cue_keeps_its_own_severity(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    score = score_of(tempo={"cue_budget_per_day": 1, "decision_latency": "PT1H"})
    engine = published(score)
    assert ask(engine, event, "d1", "2026-03-02T10:00:00Z", "beta-lead") == []
    assert ask(engine, event, "d2", "2026-03-02T10:30:00Z", "beta-lead") == []
    assert engine.apply(tick("2026-03-02T23:59:59Z")).cues[0].subject == "d1"
    cues = engine.apply(tick("2026-03-03T00:00:00Z")).cues
    assert rows(cues) == [
        ("digest", "role:beta-lead", "2026-03-02", "2026-03-03T00:00:00Z", "warn", "req-d2"),
    ]
    assert cues[0].reason.startswith("1 more cue was held back on 2026-03-02 ")
