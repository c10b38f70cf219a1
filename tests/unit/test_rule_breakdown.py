"""`breakdown`: the seeded forecast puts a commitment below its confidence; once per crossing."""

from collections.abc import Callable

from conductor.core import EnsembleEngine
from conductor.core.rules.breakdown import in_breakdown
from schemas import Cue, CueKind, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def committed(score_of: ScoreOf, published: Published) -> EnsembleEngine:
    """m (10 items) is committed for 2026-06-30 at 80% confidence."""
    score = score_of(
        milestones=[{"id": "m", "due": "2026-06-30"}],
        commitments=[{"id": "ship", "milestones": ["m"], "by": "2026-06-30", "confidence": 0.8}],
    )
    return published(score)


def breakdowns(cues: list[Cue]) -> list[Cue]:
    return [cue for cue in cues if cue.kind is CueKind.BREAKDOWN]


def test_no_throughput_history_forecasts_zero_and_cues_the_ensemble_once(
    score_of: ScoreOf, published: Published, tick: Tick, rows: Rows
) -> None:
    engine = committed(score_of, published)
    first = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert rows(breakdowns(first)) == [
        ("breakdown", "ensemble:band", "ship", "2026-03-09T00:00:00Z", "critical", "pub"),
    ]
    assert breakdowns(first)[0].reason == (
        "Commitment 'ship' is now forecast to be met with only 0% probability, below the "
        "committed 80%: the team should re-plan scope, date or focus together."
    )
    assert engine.state.forecasts == {"ship": 0.0}
    later = engine.apply(tick("2026-03-30T00:00:00Z")).cues
    assert breakdowns(later) == []
    assert [cue.kind for cue in later] == [CueKind.TEMPO] * 3, "one pace cue per idle cycle"
    assert in_breakdown(engine.state) == {"ship"}


def test_a_commitment_is_cued_again_only_after_it_recovered(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    engine = committed(score_of, published)
    (first,) = breakdowns(engine.apply(tick("2026-03-09T00:00:00Z")).cues)

    for day in range(9, 16):
        done = event(
            "task.completed",
            f"2026-03-{day:02d}T12:00:00Z",
            id=f"done-{day}",
            task=f"t{day}",
            milestone="m",
        )
        assert breakdowns(engine.apply(done).cues) == []
    cues = engine.apply(tick("2026-03-16T00:00:00Z")).cues
    assert breakdowns(cues) == []
    assert engine.state.forecasts == {"ship": 1.0}
    assert in_breakdown(engine.state) == set()

    # At 04-06 the history (the last 28 days it had work) still holds the seven productive
    # days; a trial first resamples those 28 days, and the two in 200 left with one
    # productive day or none misses the 3 items left. At 04-13 they have all left it.
    cues = engine.apply(tick("2026-04-06T00:00:00Z")).cues
    assert breakdowns(cues) == []
    assert engine.state.forecasts == {"ship": 0.99}
    cues = engine.apply(tick("2026-04-13T00:00:00Z")).cues
    assert rows(breakdowns(cues)) == [
        (
            "breakdown",
            "ensemble:band",
            "ship",
            "2026-04-13T00:00:00Z",
            "critical",
            "pub",
            "done-15",
        ),
    ]
    assert breakdowns(cues)[0].id != first.id
    assert breakdowns(engine.apply(tick("2026-04-27T00:00:00Z")).cues) == []
    assert engine.state.forecasts["ship"] < 0.8, "still below: no second cue while it stays"
    assert in_breakdown(engine.state) == {"ship"}


def test_the_forecast_resamples_the_logs_own_throughput_with_a_seeded_generator(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick, rows: Rows
) -> None:
    """2 items left, 5 days to go, 2 productive days of 7: about 44% of trials make it."""
    score = score_of(
        milestones=[{"id": "m", "estimate": 4, "due": "2026-03-13"}],
        commitments=[{"id": "ship", "milestones": ["m"], "by": "2026-03-13", "confidence": 0.8}],
    )
    forecasts = []
    for _replay in range(2):
        engine = published(score)
        for day in ["02", "03"]:
            done = event(
                "task.completed",
                f"2026-03-{day}T12:00:00Z",
                id=f"done-{day}",
                task=day,
                milestone="m",
            )
            engine.apply(done)
        (cue,) = breakdowns(engine.apply(tick("2026-03-09T00:00:00Z")).cues)
        probability = engine.state.forecasts["ship"]
        assert 0.3 < probability < 0.6
        assert rows([cue]) == [
            (
                "breakdown",
                "ensemble:band",
                "ship",
                "2026-03-09T00:00:00Z",
                "critical",
                "pub",
                "done-03",
            ),
        ]
        assert f"only {probability:.0%} probability" in cue.reason
        forecasts.append(probability)
    assert forecasts[0] == forecasts[1]


def test_a_forecast_exactly_at_the_committed_confidence_is_not_a_breakdown(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """The team committed to meeting the date with that probability: a forecast equal to it
    still meets the commitment. At confidence 1.0, a certain forecast must not cue."""
    score = score_of(
        milestones=[{"id": "m", "due": "2026-06-30"}],
        commitments=[{"id": "ship", "milestones": ["m"], "by": "2026-06-30", "confidence": 1.0}],
    )
    engine = published(score)
    for day in range(2, 9):
        done = event(
            "task.completed", f"2026-03-{day:02d}T12:00:00Z", task=f"t{day}", milestone="m"
        )
        assert engine.apply(done).accepted
    cues = engine.apply(tick("2026-03-09T00:00:00Z")).cues
    assert engine.state.forecasts == {"ship": 1.0}, "one item a day, three left, months to go"
    assert breakdowns(cues) == []
    assert in_breakdown(engine.state) == set()
