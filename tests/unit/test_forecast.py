"""The forecast respects dependencies: checked on plans whose answer is known exactly.

Every history here is constant (the same throughput every day, weekends included), so every
trial draws the same days and the forecast has no variance: a milestone takes exactly its
remaining work over the section's daily throughput, and a chain takes the sum of its links.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from conductor.core import EnsembleEngine
from conductor.core.figures import figures
from conductor.core.forecast import NEVER, Trials, forecast, forecasts
from conductor.core.timeutil import DAY, to_epoch
from schemas import Event, Score

ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]

WARMUP_DAYS = 28
"""2026-03-02 .. 03-29: four weeks of history before the forecasts, made at 03-30 00:00."""
NOW = "2026-03-30T00:00:00Z"


def warmup(section: str, per_day: int) -> dict[str, Any]:
    """A milestone that only gives `section` four weeks of history at `per_day` items a day."""
    return {
        "id": f"warmup-{section}",
        "section": section,
        "owner": f"{section}-lead",
        "estimate": WARMUP_DAYS * per_day,
    }


def worked(
    engine: EnsembleEngine, event: MakeEvent, tick: Tick, per_day: dict[str, int]
) -> EnsembleEngine:
    """Every section finishes its warm-up at `per_day` items a day for four weeks, reaches it
    on the last day, and the engine stands at 03-30 00:00."""
    for day in range(WARMUP_DAYS):
        when = day_of(day)
        for section, count in per_day.items():
            for item in range(count):
                done = event(
                    "task.completed",
                    f"{when}T12:00:00Z",
                    task=f"{section}-{day}-{item}",
                    milestone=f"warmup-{section}",
                )
                assert engine.apply(done).accepted
    for section in per_day:
        reached = event("milestone.reached", "2026-03-29T13:00:00Z", milestone=f"warmup-{section}")
        assert engine.apply(reached).accepted
    engine.apply(tick(NOW))
    return engine


def chain_across_sections(score_of: ScoreOf, **commitment: Any) -> Score:
    """a (alpha, 4 items) -> b (beta, 6 items); both sections finish 2 items a day."""
    milestones = [
        warmup("alpha", 2),
        warmup("beta", 2),
        {"id": "a", "section": "alpha", "estimate": 4, "depends_on": ["warmup-alpha"]},
        {
            "id": "b",
            "section": "beta",
            "owner": "beta-lead",
            "estimate": 6,
            "depends_on": ["a", "warmup-beta"],
        },
    ]
    commitments = [{"id": "ship", "milestones": ["b"], **commitment}] if commitment else []
    return score_of(milestones=milestones, commitments=commitments)


def test_a_chain_of_two_milestones_finishes_at_the_sum_of_their_durations_not_the_max(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """a takes 4 / 2 = 2 days, b 6 / 2 = 3 days once a is done: b is done on day 5 (the old
    forecast, sections in parallel, said day 3)."""
    engine = worked(
        published(chain_across_sections(score_of)), event, tick, {"alpha": 2, "beta": 2}
    )
    trials = Trials(engine.state, engine.plan, 30)
    assert set(trials.finish["a"].tolist()) == {2}
    assert set(trials.finish["b"].tolist()) == {5}
    assert trials.share_done(("b",), 4) == 0.0
    assert trials.share_done(("b",), 5) == 1.0
    outlook = forecast(engine.state, engine.plan, "b", ("b",), to_epoch_of(NOW) + 5 * DAY)
    assert (outlook.probability, outlook.p50_days, outlook.p85_days) == (1.0, 5, 5)


def test_the_breakdown_rule_uses_the_same_forecast(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """Committed for Friday 04-03 (day 5 from Monday 03-30): met in every trial; for
    Thursday 04-02: in none. The live rule's probabilities at the boundary say so."""
    for by, expected in [("2026-04-03", 1.0), ("2026-04-02", 0.0)]:
        score = chain_across_sections(score_of, by=by, confidence=0.5)
        engine = worked(published(score), event, tick, {"alpha": 2, "beta": 2})
        assert engine.state.forecasts == {"ship": expected}, by


