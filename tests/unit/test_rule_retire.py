"""`retire`: an experiment whose last three assessments all show life and momentum <= 2."""

from collections.abc import Callable

from conductor.core import EnsembleEngine
from conductor.core.rules.retire import suggested
from schemas import Cue, Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]


def trying(score_of: ScoreOf, published: Published, event: MakeEvent) -> EnsembleEngine:
    score = score_of(experiments=[{"id": "pairing", "theme": "Pair on Fridays"}])
    engine = published(score)
    assert engine.apply(
        event("experiment.started", "2026-03-02T09:00:00Z", experiment="pairing")
    ).accepted
    return engine


def assess(
    engine: EnsembleEngine, event: MakeEvent, number: int, life: int, momentum: int
) -> list[Cue]:
    outcome = engine.apply(
        event(
            "experiment.assessed",
            f"2026-03-{number + 2:02d}T16:00:00Z",
            id=f"assess-{number}",
            experiment="pairing",
            life=life,
            momentum=momentum,
        )
    )
    assert outcome.accepted
    return outcome.cues


def test_three_lifeless_assessments_in_a_row_suggest_retiring_at_the_third(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = trying(score_of, published, event)
    assert assess(engine, event, 1, 2, 2) == []
    assert assess(engine, event, 2, 1, 2) == []
    cues = assess(engine, event, 3, 2, 1)
    assert rows(cues) == [
        ("retire", "ensemble:band", "pairing", "2026-03-05T16:00:00Z", "info", "assess-3"),
    ]
    assert cues[0].reason == (
        "Experiment 'pairing' has shown little life or momentum in its last three assessments "
        "(life 2/momentum 2, life 1/momentum 2, life 2/momentum 1); consider retiring it and "
        "freeing the attention it takes."
    )


def test_life_or_momentum_above_two_in_the_window_prevents_the_cue(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = trying(score_of, published, event)
    assert assess(engine, event, 1, 3, 1) == []
    assert assess(engine, event, 2, 1, 1) == []
    assert assess(engine, event, 3, 1, 1) == [], "the window still holds life 3"
    assert assess(engine, event, 4, 1, 3) == [], "momentum 3"
    assert assess(engine, event, 5, 1, 1) == []
    assert assess(engine, event, 6, 2, 2) == []
    assert len(assess(engine, event, 7, 1, 1)) == 1


def test_retire_is_suggested_once_and_again_only_after_life_returned(
    score_of: ScoreOf, published: Published, event: MakeEvent, rows: Rows
) -> None:
    engine = trying(score_of, published, event)
    for number in (1, 2):
        assert assess(engine, event, number, 1, 1) == []
    assert len(assess(engine, event, 3, 1, 1)) == 1
    assert assess(engine, event, 4, 1, 1) == [], "still lifeless: no second cue"
    assert assess(engine, event, 5, 4, 4) == []
    assert suggested(engine.state) == set()
    assert assess(engine, event, 6, 1, 1) == []
    assert assess(engine, event, 7, 1, 1) == []
    assert rows(assess(engine, event, 8, 1, 1)) == [
        ("retire", "ensemble:band", "pairing", "2026-03-10T16:00:00Z", "info", "assess-8"),
    ]


def test_a_stopped_experiment_is_not_suggested_for_retirement(
    score_of: ScoreOf, published: Published, event: MakeEvent
) -> None:
    engine = trying(score_of, published, event)
    assert engine.apply(
        event("experiment.stopped", "2026-03-02T12:00:00Z", experiment="pairing")
    ).accepted
    for number in (1, 2, 3):
        assert assess(engine, event, number, 1, 1) == []
    assert engine.state.experiments == {"pairing": "stopped"}
