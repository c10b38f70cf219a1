"""The embedded runtime's sinks over real HTTP: signed CloudEvents verified as the README says,
Slack Block Kit parsed back, routing, retries and the failed record, quiet hours."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from local_processes import free_port
from receivers import CloudEventsReceiver, Receiver, SlackReceiver
from runtime_servers import EXAMPLES, InProcessRuntime, wait_for
from test_runtime_delivery import logged_cues
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Receivers a test starts; every one is stopped at the end."""
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def hooks(started: list[Receiver], **options: Any) -> CloudEventsReceiver:
    receiver = CloudEventsReceiver(free_port(), secret=SECRET, **options)
    started.append(receiver.start())
    return receiver


def chat(started: list[Receiver], **options: Any) -> SlackReceiver:
    receiver = SlackReceiver(free_port(), **options)
    started.append(receiver.start())
    return receiver


def sinks_file(tmp_path: Path, sinks: list[dict[str, Any]]) -> Path:
    path = tmp_path / "sinks.yaml"
    path.write_text(yaml.safe_dump({"sinks": sinks}), encoding="utf-8")
    return path


def post(url: str, lines: list[bytes]) -> None:
    for start in range(0, len(lines), 50):
        answer = httpx.post(
            f"{url}/events", content=b"\n".join(lines[start : start + 50]), headers=NDJSON
        )
        assert answer.status_code == 200, answer.text


