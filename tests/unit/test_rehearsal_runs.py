"""Simulated runs of a score: the same seed gives the same figures whatever `--jobs` is; two
scores compare in the expected direction; a log continues where it stands; clear errors."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conductor.core.plan import Plan
from conductor.io.scorefile import load_score
from conductor.rehearsal.compare import compare
from conductor.rehearsal.outcomes import Outcomes, summarize
from conductor.rehearsal.runs import first_engine, run_all
from conductor.rehearsal.simulation import RehearsalError, setup_from_log, setup_from_start
from conductor.rehearsal.team import Team, TeamModel
from schemas import Score

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCORE = load_score(EXAMPLES / "score.yaml")
LOG = (EXAMPLES / "events.jsonl").read_bytes().splitlines()


def with_wip(score: Score, section: str, limit: int) -> Score:
    data = score.model_dump(mode="json")
    data["score"] = f"{score.score}-wip-{limit}"
    data["tempo"]["wip_limit"][section] = limit
    return Score.model_validate(data)


def figures(score: Score, runs: int, jobs: int, seed: int = 3) -> str:
    setup = setup_from_start(score, seed, None)
    (records,) = run_all([setup], runs, jobs)
    return json.dumps(summarize(Outcomes(setup, Plan(score), records)), sort_keys=True)


def test_the_same_seed_gives_the_same_figures_bit_for_bit_whatever_the_jobs() -> None:
    one = figures(SCORE, 6, jobs=1)
    assert figures(SCORE, 6, jobs=2) == one
    assert figures(SCORE, 6, jobs=3) == one
    assert figures(SCORE, 6, jobs=1, seed=4) != one


def test_the_simulated_team_posts_nothing_the_core_refuses() -> None:
    """Tasks blocked on the day they start, blockers lifted, decisions made: every event of
    every run is accepted (a block drawn before its task's start was refused)."""
    setup = setup_from_start(SCORE, 2, None)
    setup.model = TeamModel(block_chance=0.3, decision_chance=0.5)
    (records,) = run_all([setup], 4, 1)
    assert [r.rejected for r in records] == [0, 0, 0, 0]
    summary = summarize(Outcomes(setup, Plan(SCORE), records))
    assert summary["rejected_events"] == 0 and summary["model"]["block_chance"] == 0.3


def test_a_decision_is_made_as_many_hours_after_it_was_asked_as_the_model_draws() -> None:
    """Four hours after a morning request is the same afternoon (it waited for the next
    day's morning, ~24 h, whatever the model drew)."""
    setup = setup_from_start(SCORE, 4, None)
    setup.model = TeamModel(decision_chance=1.0, decision_hours=(4.0,))
    engine = first_engine(setup)
    team = Team(engine.plan, setup.model, setup.start, 4, "run0")
    asked = 0
    for event in team.events(21):
        assert engine.apply(event).rejection is None, event
        asked += event.type == "decision.requested"
    assert asked >= 10
    assert engine.state.decision_latencies and set(engine.state.decision_latencies) == {4 * 3600}
    assert engine.state.decisions == {}, "every request answered the same day"


def test_a_lower_wip_limit_finishes_that_sections_work_later_beyond_the_noise() -> None:
    a = setup_from_start(SCORE, 11, None)
    b = setup_from_start(with_wip(SCORE, "platform", 2), 11, None)
    records = run_all([a, b], 24, 2)
    compared = compare(
        *(Outcomes(s, Plan(s.score), r) for s, r in zip((a, b), records, strict=True))
    )
    rows = {row["id"]: row for row in compared["milestones"]}
    for milestone in ("api-contract", "ledger"):
        finish = rows[milestone]["finish_day"]
        assert finish["difference"] > 0 and finish["marked"], (milestone, finish)
    assert rows["ledger"]["probability"]["difference"] <= 0
    design = rows["design-system"]["finish_day"]
    assert not design["marked"], "another section's work is not slowed"


def test_a_review_moved_to_a_saturday_is_missed_and_takes_no_ones_hours() -> None:
    data = SCORE.model_dump(mode="json")
    data["score"] = "harbor-saturday-review"
    review = next(c for c in data["cadences"] if c["id"] == "review")
    review["rrule"] = review["rrule"].replace("BYDAY=FR", "BYDAY=SA")
    moved = Score.model_validate(data)
    a, b = setup_from_start(SCORE, 5, None), setup_from_start(moved, 5, None)
    records = run_all([a, b], 12, 2)
    compared = compare(
        *(Outcomes(s, Plan(s.score), r) for s, r in zip((a, b), records, strict=True))
    )
    missed = compared["cues_per_run"]["cadence-missed"]
    assert missed["difference"] > 5 and missed["marked"], missed
    for section, hours in compared["cadence_hours_per_week"].items():
        assert hours["difference"] < -0.5 and hours["marked"], (section, hours)
    retire = compared["cues_per_run"].get("retire")
    assert retire is None or retire["difference"] <= 0, "no review, no assessment, no retire"


def test_a_log_is_continued_from_where_it_stands_with_the_model_fitted_to_it() -> None:
    setup = setup_from_log(SCORE, LOG, 1, 14)
    assert setup.start.day.isoformat() == "2026-05-15"
    assert setup.start.reached == {
        "api-contract", "design-system", "test-harness", "ledger", "payments", "portal-ui",
    }  # fmt: skip
    assert setup.start.tasks and all(m == "acceptance" for m in setup.start.tasks.values())
    assert set(setup.model.throughput) == {"platform", "product", "quality"}
    assert setup.model.attendance["standup"] == pytest.approx(51 / 54)
    (records,) = run_all([setup], 4, 1)
    assert all(r.rejected == 0 for r in records)
    summary = summarize(Outcomes(setup, Plan(SCORE), records))
    ledger = next(m for m in summary["milestones"] if m["id"] == "ledger")
    assert ledger["reached_in_runs"] == 1.0, "reached in the log, so in every run"
    assert summary["from_log"] and summary["start"] == "2026-05-15"


def test_a_log_of_another_ensemble_or_that_does_not_fit_the_score_is_refused() -> None:
    other = [line.replace(b'"ensemble":"harbor"', b'"ensemble":"elsewhere"') for line in LOG]
    with pytest.raises(
        RehearsalError, match=r"no event of the score's ensemble 'harbor'.*'elsewhere'"
    ):
        setup_from_log(SCORE, other, 1, None)
    ghost = [*LOG, LOG[-1].replace(b'"milestone":"acceptance"', b'"milestone":"ghost"').replace(
        b'"id":"harbor-0000281"', b'"id":"ghost-1"')]  # fmt: skip
    with pytest.raises(RehearsalError, match=r"1 events do not fit the score: line 282.*ghost"):
        setup_from_log(SCORE, ghost, 1, None)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--simulate", "--runs", "0"], "--runs"),
        (["--simulate", "--days", "-3"], "--days"),
        ([], "--events LOG is needed"),
    ],
)
def test_bad_options_are_named(
    arguments: list[str], message: str, conductor: Callable[..., tuple[int, bytes, str]]
) -> None:
    code, out, err = conductor("rehearse", str(EXAMPLES / "score.yaml"), *arguments)
    assert code == 2
    assert message in out.decode() + err
