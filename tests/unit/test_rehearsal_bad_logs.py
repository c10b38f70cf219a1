"""A back-test or a pilot's log comparison on a bad log: a log of another ensemble and a pilot
of another ensemble are usage errors naming the option; unreadable lines are reported with
their line number and reason (exit code 1), never dropped in silence."""

from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCORE = str(EXAMPLES / "score.yaml")
LOG = (EXAMPLES / "events.jsonl").read_bytes().splitlines()


def log_file(tmp_path: Path, lines: list[bytes]) -> str:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


Conductor = Callable[..., tuple[int, bytes, str]]
Rehearse = Callable[..., tuple[int, str, str]]


@pytest.fixture
def rehearse(conductor: Conductor) -> Rehearse:
    """`conductor rehearse` of the example score: exit status, stdout, stderr."""

    def run(*arguments: str) -> tuple[int, str, str]:
        code, out, err = conductor("rehearse", SCORE, *arguments)
        return code, out.decode(), err

    return run


@pytest.mark.parametrize("mode", [["--backtest"], ["--compare", SCORE]])
def test_a_log_of_another_ensemble_is_named(
    tmp_path: Path, mode: list[str], rehearse: Rehearse
) -> None:
    other = [line.replace(b'"ensemble":"harbor"', b'"ensemble":"elsewhere"') for line in LOG]
    code, out, err = rehearse("--events", log_file(tmp_path, other), *mode)
    assert code == 2 and out == ""
    assert (
        "--events: the log has no event of the score's ensemble 'harbor' "
        "(ensembles in it: 'elsewhere')"
    ) in err


@pytest.mark.parametrize("mode", [["--backtest"], ["--compare", SCORE]])
def test_unreadable_lines_are_reported_with_their_number_and_reason(
    tmp_path: Path, mode: list[str], rehearse: Rehearse
) -> None:
    lines = [*LOG[:5], b'{"id": 3, "type": "task.started"}', b"not json", *LOG[5:]]
    code, out, err = rehearse("--events", log_file(tmp_path, lines), *mode)
    assert code == 1
    assert "rejected line 6: id: Input should be a valid string" in err
    assert "rejected line 7: (root): Invalid JSON" in err
    expected = "back-test of" if mode == ["--backtest"] else "cues under harbor-launch, "
    assert expected in out, "the rest of the log is still rehearsed"


def test_a_pilot_of_another_ensemble_is_named(tmp_path: Path, rehearse: Rehearse) -> None:
    pilot = tmp_path / "pilot.yaml"
    pilot.write_text(
        (EXAMPLES / "score.yaml").read_text().replace("ensemble: harbor", "ensemble: x")
    )
    code, _, err = rehearse("--events", str(EXAMPLES / "events.jsonl"), "--compare", str(pilot))
    assert code == 2
    assert "--compare: the pilot's ensemble 'x' is not the score's 'harbor'" in err
