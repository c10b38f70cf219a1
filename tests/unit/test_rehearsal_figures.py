"""The figures of `rehearse --simulate` on a team whose answer is known exactly: one section
finishing one item every working day (nothing blocked, every ceremony held) on a chain of
two milestones of ten items each."""

from typing import Any

from conductor.core.plan import Plan
from conductor.rehearsal.outcomes import Outcomes, summarize
from conductor.rehearsal.runs import Setup, run_all
from conductor.rehearsal.team import Start, TeamModel
from schemas import Score

STANDUP = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30"
REVIEW = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0"


def chain(first_due: str = "2026-03-13", budget: int = 50) -> Score:
    return Score.model_validate(
        {
            "score": "known",
            "title": "A team of known pace",
            "ensemble": "known",
            "timezone": "UTC",
            "starts": "2026-03-02",
            "sections": [{"id": "alpha", "roles": ["alpha-lead"]}],
            "tempo": {"wip_limit": {"alpha": 4}, "cue_budget_per_day": budget},
            "cadences": [
                {"id": "standup", "kind": "standup", "rrule": STANDUP, "duration": "PT15M",
                 "grace": "PT30M", "reminder": "PT10M"},
                {"id": "review", "kind": "review", "rrule": REVIEW, "duration": "PT1H",
                 "grace": "PT2H", "reminder": "PT1H"},
            ],
            "milestones": [
                {"id": "first", "title": "first", "section": "alpha", "owner": "alpha-lead",
                 "due": first_due, "estimate": 10},
                {"id": "second", "title": "second", "section": "alpha", "owner": "alpha-lead",
                 "due": "2026-03-20", "estimate": 10, "depends_on": ["first"]},
            ],
            "commitments": [
                {"id": "ship", "milestones": ["second"], "by": "2026-03-20", "confidence": 0.7}
            ],
        }
    )  # fmt: skip


def steady(review_attendance: float = 1.0) -> TeamModel:
    return TeamModel(
        throughput={"alpha": (1,)},
        block_chance=0.0,
        overload_chance=0.0,
        decision_chance=0.0,
        concern_chance=0.0,
        attendance={"standup": 1.0, "review": review_attendance},
    )


def summary(score: Score, model: TeamModel, runs: int = 3) -> dict[str, Any]:
    setup = Setup(score, model, Start.of_score(score), 35, 1)
    (records,) = run_all([setup], runs, 1)
    return summarize(Outcomes(setup, Plan(score), records))


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}


def test_a_chain_finishes_at_the_sum_of_its_links_and_the_commitment_breaks_at_the_late_one() -> (
    None
):
    figures = summary(chain(), steady())
    milestones = by_id(figures["milestones"])
    # ten working days from Mon 2 Mar; the second link from the day after, ten more
    first, second = milestones["first"], milestones["second"]
    assert (first["p50"], first["p85"], first["p95"], first["probability"]) == (
        "2026-03-13", "2026-03-13", "2026-03-13", 1.0,
    )  # fmt: skip
    assert (second["p50"], second["p85"], second["p95"], second["probability"]) == (
        "2026-03-27", "2026-03-27", "2026-03-27", 0.0,
    )  # fmt: skip
    (ship,) = figures["commitments"]
    assert (ship["id"], ship["probability"], ship["p50"], ship["meets_confidence"]) == (
        "ship", 0.0, "2026-03-27", False,
    )  # fmt: skip
    assert ship["breaks_at"] == [{"milestone": "second", "runs": 3, "share_of_misses": 1.0}]
    assert figures["critical_path"]["observed"] == [{"path": ["first", "second"], "share": 1.0}]

    earlier = summary(chain(first_due="2026-03-12"), steady())
    assert by_id(earlier["milestones"])["first"]["probability"] == 0.0
    (ship,) = earlier["commitments"]
    assert ship["breaks_at"] == [{"milestone": "first", "runs": 3, "share_of_misses": 1.0}]


def test_cadence_load_is_the_hours_of_ceremonies_held_per_week() -> None:
    held = summary(chain(), steady())["cadence_load"]
    assert held["planned_hours_per_week"] == {"alpha": 5 * 0.25 + 1.0}
    assert held["held_hours_per_week"] == {"alpha": 5 * 0.25 + 1.0}
    skipped = summary(chain(), steady(review_attendance=0.0))["cadence_load"]
    assert skipped["planned_hours_per_week"] == {"alpha": 2.25}
    assert skipped["held_hours_per_week"] == {"alpha": 1.25}, "no review held"


def test_the_daily_budget_folds_cues_into_digests_and_none_is_lost() -> None:
    roomy = summary(chain(budget=50), steady())["cues"]
    tight = summary(chain(budget=1), steady())["cues"]
    assert roomy["folded_per_run"] == 0.0 and roomy["folded_into_digests"] == []
    assert "digest" not in roomy["per_kind_per_run"]
    assert tight["folded_per_run"] > 0 and tight["per_kind_per_run"]["digest"] > 0
    sent = sum(n for kind, n in tight["per_kind_per_run"].items() if kind != "digest")
    assert sent + tight["folded_per_run"] == sum(roomy["per_kind_per_run"].values())
    weekly = {(r["recipient"], r["week"]): r["mean"] for r in tight["folded_into_digests"]}
    assert sum(weekly.values()) == tight["folded_per_run"]
    # Fridays hold two ceremonies: the second reminder of the day is folded every week
    assert all(weekly.get(("ensemble:known", week), 0) >= 1 for week in range(5))
    per_recipient = {(r["recipient"], r["week"]) for r in tight["per_recipient_week"]}
    assert ("ensemble:known", 0) in per_recipient
