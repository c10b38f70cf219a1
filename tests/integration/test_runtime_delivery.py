"""Durability and delivery: SIGKILL mid-stream, webhooks that fail or are down."""

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from local_processes import free_port
from runtime_servers import (
    EXAMPLES,
    InProcessRuntime,
    RuntimeProcess,
    WebhookReceiver,
    wait_for,
)
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

from conductor.core.figures import figures
from conductor.io.eventlog import parse_event
from conductor.session.ensembles import Session

LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()


def replay(db: Path) -> tuple[Session, list[dict[str, Any]], list[str]]:
    """A clean replay of the log file: engines, the cues they fire, the event ids in order."""
    ensembles = Session()
    cues: list[dict[str, Any]] = []
    ids: list[str] = []
    with sqlite3.connect(db) as connection:
        for event_id, body in connection.execute("SELECT id, body FROM events ORDER BY pos"):
            event = parse_event(body)
            assert not isinstance(event, list), event
            outcome = ensembles.apply(event)
            assert outcome.accepted, (event_id, outcome)
            cues += [json.loads(cue.model_dump_json()) for cue in outcome.cues]
            ids.append(event_id)
    return ensembles, cues, ids


def logged_cues(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        return [
            json.loads(body) for (body,) in connection.execute("SELECT body FROM cues ORDER BY seq")
        ]


def test_sigkill_mid_stream_loses_nothing_and_delivers_each_cue_once(
    tmp_path: Path,
    webhook: WebhookReceiver,
    runtime_process: Callable[..., RuntimeProcess],
) -> None:
    db, port = tmp_path / "conductor.db", free_port()
    args = [
        "--score", str(EXAMPLES / "score.yaml"), "--db", str(db), "--no-stdout",
        "--webhook", webhook.url, "--snapshot-every", "50",
        "--clock-start", "2026-03-01T00:00:00Z", "--clock-speed", "0",
    ]  # fmt: skip
    process = runtime_process(args, port)
    batches = [b"\n".join(LINES[start : start + 10]) for start in range(0, len(LINES), 10)]
    acknowledged: list[str] = []
    killed = threading.Event()

    def kill_mid_stream() -> None:
        wait_for(lambda: len(acknowledged) >= 120, what="a part of the stream to be posted")
        process.kill()
        killed.set()

    killer = threading.Thread(target=kill_mid_stream)
    killer.start()
    restarted = False
    for batch in batches:
        while True:
            try:
                answer = httpx.post(f"{process.url}/events", content=batch, headers=NDJSON)
            except httpx.TransportError:
                assert not restarted, "the restarted runtime went away"
                killed.wait(timeout=30)
                process = runtime_process(args, port)
                restarted = True
                continue
            assert answer.status_code == 200, answer.text
            acknowledged += [r["id"] for r in answer.json()["results"]]
            break
    killer.join()
    assert restarted

    ensembles, replayed_cues, log_ids = replay(db)
    assert set(acknowledged) == {json.loads(line)["id"] for line in LINES}
    assert set(acknowledged) <= set(log_ids)
    assert len(log_ids) == len(set(log_ids)), "an event was appended twice"
    served = httpx.get(f"{process.url}/ensembles/harbor").json()
    served.pop("offset")
    assert served == figures(ensembles.engines["harbor"])
    assert logged_cues(db) == replayed_cues
    wanted = {cue["id"] for cue in replayed_cues}
    wait_for(lambda: {cue["id"] for cue in webhook.processed} == wanted, what="every cue")
    assert sorted(cue["id"] for cue in webhook.processed) == sorted(wanted)
    assert set(webhook.received) == wanted


def test_a_webhook_failing_its_first_requests_gets_every_cue(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    webhook.fail_first = 4
    config = settings(tmp_path, webhook=webhook.url, jsonl=None, retry_max_seconds=0.2)
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        answer = httpx.post(f"{server.url}/events", content=b"\n".join(LINES), headers=NDJSON)
        assert answer.status_code == 200
        wanted = {cue["id"] for cue in logged_cues(config.db)}
        wait_for(lambda: {c["id"] for c in webhook.processed} == wanted, what="every cue")
        in_order = [cue["id"] for cue in logged_cues(config.db)]
        assert [cue["id"] for cue in webhook.processed] == in_order
        metrics = server.runtime.metrics.registry
        assert (
            metrics.get_sample_value("conductor_cue_delivery_failures_total", {"kind": "webhook"})
            == 4
        )
        assert metrics.get_sample_value(
            "conductor_cue_deliveries_total", {"kind": "webhook"}
        ) == len(wanted)


def test_a_webhook_that_is_down_does_not_stall_ingest(tmp_path: Path) -> None:
    down = WebhookReceiver(free_port())
    # Down for a while, back before the last try: no cue is given up on in this test.
    config = settings(tmp_path, webhook=down.url, retry_max_seconds=0.3, retry_attempts=10_000)
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        for start in range(0, len(LINES), 50):
            batch = b"\n".join(LINES[start : start + 50])
            answer = httpx.post(f"{server.url}/events", content=batch, headers=NDJSON)
            assert answer.status_code == 200
        wanted = {cue["id"] for cue in logged_cues(config.db)}
        assert httpx.get(f"{server.url}/healthz").json()["offset"] == len(LINES) + 1
        registry = server.runtime.metrics.registry
        wait_for(
            lambda: (
                (
                    registry.get_sample_value(
                        "conductor_cue_delivery_failures_total", {"kind": "webhook"}
                    )
                    or 0
                )
                >= 2
            ),
            what="failed attempts",
        )
        scrape = httpx.get(f"{server.url}/metrics").text
        assert f'conductor_cue_delivery_pending{{kind="webhook"}} {float(len(wanted))}' in scrape
        jsonl = config.jsonl
        assert jsonl is not None
        wait_for(
            lambda: jsonl.exists() and len(jsonl.read_text().splitlines()) == len(wanted),
            what="the other sink to keep delivering",
        )
        down.start()
        try:
            wait_for(lambda: {c["id"] for c in down.processed} == wanted, what="late delivery")
        finally:
            down.stop()
