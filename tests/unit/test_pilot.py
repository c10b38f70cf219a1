"""`conductor run --pilot`: a second score folded in shadow, its cues recorded, never delivered."""

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry

from conductor.errors import InvalidScore
from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.rehearsal.logcompare import compare_on_log
from conductor.runtime.delivery import Courier
from conductor.runtime.live import LiveRuntime
from conductor.runtime.serve import build
from conductor.runtime.settings import Settings
from conductor.runtime.store import Store
from conductor.session.clock import ScaledClock
from conductor.sinks.build import Planned, router_of, shorthands
from conductor.sinks.retry import RetryPolicy
from schemas import Cue, Score

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCORE = load_score(EXAMPLES / "score.yaml")


def lower_wip(score: Score, section: str, limit: int) -> Score:
    data = score.model_dump(mode="json")
    data["score"] = f"{score.score}-wip-{limit}"
    data["tempo"]["wip_limit"][section] = limit
    return Score.model_validate(data)


def started(count: int) -> list[bytes]:
    """`count` tasks started on the platform section's first milestone on 2026-03-02."""
    return [
        orjson.dumps(
            {
                "id": f"start-{n}",
                "type": "task.started",
                "ensemble": "harbor",
                "occurred_at": f"2026-03-02T10:0{n}:00+00:00",
                "data": {"task": f"api-contract-{n}", "milestone": "api-contract"},
            }
        )
        for n in range(count)
    ]


def jsonl_sink(db: Path) -> Planned:
    """The `--jsonl` sink, beside the log."""
    (planned,) = shorthands(
        stdout=False,
        jsonl=db.parent / "cues.jsonl",
        webhook=None,
        webhook_secret=None,
        webhook_timeout=1.0,
        retry=RetryPolicy(cap=0.1),
    )
    return planned


def pilot_runtime(db: Path, pilot: Score) -> LiveRuntime:
    clock = ScaledClock(datetime(2026, 3, 2, 12, tzinfo=UTC), speed=0)
    metrics = build_metrics(CollectorRegistry())
    router = router_of([jsonl_sink(db)])
    live = LiveRuntime(Store(db), metrics, clock, router, pilot=pilot)
    live.recover()
    live.publish_score(SCORE)
    return live


def kinds(rows: list[tuple[int, bytes]]) -> list[str]:
    return [Cue.model_validate_json(body).kind.value for _, body in rows]


def test_a_pilot_lowering_a_wip_limit_cues_tempo_where_the_live_score_does_not_and_no_sink_gets_it(
    tmp_path: Path,
) -> None:
    """Platform's WIP limit is 4 live, 3 in the pilot: a fourth task started crosses only
    the pilot's."""
    live = pilot_runtime(tmp_path / "log.db", lower_wip(SCORE, "platform", 3))
    result = live.ingest(started(4))
    assert result.count("accepted") == 4
    live_cues = live.store.cues(0, None, None, 1000)
    pilot_cues = live.store.cues(0, None, None, 1000, pilot=True)
    assert "tempo" not in kinds(live_cues)
    tempo = [Cue.model_validate_json(b) for _, b in pilot_cues if b"tempo" in b]
    assert [(c.kind.value, c.subject, c.pilot) for c in tempo] == [("tempo", "platform", True)]
    assert b'"pilot":true' in pilot_cues[-1][1]
    assert all(b'"pilot"' not in body for _, body in live_cues), "live cues carry no flag"
    assert set(kinds(pilot_cues)) >= {"entry"}, "the pilot is published with the live score"

    planned = jsonl_sink(tmp_path / "log.db")
    sink = planned.open()
    courier = Courier(sink, live.store, live.metrics, planned.retry)
    delivered = asyncio.run(courier.deliver_due())
    asyncio.run(sink.close())
    assert delivered == len(live_cues) > 0
    lines = (tmp_path / "cues.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [
        Cue.model_validate_json(body).id for _, body in live_cues
    ]
    assert all("pilot" not in json.loads(line) for line in lines)
    assert live.store.pending_count("jsonl") == 0

    value = live.metrics.registry.get_sample_value
    labels = {"ensemble": "harbor", "kind": "tempo", "section": "platform", "role": ""}
    assert value("conductor_cues_total", {**labels, "pilot": "true"}) == 1
    assert value("conductor_cues_total", {**labels, "pilot": "false"}) == 0  # primed, never counted
    live.close()


def test_the_pilot_is_rebuilt_from_the_log_on_restart_without_recording_its_cues_again(
    tmp_path: Path,
) -> None:
    pilot = lower_wip(SCORE, "platform", 3)
    first = pilot_runtime(tmp_path / "log.db", pilot)
    first.ingest(started(4))
    recorded = first.store.cues(0, None, None, 1000, pilot=True)
    first.close()

    again = pilot_runtime(tmp_path / "log.db", pilot)
    assert again.store.cues(0, None, None, 1000, pilot=True) == recorded
    assert again.pilot is not None
    assert again.pilot.session.engines["harbor"].state.wip == {"platform": 4}
    more = orjson.dumps(
        {
            "id": "start-9",
            "type": "task.started",
            "ensemble": "harbor",
            "occurred_at": "2026-03-02T11:00:00+00:00",
            "data": {"task": "api-contract-9", "milestone": "api-contract"},
        }
    )
    again.ingest([more])
    after = again.store.cues(0, None, None, 1000, pilot=True)
    assert after[: len(recorded)] == recorded
    assert [s for s, _ in after] == list(range(1, len(after) + 1))
    again.close()


def test_rehearsing_a_log_exported_from_the_runtime_against_the_pilot_shows_what_it_changes(
    tmp_path: Path,
) -> None:
    live = pilot_runtime(tmp_path / "log.db", lower_wip(SCORE, "platform", 3))
    live.ingest(started(4))
    exported = [body for _, body in live.store.events_after(0)]
    live.close()
    compared = compare_on_log(SCORE, lower_wip(SCORE, "platform", 3), exported)
    assert compared.data["only_b_by_kind"] == {"tempo": 1}
    assert compared.data["only_a_by_kind"] == {}
    assert compared.data["only_b"][0]["pilot"] is True


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            (EXAMPLES / "score.yaml").read_text().replace("ensemble: harbor", "ensemble: other"),
            "ensemble: 'other' is not the live score's 'harbor'",
        ),
        ("score: x\nensemble: 3\n", "ensemble: Input should be a valid string"),
    ],
)
def test_a_pilot_of_another_ensemble_or_a_bad_pilot_is_refused_before_anything_starts(
    tmp_path: Path, text: str, problem: str
) -> None:
    pilot = tmp_path / "pilot.yaml"
    pilot.write_text(text)
    settings = Settings(score=EXAMPLES / "score.yaml", pilot=pilot, db=tmp_path / "log.db")
    with pytest.raises(InvalidScore, match=re.escape(problem)) as refused:
        build(settings, SCORE)
    assert str(pilot) in str(refused.value)
    assert not (tmp_path / "log.db").exists(), "no log opened, no writer started"