def test_a_section_spends_what_a_milestone_leaves_on_its_next_one_not_on_a_dependent(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """One section, 2 items a day. x (3 items, due first) and y (4, due later) are open at
    once: x is done on day 2 and the day's leftover item goes to y, done on day 4. z (2
    items, due last) depends on x: it can be worked from day 3, after y, and is done on
    day 5."""
    milestones = [
        warmup("alpha", 2),
        {"id": "x", "estimate": 3, "due": "2026-04-10", "depends_on": ["warmup-alpha"]},
        {"id": "y", "estimate": 4, "due": "2026-04-20", "depends_on": ["warmup-alpha"]},
        {"id": "z", "estimate": 2, "due": "2026-04-30", "depends_on": ["x"]},
    ]
    engine = worked(published(score_of(milestones=milestones)), event, tick, {"alpha": 2})
    assert engine.plan.work_order == ("warmup-alpha", "x", "y", "z")
    trials = Trials(engine.state, engine.plan, 30)
    assert {m: set(trials.finish[m].tolist()) for m in "xyz"} == {
        "x": {2},
        "y": {4},
        "z": {5},
    }


def test_progress_already_made_and_reached_dependencies_count(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """With 2 of a's 4 items already done, a is done on day 1 and b (6 items) on day 4."""
    engine = published(chain_across_sections(score_of))
    for item in range(2):
        started = event("task.completed", "2026-03-02T09:00:00Z", task=f"a-{item}", milestone="a")
        assert engine.apply(started).accepted
    engine = worked(engine, event, tick, {"alpha": 2, "beta": 2})
    trials = Trials(engine.state, engine.plan, 30)
    assert set(trials.finish["a"].tolist()) == {1}
    assert set(trials.finish["b"].tolist()) == {4}


def test_days_a_section_only_waited_on_others_are_not_its_pace(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """beta's only milestone before b waited two weeks for alpha's; beta then finished 3
    items a day. Its pace is 3 a day, not 3 on half the days: b (6 items) takes 2 days."""
    milestones = [
        warmup("alpha", 1),
        {"id": "gate", "estimate": 1, "due": "2026-03-13"},
        {
            "id": "beta-work",
            "section": "beta",
            "owner": "beta-lead",
            "estimate": 42,
            "depends_on": ["gate"],
        },
        {
            "id": "b",
            "section": "beta",
            "owner": "beta-lead",
            "estimate": 6,
            "depends_on": ["beta-work"],
        },
    ]
    engine = published(score_of(milestones=milestones))
    assert engine.apply(event("task.completed", "2026-03-15T09:00:00Z", task="g", milestone="gate"))
    assert engine.apply(event("milestone.reached", "2026-03-15T10:00:00Z", milestone="gate"))
    for day in range(14, WARMUP_DAYS):
        when = day_of(day)
        for item in range(3):
            engine.apply(
                event(
                    "task.completed",
                    f"{when}T12:00:00Z",
                    task=f"w{day}-{item}",
                    milestone="beta-work",
                )
            )
    assert engine.apply(event("milestone.reached", "2026-03-29T13:00:00Z", milestone="beta-work"))
    engine = worked(engine, event, tick, {"alpha": 1})
    trials = Trials(engine.state, engine.plan, 30)
    assert set(trials.finish["b"].tolist()) == {2}


def test_a_section_without_pace_never_finishes_and_everything_reached_is_day_zero(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    engine = worked(published(chain_across_sections(score_of)), event, tick, {"alpha": 2})
    trials = Trials(engine.state, engine.plan, 30)
    assert set(trials.finish["a"].tolist()) == {2}
    assert set(trials.finish["b"].tolist()) == {NEVER}, "beta never finished anything"
    assert trials.finish_days(("warmup-alpha",)).tolist() == [0] * len(trials.finish["a"])


def test_a_longer_simulation_draws_the_same_first_days(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    """Uneven history (1 or 3 items a day): trials differ from each other, but each trial
    is the same however many days are simulated, so the breakdown rule (days to the
    commitment) and the figures (as far as needed) agree."""
    milestones = [
        warmup("alpha", 2),
        {"id": "a", "estimate": 30, "depends_on": ["warmup-alpha"]},
    ]
    engine = published(score_of(milestones=milestones))
    for day in range(WARMUP_DAYS):
        when = day_of(day)
        for item in range(1 + 2 * (day % 2)):
            engine.apply(
                event(
                    "task.completed",
                    f"{when}T12:00:00Z",
                    task=f"w{day}-{item}",
                    milestone="warmup-alpha",
                )
            )
    engine.apply(tick(NOW))
    short, long = Trials(engine.state, engine.plan, 16), Trials(engine.state, engine.plan, 400)
    assert len(set(long.finish["a"].tolist())) > 1, "the trials differ"
    within = short.finish["a"] <= 16
    assert within.any()
    assert (short.finish["a"][within] == long.finish["a"][within]).all()
    assert (long.finish["a"][~within] > 16).all()


def test_the_figures_give_every_milestone_and_commitment_from_one_set_of_trials(
    score_of: ScoreOf, published: Published, event: MakeEvent, tick: Tick
) -> None:
    score = chain_across_sections(score_of, by="2026-04-03", confidence=0.5)
    engine = worked(published(score), event, tick, {"alpha": 2, "beta": 2})
    found = figures(engine)
    assert found["milestones"]["a"]["forecast"]["p50"] == "2026-03-31"
    assert found["milestones"]["b"]["forecast"]["p85"] == "2026-04-03"
    assert found["milestones"]["warmup-alpha"]["forecast"]["probability"] == 1.0
    assert found["commitments"]["ship"]["forecast"] == {
        "probability": 1.0,
        "p50": "2026-04-03",
        "p85": "2026-04-03",
    }
    together = forecasts(
        engine.state, engine.plan, {"b": (("b",), to_epoch_of("2026-04-02T00:00:00Z"))}
    )
    assert together["b"].probability == 0.0, "due before day 5"


def to_epoch_of(instant: str) -> int:
    return to_epoch(datetime.fromisoformat(instant))


def day_of(offset: int) -> str:
    """The date `offset` days after 2026-03-02."""
    return (date(2026, 3, 2) + timedelta(days=offset)).isoformat()
