"""`sources.github` in the score: what it maps, and each problem named by its path."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conductor.errors import InvalidScore
from conductor.io.scorefile import load_score

ROOT = Path(__file__).parents[2]
MAPPED = ROOT / "tests" / "fixtures" / "github" / "score.yaml"
EXAMPLE = yaml.safe_load((ROOT / "examples" / "score.yaml").read_text())


def with_github(**github: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    data["sources"] = {"github": {"repositories": ["octo-org/octo-repo"], **github}}
    return data


def problems(tmp_path: Path, data: Any) -> list[str]:
    path = tmp_path / "score.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidScore) as caught:
        load_score(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_mapped_score_reads_its_github_source() -> None:
    sources = load_score(MAPPED).sources
    assert sources is not None and sources.github is not None
    github = sources.github
    assert github.repositories == ["octo-org/octo-repo"]
    assert github.milestones == {"v1.0 ledger": "ledger"}
    assert github.labels == {"payments": "payments", "ui": "portal-ui", "bug": "acceptance"}
    assert github.blocked_label == "blocked"


def test_a_score_without_sources_dumps_as_before() -> None:
    """A runtime compares dumps to tell a revised score: an absent `sources` must not show."""
    score = load_score(ROOT / "examples" / "score.yaml")
    assert score.sources is None
    assert "sources" not in score.model_dump(mode="json")
    assert "sources" in load_score(MAPPED).model_dump(mode="json")


def test_an_unknown_milestone_is_named_by_its_title_or_label(tmp_path: Path) -> None:
    data = with_github(milestones={"Q2": "ledgr"}, labels={"ui": "portal-ui", "api": "moon"})
    assert problems(tmp_path, data) == [
        "sources.github.milestones.Q2: unknown milestone 'ledgr'",
        "sources.github.labels.api: unknown milestone 'moon'",
    ]


def test_the_blocked_label_cannot_also_map_to_a_milestone(tmp_path: Path) -> None:
    data = with_github(labels={"blocked": "ledger"}, blocked_label="blocked")
    assert problems(tmp_path, data) == [
        "sources.github.blocked_label: label 'blocked' also maps to a milestone: a label "
        "either blocks or maps, not both"
    ]


@pytest.mark.parametrize(
    ("repositories", "expected"),
    [
        (["octo-repo"], "sources.github.repositories[0]: String should match pattern"),
        (
            ["octo-org/octo-repo", "Octo-Org/Octo-Repo"],
            "sources.github.repositories[1]: duplicate repository 'Octo-Org/Octo-Repo'",
        ),
    ],
    ids=["no-owner", "duplicate"],
)
def test_repositories_are_owner_slash_name_once_each(
    tmp_path: Path, repositories: list[str], expected: str
) -> None:
    data = with_github()
    data["sources"]["github"]["repositories"] = repositories
    found = problems(tmp_path, data)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_personal_repository_is_listed_by_its_id_once(tmp_path: Path) -> None:
    data = with_github()
    data["sources"]["github"]["repositories"] = []
    data["sources"]["github"]["repositories_by_id"] = {"again": 186853002, "hello": 186853002}
    assert problems(tmp_path, data) == [
        "sources.github.repositories_by_id.hello: repository id 186853002 is 'again' already"
    ]
    data["sources"]["github"]["repositories_by_id"] = {"hello-world": "186853002"}
    (problem,) = problems(tmp_path, data)
    assert problem.startswith(
        "sources.github.repositories_by_id.hello-world: Input should be a valid integer"
    )


def test_an_unknown_field_in_sources_is_refused(tmp_path: Path) -> None:
    data = with_github(token="ghp_secret")
    assert problems(tmp_path, data) == ["sources.github.token: Extra inputs are not permitted"]