def test_every_cue_arrives_as_a_signed_cloudevent_and_a_slack_message(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_SECRET", SECRET)
    webhook, slack = hooks(receivers), chat(receivers)
    monkeypatch.setenv("TEAM_CHAT", slack.url)
    path = sinks_file(
        tmp_path,
        [
            {
                "name": "team-hooks",
                "type": "webhook",
                "url": webhook.url,
                "secret_env": "TEAM_SECRET",
            },
            {
                "name": "team-chat",
                "type": "slack",
                "url_env": "TEAM_CHAT",
                "dashboard_url": "http://127.0.0.1:3000/d/harbor",
            },
        ],
    )
    config = settings(tmp_path, sinks=path, jsonl=None)
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        post(server.url, LINES)
        stored = logged_cues(config.db)
        wanted = [cue["id"] for cue in stored]
        wait_for(lambda: webhook.ids() == set(wanted), what="every cue at the webhook")
        wait_for(lambda: len(slack.cue_ids()) == len(wanted), what="every cue in the chat")
    assert webhook.errors == [] and slack.errors == []
    assert webhook.order == wanted, "in the order they fired"
    by_id = {cue["id"]: cue for cue in stored}
    for cue_id, event in webhook.events.items():
        cue = by_id[cue_id]
        assert event.get_specversion() == "1.0"
        assert event.get_type() == f"dev.conductor.cue.{cue['kind']}"
        assert event.get_source() == "conductor/harbor"
        assert event.get_subject() == cue["subject"]
        assert event.get_time() is not None
        assert event.get_time().isoformat().replace("+00:00", "Z") == cue["at"]
        assert event.get_datacontenttype() == "application/json"
        assert event.get_data() == cue == webhook.cues[cue_id]
    assert slack.cue_ids() == wanted
    first = slack.messages[0]
    assert stored[0]["reason"] in first["text"]
    assert "(Europe/Berlin)" in json.dumps(first["blocks"])
    assert first["blocks"][-1]["elements"][0]["url"] == "http://127.0.0.1:3000/d/harbor"


def test_each_sink_gets_the_cues_its_route_takes(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_SECRET", SECRET)
    misses, platform, everything = hooks(receivers), hooks(receivers), hooks(receivers)
    path = sinks_file(
        tmp_path,
        [
            {"name": "misses", "type": "webhook", "url": misses.url, "secret_env": "TEAM_SECRET",
             "kinds": ["cadence-missed", "hold"], "min_severity": "warn"},
            {"name": "platform", "type": "webhook", "url": platform.url,
             "secret_env": "TEAM_SECRET", "to": ["section:platform", "role:platform-dev"]},
            {"name": "everything", "type": "webhook", "url": everything.url,
             "secret_env": "TEAM_SECRET"},
        ],
    )  # fmt: skip
    config = settings(tmp_path, sinks=path, jsonl=None)
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        post(server.url, LINES)
        stored = logged_cues(config.db)
        wait_for(lambda: len(everything.ids()) == len(stored), what="every cue")
        missed = {
            c["id"]
            for c in stored
            if (c["kind"] in {"cadence-missed", "hold"} and c["severity"] != "info")
            or any(f["kind"] in {"cadence-missed", "hold"} for f in c.get("folded", []))
        }
        ours = {
            c["id"]
            for c in stored
            if c["to"] in ({"section": "platform"}, {"role": "platform-dev"})
        }
        wait_for(lambda: misses.ids() == missed and platform.ids() == ours, what="routed cues")
        deliveries = httpx.get(f"{server.url}/deliveries", params={"sink": "misses"}).json()
    assert {c["kind"] for c in stored if c["id"] in missed} == {"cadence-missed", "hold", "digest"}
    assert 0 < len(ours) < len(stored)
    assert misses.count() == len(missed), "no cue sent where its route does not take it"
    rows = deliveries["deliveries"]
    assert {row["cue"] for row in rows} == missed
    assert {row["status"] for row in rows} == {"delivered"}


def test_a_refused_cue_is_retried_then_recorded_as_failed_and_blocks_no_other_sink(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_SECRET", SECRET)
    down = hooks(receivers, always_fail=True)
    retry = {"attempts": 3, "first_seconds": 0.05, "max_seconds": 0.1}
    path = sinks_file(
        tmp_path,
        [
            {"name": "down", "type": "webhook", "url": down.url, "secret_env": "TEAM_SECRET",
             "retry": retry},
            {"name": "archive", "type": "jsonl", "path": str(tmp_path / "archive.jsonl")},
        ],
    )  # fmt: skip
    config = settings(tmp_path, sinks=path, jsonl=None)
    lines = LINES[:40]
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        post(server.url, lines)
        stored = [cue["id"] for cue in logged_cues(config.db)]
        assert stored

        def failed() -> list[dict[str, Any]]:
            answer = httpx.get(f"{server.url}/deliveries", params={"failed": "true"})
            found: list[dict[str, Any]] = answer.json()["deliveries"]
            return found

        wait_for(lambda: len(failed()) == len(stored), timeout=60, what="every cue failed")
        archive = tmp_path / "archive.jsonl"
        written = [json.loads(line)["id"] for line in archive.read_text().splitlines()]
        registry = server.runtime.metrics.registry
        given_up = registry.get_sample_value(
            "conductor_cue_deliveries_failed_total", {"kind": "down"}
        )
        tries = registry.get_sample_value("conductor_cue_delivery_failures_total", {"kind": "down"})
        pending = httpx.get(f"{server.url}/metrics").text
        rows = failed()
    assert written == stored, "the other sink got every cue"
    assert {row["cue"] for row in rows} == set(stored)
    assert {(row["sink"], row["status"], row["attempts"]) for row in rows} == {
        ("down", "failed", 3)
    }
    assert all("503" in row["error"] for row in rows)
    assert given_up == len(stored) and tries == 3 * len(stored)
    assert down.count() == 3 * len(stored)
    assert 'conductor_cue_delivery_pending{kind="down"} 0.0' in pending


QUIET_SCORE = {
    "score": "quiet",
    "title": "Quiet evenings",
    "ensemble": "calm",
    "timezone": "Europe/Berlin",
    "starts": "2026-03-02",
    "sections": [{"id": "core", "roles": ["lead"]}],
    "tempo": {
        "blocker_hold": "PT12H",
        "cue_budget_per_day": 50,
        "quiet_hours": {"start": "19:00", "end": "08:00", "days_off": ["SA", "SU"]},
    },
    "milestones": [{"id": "m", "title": "M", "section": "core", "owner": "lead",
                    "due": "2026-06-30", "estimate": 5}],
}  # fmt: skip


def calm(event_id: str, kind: str, at: str, **data: str) -> bytes:
    return json.dumps(
        {"id": event_id, "type": kind, "ensemble": "calm", "occurred_at": at, "data": data}
    ).encode()


def test_a_cue_at_21_00_is_delivered_at_08_00_the_next_working_day(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_SECRET", SECRET)
    webhook = hooks(receivers)
    score = tmp_path / "quiet.yaml"
    score.write_text(yaml.safe_dump(QUIET_SCORE), encoding="utf-8")
    path = sinks_file(
        tmp_path,
        [{"name": "hooks", "type": "webhook", "url": webhook.url, "secret_env": "TEAM_SECRET",
          "kinds": ["hold"]}],
    )  # fmt: skip
    config = settings(tmp_path, score=score, sinks=path, jsonl=None)
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        # Friday 6 March: blocked at 09:00 local (08:00Z), held from 21:00 local (20:00Z)
        post(
            server.url,
            [
                calm("s", "task.started", "2026-03-06T07:00:00Z", task="t", milestone="m"),
                calm("b", "task.blocked", "2026-03-06T08:00:00Z", task="t", reason="vendor"),
                calm("c1", "concern.raised", "2026-03-06T20:30:00Z", topic="x", severity="low"),
            ],
        )
        (hold,) = [cue for cue in logged_cues(config.db) if cue["kind"] == "hold"]
        assert (hold["at"], hold["deliver_at"]) == ("2026-03-06T20:00:00Z", "2026-03-09T07:00:00Z")

        def status() -> str:
            rows = httpx.get(f"{server.url}/deliveries").json()["deliveries"]
            (row,) = [row for row in rows if row["cue"] == hold["id"]]
            return str(row["status"])

        assert status() == "held"
        post(
            server.url,
            [calm("c2", "concern.raised", "2026-03-09T06:59:00Z", topic="y", severity="low")],
        )
        assert status() == "held", "Monday 07:59 local is still quiet"
        assert webhook.count() == 0
        post(
            server.url,
            [calm("c3", "concern.raised", "2026-03-09T07:00:01Z", topic="z", severity="low")],
        )
        wait_for(lambda: webhook.ids() == {hold["id"]}, what="the hold on Monday at 08:00")
        assert status() == "delivered"
    delivered = webhook.cues[hold["id"]]
    assert delivered["at"] == "2026-03-06T20:00:00Z", "its at stays when it fired"
    assert delivered["deliver_at"] == "2026-03-09T07:00:00Z"
