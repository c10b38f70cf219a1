"""The example log is a rehearsal a new team can learn from: every cue kind fires."""

from pathlib import Path

from conductor.io.scorefile import load_score
from conductor.rehearsal.replay import rehearse_file
from schemas import CueKind

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_example_log_fires_every_cue_kind_and_rejects_nothing() -> None:
    score = load_score(EXAMPLES / "score.yaml")
    with (EXAMPLES / "events.jsonl").open("rb") as lines:
        report = rehearse_file(score, lines, None)
    assert report.rejected == []
    assert {cue.kind for cue in report.cues} == set(CueKind)
    assert [cue.at for cue in report.cues] == sorted(cue.at for cue in report.cues)
