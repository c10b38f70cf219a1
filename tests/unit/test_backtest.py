"""The back-test of the forecast, on simulated logs whose true process is known."""

from datetime import date, timedelta

from conductor.core.plan import Plan
from conductor.core.publication import publication_at_start
from conductor.rehearsal.backtest import backtest_log
from conductor.rehearsal.team import Start, Team, TeamModel
from schemas import Score

SECTIONS = ("alpha", "beta", "gamma")


def chains(count: int, links: int, estimate: int, sections: tuple[str, ...] = SECTIONS) -> Score:
    """`count` chains of `links` milestones, each link in the next section, due every two weeks."""
    milestones = []
    for chain in range(count):
        previous = None
        for link in range(links):
            section = sections[(chain + link) % len(sections)]
            milestone = f"c{chain}-m{link}"
            milestones.append(
                {
                    "id": milestone,
                    "title": milestone,
                    "section": section,
                    "owner": f"{section}-lead",
                    "due": (date(2026, 3, 2) + timedelta(days=14 * (link + 1))).isoformat(),
                    "estimate": estimate,
                    "depends_on": [previous] if previous else [],
                }
            )
            previous = milestone
    return Score.model_validate(
        {
            "score": "steady",
            "title": "A stationary team",
            "ensemble": "steady",
            "timezone": "UTC",
            "starts": "2026-03-02",
            "sections": [{"id": s, "roles": [f"{s}-lead"]} for s in sections],
            "tempo": {"wip_limit": dict.fromkeys(sections, 4), "cue_budget_per_day": 100},
            "milestones": milestones,
        }
    )


def simulated_log(score: Score, model: TeamModel, seed: int, days: int) -> list[bytes]:
    team = Team(Plan(score), model, Start.of_score(score), seed, f"s{seed}")
    events = [publication_at_start(score), *team.events(days)]
    return [event.model_dump_json().encode() for event in events]


def test_a_team_of_constant_pace_is_forecast_exactly() -> None:
    """One section finishes two items every working day on a chain of six milestones: once
    its history holds each weekday twice, the P50 and P85 forecasts are the day each
    milestone was reached."""
    score = chains(1, 6, 10, ("alpha",))
    steady = TeamModel(throughput={"alpha": (2,)}, block_chance=0.0, overload_chance=0.0)
    result = backtest_log(score, simulated_log(score, steady, 1, 60))
    later = [(p, actual) for p, actual in result.checked() if p.made >= date(2026, 3, 16)]
    assert len(later) >= 6
    assert all(p.p50 == p.p85 == actual for p, actual in later), later
    figures = result.figures()
    assert figures["milestones"] == 5 and result.problems == [], "the first is reached in week one"
    assert figures["mean_error_days"] is not None


def test_the_forecast_of_a_stationary_simulated_team_is_calibrated() -> None:
    """Three chains of six milestones across three sections, each section finishing
    0, 1, 1, 2, 2 or 3 items a working day at random: pooled over several teams, the
    shares of finishes on or before the P50 and P85 forecasts."""
    score = chains(3, 6, 12)
    stationary = TeamModel(
        throughput=dict.fromkeys(SECTIONS, (0, 1, 1, 2, 2, 3)),
        block_chance=0.0,
        overload_chance=0.0,
    )
    checked = []
    for seed in range(6):
        checked += backtest_log(score, simulated_log(score, stationary, seed, 200)).checked()
    assert len(checked) > 400
    p50 = sum(p.p50 is None or actual <= p.p50 for p, actual in checked) / len(checked)
    p85 = sum(p.p85 is None or actual <= p.p85 for p, actual in checked) / len(checked)
    # Measured: 0.70 on or before the P50 (0.57 strictly before it: pessimistic at the
    # median, beyond what ties on the P50 day explain) and 0.89 on or before the P85 (0.83
    # strictly before). The pessimism is that of forecasts made on less than three weeks of
    # history (0.85 on or before their P50); the later ones are calibrated.
    assert 0.45 <= p50 <= 0.72, p50
    assert 0.80 <= p85 <= 0.92, p85
    later = [(p, actual) for p, actual in checked if p.made >= date(2026, 3, 23)]
    assert len(later) > 300
    before_p50 = sum(p.p50 is not None and actual < p.p50 for p, actual in later) / len(later)
    by_p50 = sum(p.p50 is None or actual <= p.p50 for p, actual in later) / len(later)
    by_p85 = sum(p.p85 is None or actual <= p.p85 for p, actual in later) / len(later)
    # Measured: 0.47 strictly before and 0.63 on or before the P50 (a finish on the P50 day
    # itself is on either side of it), 0.85 on or before the P85.
    assert before_p50 <= 0.53 and by_p50 >= 0.47, (before_p50, by_p50)
    assert 0.82 <= by_p85 <= 0.88, by_p85
