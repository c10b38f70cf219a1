"""What the JSON Schema says is what the log holds: an integer is an integer, an instant is ISO
8601 text with its offset, free text is bounded and printable. Each input below was accepted
and stored as sent before."""

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from conductor.core import Problem
from conductor.io.eventlog import parse_event
from conductor.io.scoreproblems import problems_of
from schemas import Score

ASSESSED = {
    "id": "a1",
    "type": "experiment.assessed",
    "ensemble": "band",
    "occurred_at": "2026-03-02T09:00:00Z",
    "data": {"experiment": "x", "life": 3, "momentum": 4},
}


def problems(event: dict[str, Any]) -> list[Problem]:
    found = parse_event(orjson.dumps(event))
    assert isinstance(found, list), f"accepted: {found!r}"
    return found


def with_data(**data: Any) -> dict[str, Any]:
    return {**ASSESSED, "data": {**ASSESSED["data"], **data}}


def test_the_valid_event_parses() -> None:
    assert not isinstance(parse_event(orjson.dumps(ASSESSED)), list)


@pytest.mark.parametrize("life", [True, "3", 3.0])
def test_a_score_of_one_to_five_is_an_integer(life: object) -> None:
    (problem,) = problems(with_data(life=life))
    assert problem.path == "data.life"
    assert "integer" in problem.message


@pytest.mark.parametrize("when", ["1764612360", 1764612360, 1764612360.5])
def test_unix_time_is_not_an_instant(when: object) -> None:
    (problem,) = problems({**ASSESSED, "occurred_at": when})
    assert problem.path == "occurred_at"
    assert "ISO 8601" in problem.message


def test_an_instant_needs_its_offset() -> None:
    (problem,) = problems({**ASSESSED, "occurred_at": "2026-03-02T09:00:00"})
    assert problem.path == "occurred_at"
    assert "timezone" in problem.message


BLOCKED = {
    "id": "b1",
    "type": "task.blocked",
    "ensemble": "band",
    "occurred_at": "2026-03-02T09:00:00Z",
    "data": {"task": "t1", "reason": "waiting on the vendor"},
}


@pytest.mark.parametrize(
    ("kind", "field", "data"),
    [
        ("task.blocked", "reason", {"task": "t1"}),
        ("decision.requested", "question", {"decision": "d1", "role": "lead"}),
        ("concern.raised", "topic", {"severity": "low"}),
    ],
)
@pytest.mark.parametrize(
    ("text", "says"),
    [("x" * (7 * 1024 * 1024), "at most 500 characters"), ("a\x00b", "pattern")],
)
def test_free_text_is_bounded_and_printable(
    kind: str, field: str, data: dict[str, Any], text: str, says: str
) -> None:
    event = {**BLOCKED, "type": kind, "data": {**data, field: text}}
    (problem,) = problems(event)
    assert problem.path == f"data.{field}"
    assert says in problem.message


def test_a_source_is_a_short_label() -> None:
    (problem,) = problems({**BLOCKED, "source": "s" * 201})
    assert problem.path == "source"


SCORE = {
    "score": "s",
    "title": "t",
    "ensemble": "band",
    "timezone": "UTC",
    "starts": "2026-03-02",
    "sections": [{"id": "a", "roles": ["lead"]}],
    "cadences": [{"id": "c", "kind": "standup", "rrule": "FREQ=DAILY", "duration": "PT15M"}],
    "milestones": [
        {
            "id": "m",
            "title": "m",
            "section": "a",
            "owner": "lead",
            "due": "2026-06-01",
            "estimate": 5,
        }
    ],
}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda s: s["milestones"][0].update(estimate="5"), "milestones[0].estimate"),
        (lambda s: s["milestones"][0].update(estimate=5.0), "milestones[0].estimate"),
        (lambda s: s["milestones"][0].update(due=1780272000), "milestones[0].due"),
        (lambda s: s["cadences"][0].update(duration=900), "cadences[0].duration"),
        (lambda s: s.update(tempo={"cue_budget_per_day": True}), "tempo.cue_budget_per_day"),
    ],
)
def test_a_score_holds_the_types_its_schema_names(change: Any, path: str) -> None:
    document = orjson.loads(orjson.dumps(SCORE))
    change(document)
    with pytest.raises(ValidationError) as refused:
        Score.model_validate(document)
    assert path in [problem.path for problem in problems_of(refused.value)]
