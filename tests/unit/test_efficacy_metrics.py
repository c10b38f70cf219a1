"""Cue efficacy as gauges: by kind and recipient, small sections summed into the ensemble."""

from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from conductor.core.figures import figures
from conductor.io.eventlog import parse_event
from conductor.io.scorefile import load_score
from conductor.metrics.instrument import publish_figures
from conductor.metrics.registry import build_metrics
from conductor.metrics.rollup import Rollup
from conductor.rehearsal.replay import Rehearsal
from schemas import EVENT_ADAPTER, Score

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def answered(score: Score) -> Rehearsal:
    """The example log, with every entry cue acknowledged at the next event after it fired."""
    rehearsal = Rehearsal(score)
    acknowledged: set[str] = set()
    for line in (EXAMPLES / "events.jsonl").read_bytes().splitlines():
        event = parse_event(line)
        assert not isinstance(event, list)
        rehearsal.feed(event)
        for cue in [c for c in rehearsal.cues if c.kind == "entry" and c.id not in acknowledged]:
            acknowledged.add(cue.id)
            ack = EVENT_ADAPTER.validate_python(
                {
                    "id": f"ack:{cue.id}",
                    "type": "cue.acknowledged",
                    "ensemble": "harbor",
                    "occurred_at": event.occurred_at,
                    "data": {"cue": cue.id},
                }
            )
            assert rehearsal.feed(ack).accepted
    assert acknowledged
    return rehearsal


def test_efficacy_gauges_follow_the_figures() -> None:
    score = load_score(EXAMPLES / "score.yaml")
    engine = answered(score).session.engines["harbor"]
    shown = figures(engine)["cue_efficacy"]
    registry = CollectorRegistry()
    publish_figures(build_metrics(registry), Rollup.of(score), figures(engine))
    value = registry.get_sample_value
    for to, values in shown["entry"].items():
        role = to.removeprefix("role:")
        section = score.section_of_role()[role]
        labels = {"ensemble": "harbor", "kind": "entry", "section": section, "role": role}
        assert value("conductor_cue_efficacy_cues", labels) == values["cues"] > 0
        assert value("conductor_cue_acknowledged_ratio", labels) == values["acknowledged_share"]
        assert value("conductor_cue_acknowledged_ratio", labels) == 1.0
        followed = value("conductor_cue_action_followed_ratio", labels)
        assert followed == values["action_followed_share"]
    hold = next(iter(shown["hold"].values()))
    assert hold["acknowledged"] == 0
    assert "conductor_cue_acknowledgement_seconds" in generate_latest(registry).decode()


def test_a_small_section_s_recipients_count_as_the_ensemble() -> None:
    score = load_score(EXAMPLES / "score.yaml")
    data = score.model_dump(mode="json")
    for section in data["sections"]:
        section["size"] = 2
    small = Score.model_validate(data)
    engine = answered(small).session.engines["harbor"]
    registry = CollectorRegistry()
    publish_figures(build_metrics(registry), Rollup.of(small), figures(engine))
    entries = figures(engine)["cue_efficacy"]["entry"]
    whole = {"ensemble": "harbor", "kind": "entry", "section": "", "role": ""}
    total = sum(values["cues"] for values in entries.values())
    assert len(entries) > 1
    assert registry.get_sample_value("conductor_cue_efficacy_cues", whole) == total
    assert registry.get_sample_value("conductor_cue_acknowledged_ratio", whole) == 1.0
    assert 'role="platform-lead"' not in generate_latest(registry).decode()
