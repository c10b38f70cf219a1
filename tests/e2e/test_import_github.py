"""`conductor import github` as a user runs it: a `gh api --paginate` export of issues and pull
requests (tests/fixtures/github/export.issues.json, in the REST API's documented shape) into
a log that `conductor rehearse` replays, nothing about people carried over."""

import json
import os
import subprocess
import sys
from pathlib import Path

from github_payloads import FIXTURES, SCORE, all_payloads, person_values

ROOT = Path(__file__).parents[2]
EXPORT = FIXTURES / "export.issues.json"


def conductor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conductor.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def test_an_export_becomes_a_log_a_rehearsal_replays(tmp_path: Path) -> None:
    log = tmp_path / "history.jsonl"
    result = conductor(
        "import", "github", "--from", str(EXPORT), "--score", str(SCORE), "--out", str(log)
    )
    assert result.returncode == 0, result.stderr
    assert (
        "10 events from 6 items; left out: 0 of other repositories, 1 mapping to no milestone"
        in (result.stderr)
    )
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["type"], e["data"]["task"]) for e in events] == [
        ("task.started", "octo-org/octo-repo#1347"),
        ("task.started", "octo-org/octo-repo#1351"),
        ("task.started", "octo-org/octo-repo#1352"),
        ("task.dropped", "octo-org/octo-repo#1351"),
        ("task.started", "octo-org/octo-repo#1354"),
        ("task.completed", "octo-org/octo-repo#1347"),
        ("task.blocked", "octo-org/octo-repo#1354"),
        ("task.completed", "octo-org/octo-repo#1352"),
        ("task.started", "octo-org/octo-repo#1356"),
        ("task.dropped", "octo-org/octo-repo#1356"),
    ]
    assert [e["occurred_at"] for e in events] == sorted(e["occurred_at"] for e in events)
    people = set().union(*(person_values(document) for document in all_payloads().values()))
    text = log.read_text().lower()
    assert sorted(value for value in people if value.lower() in text) == []

    rehearsal = conductor(
        "rehearse",
        str(SCORE),
        "--events",
        str(log),
        "--format",
        "jsonl",
        "--until",
        "2026-03-13T00:00:00+01:00",
    )
    assert rehearsal.returncode == 0, rehearsal.stderr
    assert "11 events accepted, 0 rejected" in rehearsal.stderr, "the score and the 10"
    cues = [json.loads(line) for line in rehearsal.stdout.splitlines()]
    holds = [cue for cue in cues if cue["kind"] == "hold"]
    assert [(cue["subject"], cue["to"]) for cue in holds] == [
        ("octo-org/octo-repo#1354", {"role": "quality-lead"})
    ], "the issue still labelled blocked is held, cued to its milestone's owner"


def test_the_same_export_gives_the_same_log(tmp_path: Path) -> None:
    first = conductor("import", "github", "--from", str(EXPORT), "--score", str(SCORE))
    again = conductor("import", "github", "--from", str(EXPORT), "--score", str(SCORE))
    assert first.returncode == again.returncode == 0
    assert first.stdout == again.stdout and first.stdout.count("\n") == 10


def test_what_is_not_an_export_or_a_mapping_score_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[{"number": 1,')
    result = conductor("import", "github", "--from", str(broken), "--score", str(SCORE))
    assert result.returncode == 2
    assert f"{broken}: not a GitHub export" in result.stderr
    unmapped = conductor(
        "import", "github", "--from", str(EXPORT), "--score", str(ROOT / "examples" / "score.yaml")
    )
    assert unmapped.returncode == 2
    assert "the score has no sources.github" in unmapped.stderr


def test_an_item_that_cannot_be_read_is_named_and_exits_1(tmp_path: Path) -> None:
    export = all_payloads()["export.issues.json"][0]
    del export[0]["created_at"]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    result = conductor("import", "github", "--from", str(path), "--score", str(SCORE))
    assert result.returncode == 1
    assert "not imported: item 0: created_at: Field required" in result.stderr
