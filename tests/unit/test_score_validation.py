"""Every score problem is caught and named by its path."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conductor.errors import InvalidScore
from conductor.io.scorefile import load_score

EXAMPLE = yaml.safe_load((Path(__file__).parents[2] / "examples" / "score.yaml").read_text())


def problems(tmp_path: Path, data: Any) -> list[str]:
    path = tmp_path / "score.json"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidScore) as caught:
        load_score(path)
    return [str(problem) for problem in caught.value.problems]


def example() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE)


def test_example_score_is_valid() -> None:
    score = load_score(Path(__file__).parents[2] / "examples" / "score.yaml")
    assert score.ensemble == "harbor"
    assert len(score.milestones) == 8


def test_unknown_section_reference(tmp_path: Path) -> None:
    data = example()
    data["milestones"][3]["section"] = "marketing"
    assert "milestones[3].section: unknown section 'marketing'" in problems(tmp_path, data)


def test_unknown_role(tmp_path: Path) -> None:
    data = example()
    data["milestones"][0]["owner"] = "cto"
    assert problems(tmp_path, data) == ["milestones[0].owner: unknown role 'cto'"]


def test_unknown_dependency(tmp_path: Path) -> None:
    data = example()
    data["milestones"][3]["depends_on"] = ["api-contract", "ghost"]
    assert problems(tmp_path, data) == ["milestones[3].depends_on[1]: unknown milestone 'ghost'"]


def test_unknown_milestone_in_commitment(tmp_path: Path) -> None:
    data = example()
    data["commitments"][0]["milestones"] = ["launch", "moon"]
    assert problems(tmp_path, data) == ["commitments[0].milestones[1]: unknown milestone 'moon'"]


def test_unknown_section_in_cadence_and_wip_limit(tmp_path: Path) -> None:
    data = example()
    data["cadences"][1]["sections"] = ["platform", "legal"]
    data["tempo"]["wip_limit"]["legal"] = 2
    assert problems(tmp_path, data) == [
        "tempo.wip_limit.legal: unknown section 'legal'",
        "cadences[1].sections[1]: unknown section 'legal'",
    ]


def test_dependency_cycle_is_printed(tmp_path: Path) -> None:
    data = example()
    data["milestones"][0]["depends_on"] = ["launch"]
    found = problems(tmp_path, data)
    # launch -> acceptance reaches api-contract through ledger, payments and portal-ui.
    assert len(found) == 3
    for problem in found:
        assert problem.startswith("milestones[")
        cycle = problem.split(".depends_on: dependency cycle: ")[1].split(" -> ")
        assert cycle[0] == cycle[-1]
        assert {"api-contract", "launch", "acceptance"} <= set(cycle)


def test_self_dependency_is_a_cycle(tmp_path: Path) -> None:
    data = example()
    data["milestones"][3]["depends_on"] = ["design-system"]
    assert problems(tmp_path, data) == [
        "milestones[3].depends_on: dependency cycle: design-system -> design-system"
    ]


def test_duplicate_ids(tmp_path: Path) -> None:
    data = example()
    data["milestones"].append(copy.deepcopy(data["milestones"][0]))
    data["cadences"][2]["id"] = "standup"
    data["sections"][2]["roles"].append("designer")
    assert problems(tmp_path, data) == [
        "sections[2].roles[2]: duplicate role id 'designer' (already in section 'product')",
        "cadences[2].id: duplicate cadence id 'standup'",
        "milestones[8].id: duplicate milestone id 'api-contract'",
    ]


def test_invalid_rrule(tmp_path: Path) -> None:
    data = example()
    data["cadences"][0]["rrule"] = "FREQ=SOMETIMES"
    found = problems(tmp_path, data)
    assert len(found) == 1
    assert found[0].startswith("cadences[0].rrule: Value error, invalid RRULE: ")
    assert "SOMETIMES" in found[0]


def test_due_date_before_starts(tmp_path: Path) -> None:
    data = example()
    data["milestones"][0]["due"] = "2026-02-27"
    assert problems(tmp_path, data) == [
        "milestones[0].due: due date 2026-02-27 is before the score starts (2026-03-02)"
    ]


def test_role_owning_milestone_outside_its_section(tmp_path: Path) -> None:
    data = example()
    data["milestones"][0]["owner"] = "designer"
    assert problems(tmp_path, data) == [
        "milestones[0].owner: role 'designer' belongs to section 'product', "
        "not to the milestone's section 'platform'"
    ]


def test_unknown_timezone_and_bad_types(tmp_path: Path) -> None:
    data = example()
    data["timezone"] = "Mars/Olympus"
    data["milestones"][2]["estimate"] = 0
    data["tempo"]["cycle"] = "weekly"
    found = problems(tmp_path, data)
    assert "timezone: Value error, unknown IANA timezone 'Mars/Olympus'" in found
    assert "milestones[2].estimate: Input should be greater than or equal to 1" in found
    assert any(problem.startswith("tempo.cycle: ") for problem in found)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = example()
    data["milestones"][0]["owner"] = "cto"
    data["milestones"][4]["depends_on"] = ["nowhere"]
    data["milestones"][5]["due"] = "2020-01-01"
    assert len(problems(tmp_path, data)) == 3


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    data = example()
    data["milestones"][0]["assignee"] = "alice"
    assert problems(tmp_path, data) == ["milestones[0].assignee: Extra inputs are not permitted"]


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "score.yaml"
    path.write_text("score: [unclosed\n")
    with pytest.raises(InvalidScore) as caught:
        load_score(path)
    assert caught.value.problems[0].message.startswith("not valid YAML/JSON")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=SECONDLY", "recurs more often than hourly (FREQ=SECONDLY and MINUTELY never)"),
        ("FREQ=MINUTELY;INTERVAL=90", "recurs more often than hourly (FREQ=SECONDLY"),
        ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30", "09:00 and 09:30 on 2000-01-01 are 30 minutes apart"),
        ("FREQ=HOURLY;BYMINUTE=0,59", "are 59 minutes apart"),
    ],
)
def test_a_cadence_more_frequent_than_hourly_is_refused(
    tmp_path: Path, rule: str, expected: str
) -> None:
    """One cadence every second would keep a runtime busy forever."""
    data = example()
    data["cadences"][0]["rrule"] = rule
    (found,) = problems(tmp_path, data)
    assert found.startswith("cadences[0].rrule: Value error, ")
    assert expected in found


def test_an_hourly_cadence_is_the_most_frequent_allowed(tmp_path: Path) -> None:
    data = example()
    data["cadences"][0]["rrule"] = "FREQ=HOURLY;BYDAY=MO,TU,WE,TH,FR"
    path = tmp_path / "hourly.json"
    path.write_text(yaml.safe_dump(data))
    assert load_score(path).cadences[0].rrule.startswith("FREQ=HOURLY")


def test_durations_outside_their_bounds_are_refused_by_path(tmp_path: Path) -> None:
    data = example()
    data["tempo"]["cycle"] = "PT1S"
    data["tempo"]["blocker_hold"] = "PT1M"
    data["tempo"]["decision_latency"] = "P365D"
    data["cadences"][0]["grace"] = "P2D"
    data["cadences"][0]["duration"] = "PT0S"
    data["cadences"][1]["reminder"] = "P30D"
    assert problems(tmp_path, data) == [
        "tempo.cycle: must be between 1 day and 91 days",
        "tempo.decision_latency: must be between 15 minutes and 90 days",
        "tempo.blocker_hold: must be between 15 minutes and 90 days",
        "cadences[0].duration: must be between 1 minute and 1 day",
        "cadences[0].grace: must be between 1 minute and 1 day",
        "cadences[1].reminder: must be between 1 minute and 7 days",
    ]


def test_titles_are_bounded_and_refuse_control_characters(tmp_path: Path) -> None:
    data = example()
    data["title"] = "x" * 501
    data["milestones"][0]["title"] = "Ledger\x00"
    found = problems(tmp_path, data)
    assert found[0] == "title: String should have at most 500 characters"
    assert found[1].startswith("milestones[0].title: String should match pattern")


def test_the_horizon_is_a_year_after_the_last_due_or_commitment_date() -> None:
    score = load_score(Path(__file__).parents[2] / "examples" / "score.yaml")
    last = max([m.due for m in score.milestones] + [c.by for c in score.commitments])
    assert (score.horizon() - last).days == 365
