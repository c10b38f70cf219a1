"""`model_json` writes exactly what `model_dump_json` would, for every model it is used on."""

from datetime import UTC, datetime
from pathlib import Path

from conductor.core import tick_for
from conductor.core.publication import publication_at_start
from conductor.io.eventlog import BadLine, read_events
from conductor.io.modeljson import model_json
from conductor.io.scorefile import load_score
from conductor.session.ensembles import Session
from schemas.events import ClockTick

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_cues_ticks_and_events_serialize_to_the_bytes_of_model_dump_json() -> None:
    ensembles = Session()
    events = [publication_at_start(load_score(EXAMPLES / "score.yaml"))]
    for _, event in read_events((EXAMPLES / "events.jsonl").read_bytes().splitlines()):
        assert not isinstance(event, BadLine), event
        events.append(event)
    cues = [cue for event in events for cue in ensembles.apply(event).cues]
    tick = tick_for("harbor", datetime(2026, 3, 2, 15, 0, 1, 500_000, tzinfo=UTC))
    assert len(cues) > 20, "the example log must give cues of several kinds"
    for model in [*cues, *events, tick]:
        assert model_json(model) == model.model_dump_json().encode()


def test_a_tick_is_a_valid_clock_tick_at_its_whole_second() -> None:
    tick = tick_for("harbor", datetime(2026, 3, 2, 15, 0, 1, 500_000, tzinfo=UTC))
    assert isinstance(tick, ClockTick)
    assert tick.occurred_at == datetime(2026, 3, 2, 15, 0, 1, tzinfo=UTC)
    assert ClockTick.model_validate_json(model_json(tick)) == tick
