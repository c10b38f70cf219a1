"""Every problem of a score in one run: the cross-references behind field errors, at their
place in the score as written, and none made up by what was set aside."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from conductor.errors import InvalidScore
from conductor.io.scorefile import load_score

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "score.yaml"


def problems(tmp_path: Path, change: Any) -> list[str]:
    score = yaml.safe_load(EXAMPLE.read_text())
    change(score)
    path = tmp_path / "score.yaml"
    path.write_text(yaml.safe_dump(score))
    with pytest.raises(InvalidScore) as raised:
        load_score(path)
    return [str(problem) for problem in raised.value.problems]


def test_a_reference_after_a_dropped_item_keeps_its_index(tmp_path: Path) -> None:
    def change(score: dict[str, Any]) -> None:
        del score["milestones"][0]["owner"]  # required: the whole milestone is set aside
        score["milestones"][3]["section"] = "nowhere"
        score["commitments"][0]["milestones"].append("ghost")

    found = problems(tmp_path, change)
    assert found[0].startswith("milestones[0].owner: Field required")
    assert "milestones[3].section: unknown section 'nowhere'" in found
    assert any(p.startswith("commitments[0].milestones[") and "'ghost'" in p for p in found)


def test_references_to_what_was_set_aside_are_not_reported(tmp_path: Path) -> None:
    def change(score: dict[str, Any]) -> None:
        score["milestones"][0]["due"] = "soon"

    first = yaml.safe_load(EXAMPLE.read_text())["milestones"][0]["id"]
    found = problems(tmp_path, change)
    assert len(found) == 1, found
    assert all(f"'{first}'" not in p for p in found)


def test_a_bad_required_top_level_field_still_shows_the_references(tmp_path: Path) -> None:
    def change(score: dict[str, Any]) -> None:
        score["timezone"] = "Mars/Olympus"
        score["starts"] = "someday"
        score["milestones"][1]["depends_on"] = ["ghost"]

    found = problems(tmp_path, change)
    assert any(p.startswith("timezone:") for p in found)
    assert any(p.startswith("starts:") for p in found)
    assert "milestones[1].depends_on[0]: unknown milestone 'ghost'" in found
    assert not any("before the score starts" in p for p in found)
