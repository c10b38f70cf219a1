"""What a newcomer trips over at the command line: an `--until` that cannot be honoured is
said, naming the option; `validate` shows every problem in one run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
SCORE = ROOT / "examples" / "score.yaml"
EVENTS = ROOT / "examples" / "events.jsonl"
LAST_EVENT = "2026-05-14T14:52:00+00:00"


def conductor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conductor.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "200"},
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_until_before_the_last_event_is_said_naming_the_option(jobs: str) -> None:
    whole = conductor("rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl")
    early = conductor(
        "rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl",
        "--until", "2026-04-01T00:00:00+00:00", "--jobs", jobs,
    )  # fmt: skip
    assert early.returncode == 0, early.stderr
    assert early.stdout == whole.stdout, "the log is replayed whole"
    assert "--until 2026-04-01T00:00:00+00:00 is before the log's last event" in early.stderr
    assert LAST_EVENT in early.stderr
    assert "--until" not in whole.stderr


def test_a_naive_until_is_refused_naming_the_option() -> None:
    result = conductor(
        "rehearse", str(SCORE), "--events", str(EVENTS), "--until", "2026-05-20T12:00:00"
    )
    assert result.returncode == 2
    assert "argument --until: " in result.stderr
    assert "with a timezone" in result.stderr


def test_validate_reports_field_errors_and_the_references_they_hid_in_one_run(
    tmp_path: Path,
) -> None:
    score = yaml.safe_load(SCORE.read_text())
    score["milestones"][0]["due"] = "soon"  # a field error: the milestone is set aside
    score["milestones"][2]["depends_on"] = ["ghost"]  # a broken reference behind it
    score["tempo"]["cycle"] = "PT1S"
    path = tmp_path / "score.yaml"
    path.write_text(yaml.safe_dump(score))
    result = conductor("validate", str(path))
    assert result.returncode == 2
    assert "milestones[0].due: must be ISO 8601 text" in result.stderr
    assert "tempo.cycle:" in result.stderr
    assert "milestones[2].depends_on[0]: unknown milestone 'ghost'" in result.stderr
    assert "3 problem(s)" in result.stderr


def test_the_cue_table_labels_its_times_with_the_scores_zone() -> None:
    result = conductor("rehearse", str(SCORE), "--events", str(EVENTS), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "at (Europe/Berlin)" in result.stdout
    assert "2026-03-02 00:00 CET" in result.stdout  # the score's start, Berlin's midnight
    assert " CEST " in result.stdout  # after the switch to summer time on 2026-03-29
