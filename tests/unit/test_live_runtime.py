"""The live fold over the SQLite log: snapshots, recovery, ticks and score revisions."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from conductor.core.figures import figures
from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.rehearsal.replay import rehearse_file
from conductor.runtime.live import LiveRuntime
from conductor.runtime.store import Store
from conductor.session.clock import ScaledClock

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
SCORE = load_score(EXAMPLES / "score.yaml")


def runtime(db: Path, clock: ScaledClock, snapshot_every: int = 100_000) -> LiveRuntime:
    live = LiveRuntime(
        Store(db), build_metrics(CollectorRegistry()), clock, ("stdout",), snapshot_every
    )
    live.recover()
    live.publish_score(SCORE)
    return live


def still(at: datetime) -> ScaledClock:
    return ScaledClock(at, speed=0)


def test_recovery_from_a_snapshot_equals_a_full_replay(tmp_path: Path) -> None:
    clock = still(datetime(2026, 3, 1, tzinfo=UTC))
    first = runtime(tmp_path / "a.db", clock, snapshot_every=40)
    for start in range(0, len(LINES), 25):
        first.ingest(LINES[start : start + 25])
    expected = figures(first.session.engines["harbor"])
    first.store.close()

    with_snapshot = runtime(tmp_path / "a.db", clock, snapshot_every=40)
    snapshot = with_snapshot.store.latest_snapshot()
    assert snapshot is not None and 0 < snapshot[0] < with_snapshot.offset
    assert figures(with_snapshot.session.engines["harbor"]) == expected
    assert with_snapshot.offset == len(LINES) + 1

    with sqlite3.connect(tmp_path / "a.db") as connection:
        connection.execute("DELETE FROM snapshots")
    full = LiveRuntime(Store(tmp_path / "a.db"), build_metrics(CollectorRegistry()), clock)
    assert full.recover() == len(LINES) + 1
    assert figures(full.session.engines["harbor"]) == expected


def test_the_clock_reaching_a_deadline_appends_a_tick_whose_replay_gives_the_same_cues(
    tmp_path: Path,
) -> None:
    clock = still(datetime(2026, 3, 1, tzinfo=UTC))
    live = runtime(tmp_path / "t.db", clock)
    live.ingest(LINES[:20])
    deadline = live.next_deadline()
    assert deadline is not None
    live.clock = still(deadline[0] + timedelta(hours=30))
    before = live.offset
    assert live.tick() > 0
    ticks = [body for pos, body in live.store.events_after(before)]
    assert all(b'"clock.tick"' in body for body in ticks)
    cues = [body for _, body in live.store.cues(0, None, None, 10_000)]
    live.store.close()

    again = runtime(tmp_path / "t.db", still(datetime(2026, 3, 1, tzinfo=UTC)))
    assert again.offset == before + len(ticks)
    assert figures(again.session.engines["harbor"]) == figures(live.session.engines["harbor"])
    assert [body for _, body in again.store.cues(0, None, None, 10_000)] == cues


def test_a_runtime_behind_the_wall_clock_never_ticks_past_its_time(tmp_path: Path) -> None:
    live = runtime(tmp_path / "n.db", still(datetime(2026, 3, 1, tzinfo=UTC)))
    live.ingest(LINES)
    deadline = live.next_deadline()
    assert deadline is not None and deadline[0] > live.now()
    assert live.tick() == 0


def test_a_changed_score_is_published_as_a_revision_once(tmp_path: Path) -> None:
    clock = still(datetime(2026, 3, 1, tzinfo=UTC))
    live = runtime(tmp_path / "s.db", clock)
    assert live.publish_score(SCORE) is None
    revised = SCORE.model_copy(update={"title": "Harbor, revised"})
    result = live.publish_score(revised)
    assert result is not None and result.count("accepted") == 1
    assert live.publish_score(revised) is None
    engine = live.session.engines["harbor"]
    assert engine.plan.score.title == "Harbor, revised"


def test_rehearsal_and_live_agree_on_the_same_instant(tmp_path: Path) -> None:
    live = runtime(tmp_path / "r.db", still(datetime(2026, 3, 1, tzinfo=UTC)))
    live.ingest(LINES)
    report = rehearse_file(SCORE, LINES, None)
    cues = [body for _, body in live.store.cues(0, None, None, 10_000)]
    assert sorted(cues, key=lambda body: body[body.index(b'"at"') :]) == sorted(
        (cue.model_dump_json().encode() for cue in report.cues),
        key=lambda body: body[body.index(b'"at"') :],
    )


def test_a_timer_set_in_the_past_at_an_instant_already_ticked_still_fires(
    tmp_path: Path,
) -> None:
    """An ensemble behind the runtime's time (a late sender) can set a hold timer at the very
    instant of an earlier tick; the runtime must tick again (and not loop on a duplicate)."""
    live = runtime(tmp_path / "late.db", still(datetime(2026, 3, 1, tzinfo=UTC)))
    live.ingest(LINES[:40])
    engine = live.session.engines["harbor"]
    ticked_at = datetime.fromtimestamp(engine.state.now, UTC) + timedelta(days=5)
    live.clock = still(ticked_at)
    assert live.tick() > 0
    last_tick = max(
        json.loads(body)["occurred_at"]
        for _, body in live.store.events_after(0)
        if b'"clock.tick"' in body
    )
    at = datetime.fromisoformat(last_tick)
    late = [
        {"id": "late-start", "type": "task.started", "occurred_at": at - timedelta(days=3),
         "data": {"task": "late-1", "milestone": "api-contract"}},
        {"id": "late-block", "type": "task.blocked", "occurred_at": at - timedelta(days=2),
         "data": {"task": "late-1", "reason": "waiting on a vendor"}},
    ]  # fmt: skip
    lines = [
        json.dumps(
            {**event, "ensemble": "harbor", "occurred_at": event["occurred_at"].isoformat()}
        ).encode()
        for event in late
    ]
    result = live.ingest(lines)
    assert result.count("accepted") == 2
    assert engine.next_deadline() is None or engine.next_deadline() > live.now()
    holds = [
        json.loads(body)
        for _, body in live.store.cues(0, "hold", None, 10_000)
        if b"late-1" in body
    ]
    assert holds, "the hold on the late task fired"


def test_snapshots_and_the_replay_at_start_are_measured(tmp_path: Path) -> None:
    clock = still(datetime(2026, 3, 1, tzinfo=UTC))
    first = runtime(tmp_path / "a.db", clock, snapshot_every=40)
    for start in range(0, 110, 25):  # snapshots at 51 and 101, then 10 events more
        first.ingest(LINES[start : min(start + 25, 110)])
    first.writer.close()
    value = first.metrics.registry.get_sample_value
    assert value("conductor_snapshot_duration_seconds_count") == 2
    assert value("conductor_snapshot_offset") == first.store.latest_snapshot()[0]  # type: ignore[index]
    first.store.close()

    second = runtime(tmp_path / "a.db", clock, snapshot_every=40)
    value = second.metrics.registry.get_sample_value
    snapshot_at = second.store.latest_snapshot()[0]  # type: ignore[index]
    assert value("conductor_snapshot_offset") == snapshot_at
    assert value("conductor_recovery_replayed_events") == 111 - snapshot_at == 10
    assert 0 < value("conductor_recovery_duration_seconds") < 60  # type: ignore[operator]
    second.close()
