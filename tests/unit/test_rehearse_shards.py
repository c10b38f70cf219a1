"""`conductor rehearse --jobs N`: a log folded in shards of ensembles prints exactly what one
process prints, bad lines and rejected events included."""

import json
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conductor.core.publication import publication_at_start
from conductor.io.scorefile import load_score
from conductor.rehearsal.replay import rehearse_file
from conductor.rehearsal.shards import ShardFailed, rehearse_in_shards
from conductor.rehearsal.simulate import simulate_team
from conductor.shards import line_shard, shard_of
from schemas import EVENT_ADAPTER, Event, Score

SCORE = load_score(Path(__file__).parents[2] / "examples" / "score.yaml")


def team_score(name: str) -> Score:
    return SCORE.model_copy(update={"ensemble": name, "score": f"{name}-launch"})


def many_teams_log(tmp_path: Path) -> Path:
    """Six teams on one plan (so their reminders and checks fall on the same instants), 20
    days each, merged by time; the first team's score is the one rehearsed. Plus lines that
    must be reported: bad JSON, a naive time, an unknown milestone, a duplicate."""
    events: list[Event] = []
    for number in range(6):
        score = team_score(f"team-{number}")
        if number:  # the others publish their own score in the log
            events.append(publication_at_start(score))
        events.extend(simulate_team(score, seed=number, days=20))
    events.sort(key=lambda event: event.occurred_at)
    lines = [event.model_dump_json() for event in events]
    unknown = json.loads(lines[40])
    unknown.update(id="unknown-milestone")
    unknown["data"]["milestone"] = "moon-landing"
    lines[100:100] = [
        "{not json",
        lines[7].replace("Z", ""),
        json.dumps(unknown),
        lines[60],
        '{"id": "x", "type": "nap", "ensemble": 7}',
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sharded_rehearsal_prints_what_one_process_prints(tmp_path: Path) -> None:
    path = many_teams_log(tmp_path)
    with path.open("rb") as lines:
        alone = rehearse_file(team_score("team-0"), lines, None).printout()
    assert len(alone.rejected) == 4 and "moon-landing" in "".join(alone.rejected)
    cues = [json.loads(line) for line in alone.cue_lines]
    assert len({cue["ensemble"] for cue in cues}) == 6
    assert any(  # the order of simultaneous cues of different ensembles is tested too
        one["at"] == two["at"] and one["ensemble"] != two["ensemble"] for one, two in pairwise(cues)
    )
    for jobs in (2, 3, 7):
        assert rehearse_in_shards(team_score("team-0"), path, None, jobs) == alone


def test_sharded_rehearsal_ticks_every_shard_to_the_same_end(tmp_path: Path) -> None:
    path = many_teams_log(tmp_path)
    last = EVENT_ADAPTER.validate_json(path.read_bytes().splitlines()[-1]).occurred_at
    until = last + timedelta(days=3)
    with path.open("rb") as lines:
        alone = rehearse_file(team_score("team-3"), lines, until)
    sharded = rehearse_in_shards(team_score("team-3"), path, until, 2)
    assert sharded == alone.printout()
    assert "ensemble team-3 at" in sharded.summary


def test_a_failing_shard_is_reported_with_its_traceback(tmp_path: Path) -> None:
    with pytest.raises(ShardFailed, match="FileNotFoundError"):
        rehearse_in_shards(SCORE, tmp_path / "missing.jsonl", None, 2)


@pytest.mark.parametrize(
    "line",
    [
        b'{"ensemble": "harbor", "id": "1"}',
        b'{"data": {"score": {"ensemble": "other"}}, "ensemble": "harbor"}',
        b'{"ens\\u0065mble": "harbor", "data": {"ensemble": "other"}}',
        b'{"ensemble":\t"h\\u0061rbor"}',
        b'{"ensemble" :"harbor"}',
    ],
)
def test_a_line_goes_to_its_ensembles_shard(line: bytes) -> None:
    assert [line_shard(line, shards) for shards in (2, 3, 5, 7)] == [
        shard_of("harbor", shards) for shards in (2, 3, 5, 7)
    ]


@pytest.mark.parametrize("line", [b"{not json", b"[1, 2]", b'{"ensemble": 7}', b'{"id": "x"}'])
def test_a_line_without_an_ensemble_goes_to_the_first_shard(line: bytes) -> None:
    assert line_shard(line, 5) == 0


@given(
    ensemble=st.text(min_size=1, max_size=20),
    nested=st.text(max_size=5),
    ascii_only=st.booleans(),
    nested_first=st.booleans(),
)
def test_any_ensemble_name_is_found_however_it_is_written(
    ensemble: str, nested: str, ascii_only: bool, nested_first: bool
) -> None:
    fields = [("ensemble", ensemble), ("data", {"score": {"ensemble": nested}})]
    if nested_first:
        fields.reverse()
    line = json.dumps(dict(fields), ensure_ascii=ascii_only).encode()
    assert line_shard(line, 7) == shard_of(ensemble, 7)
