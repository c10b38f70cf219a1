"""Snapshots: orjson's native serialization of the states gives `to_dict`'s exact JSON."""

from pathlib import Path

import orjson

from conductor.core import EnsembleEngine, EnsembleState
from conductor.core.ensembles import Ensembles
from conductor.core.rehearsal import publication_at_start
from conductor.eventlog import BadLine, read_events
from conductor.scorefile import load_score
from conductor.statejson import dumps as state_json
from streams.fold import Live, decode_snapshot, encode_snapshot

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def folded() -> Ensembles:
    """The example log folded: tasks, decisions, digests, sets and daily counts all filled."""
    ensembles = Ensembles()
    ensembles.apply(publication_at_start(load_score(EXAMPLES / "score.yaml")))
    for _, event in read_events((EXAMPLES / "events.jsonl").read_bytes().splitlines()):
        assert not isinstance(event, BadLine), event
        ensembles.apply(event)
    return ensembles


def test_snapshot_bytes_equal_the_json_of_to_dict() -> None:
    engines = folded().engines
    state = engines["harbor"].state
    assert state.tasks and state.seen and state.daily_done, "the fold must fill the state"
    expected = {"offset": 7, "ensembles": {"harbor": state.to_dict()}}
    assert state_json({"offset": 7, "ensembles": {"harbor": state}}) == orjson.dumps(expected)


def test_a_snapshot_restores_the_same_state() -> None:
    engines = folded().engines
    data = orjson.loads(state_json({"ensembles": {"harbor": engines["harbor"].state}}))
    restored = EnsembleEngine(EnsembleState.from_dict(data["ensembles"]["harbor"]))
    assert restored.state.to_dict() == engines["harbor"].state.to_dict()


def test_a_worker_snapshot_restores_the_same_state_and_partition() -> None:
    engine = folded().engines["harbor"]
    restored = decode_snapshot(encode_snapshot(Live(engine, partition=3)))
    assert restored.partition == 3
    assert restored.engine.state.to_dict() == engine.state.to_dict()
