"""The CLI as a user runs it: in a subprocess, reading files, with exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SCORE = ROOT / "examples" / "score.yaml"
EVENTS = ROOT / "examples" / "events.jsonl"


def conductor(*args: str, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conductor.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )


def test_validate_ok_prints_one_line_summary() -> None:
    result = conductor("validate", str(SCORE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert "ok — score 'harbor-launch' for ensemble 'harbor': 3 sections, 8 milestones" in (
        result.stdout
    )


def test_validate_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    bad = SCORE.read_text().replace("owner: platform-lead,", "owner: designer,")
    bad = bad.replace("depends_on: [acceptance]", "depends_on: [acceptance, nowhere]")
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    result = conductor("validate", str(path))
    assert result.returncode == 2
    assert "milestones[0].owner: role 'designer' belongs to section 'product'" in result.stderr
    assert "milestones[7].depends_on[1]: unknown milestone 'nowhere'" in result.stderr


def test_rehearse_jsonl_matches_the_library_and_is_in_time_order() -> None:
    result = conductor("rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    cues = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(cues) > 50
    assert [cue["at"] for cue in cues] == sorted(cue["at"] for cue in cues)
    assert len({cue["id"] for cue in cues}) == len(cues)
    assert "commitment public-launch by 2026-05-08" in result.stderr
    for hash_seed in ("1", "2", "3"):  # string hashing, hence set order, differs per process
        again = conductor(
            "rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl",
            hash_seed=hash_seed,
        )  # fmt: skip
        assert again.stdout == result.stdout


def test_rehearse_table_is_readable() -> None:
    result = conductor("rehearse", str(SCORE), "--events", str(EVENTS))
    assert result.returncode == 0, result.stderr
    assert "cues" in result.stdout.splitlines()[0]
    assert "entry" in result.stdout and "role:platform-lead" in result.stdout


def test_rehearse_until_ticks_through_later_deadlines() -> None:
    last = conductor("rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl")
    later = conductor(
        "rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl",
        "--until", "2026-05-20T12:00:00+02:00",
    )  # fmt: skip
    assert later.returncode == 0, later.stderr
    assert later.stdout.startswith(last.stdout)
    extra = [json.loads(line) for line in later.stdout[len(last.stdout) :].splitlines()]
    assert extra, "the reminders and checks after the log's end fire up to --until"
    assert all("2026-05-14" <= cue["at"] <= "2026-05-20T10:00:00Z" for cue in extra)


def test_rehearse_reports_bad_lines_skips_them_and_exits_1(tmp_path: Path) -> None:
    lines = EVENTS.read_text().splitlines()
    naive = lines[5].replace("Z", "")
    unknown = json.loads(lines[6])
    unknown["data"]["milestone"] = "moon-landing"
    unknown["id"] = "unknown-milestone"
    broken = [
        *lines[:5], "{not json", naive, json.dumps(unknown), '{"id": "x", "type": "nap"}',
        *lines[5:],
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(broken) + "\n")
    result = conductor("rehearse", str(SCORE), "--events", str(path), "--format", "jsonl")
    assert result.returncode == 1
    assert "line 6: (root): Invalid JSON" in result.stderr
    assert "line 7: occurred_at: Input should have timezone info" in result.stderr
    assert (
        "line 8: event 'unknown-milestone': data.milestone: unknown milestone 'moon-landing'"
        in result.stderr
    )
    assert "line 9: type: Input tag 'nap'" in result.stderr
    clean = conductor("rehearse", str(SCORE), "--events", str(EVENTS), "--format", "jsonl")
    assert result.stdout == clean.stdout, "bad lines are skipped, good ones all applied"
    for jobs in ("1", "3"):  # the default here is one process per core
        again = conductor(
            "rehearse", str(SCORE), "--events", str(path), "--format", "jsonl", "--jobs", jobs
        )  # fmt: skip
        assert (again.returncode, again.stdout, again.stderr) == (
            1, result.stdout, result.stderr,
        )  # fmt: skip


def test_rehearse_names_a_missing_log(tmp_path: Path) -> None:
    result = conductor("rehearse", str(SCORE), "--events", str(tmp_path / "nowhere.jsonl"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "--events" in result.stderr


def test_schemas_export_writes_the_committed_files(tmp_path: Path) -> None:
    result = conductor("schemas", "export", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in ("score.schema.json", "event.schema.json", "cue.schema.json"):
        assert (tmp_path / name).read_text() == (ROOT / "schemas" / "json" / name).read_text()


def test_example_log_is_the_simulation_it_claims_to_be() -> None:
    result = conductor("simulate", str(SCORE), "--seed", "17")
    assert result.returncode == 0, result.stderr
    assert result.stdout == EVENTS.read_text(), (
        "examples/events.jsonl is stale: conductor simulate examples/score.yaml --seed 17"
    )


def test_simulate_is_seeded() -> None:
    one = conductor("simulate", str(SCORE), "--seed", "3", "--days", "10")
    two = conductor("simulate", str(SCORE), "--seed", "4", "--days", "10")
    assert one.returncode == two.returncode == 0
    assert one.stdout != two.stdout
    assert one.stdout == conductor("simulate", str(SCORE), "--seed", "3", "--days", "10").stdout


def test_validate_loads_no_runtime() -> None:
    """A command reading only a score imports no event loop, HTTP stack, Kafka client or
    NumPy: each CLI module imports its runtime inside the command that runs it; nor typer
    or click (argparse parses the command line: typer's import alone was 60 ms)."""
    script = (
        "import sys, runpy; sys.argv = ['conductor', 'validate', 'examples/score.yaml']\n"
        "try:\n    runpy.run_module('conductor.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = {'asyncio', 'httpx', 'fastapi', 'uvicorn', 'aiokafka', 'faust', 'numpy',\n"
        "         'typer', 'click', 'rich'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
