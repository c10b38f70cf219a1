"""Teams answer cues over HTTP: acknowledgements and snoozes land in the log and replay."""

from pathlib import Path

import httpx
from runtime_servers import EXAMPLES, InProcessRuntime
from test_runtime_delivery import replay
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

from conductor.core.figures import figures

LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()


def test_acknowledgements_and_snoozes_are_events_that_replay(tmp_path: Path) -> None:
    config = settings(tmp_path, api_token="s3cret")
    auth = {"Authorization": "Bearer s3cret"}
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        url = server.url
        posted = httpx.post(f"{url}/events", content=b"\n".join(LINES), headers={**NDJSON, **auth})
        assert posted.status_code == 200
        holds = httpx.get(f"{url}/cues", params={"kind": "hold"}, headers=auth).json()["cues"]
        first, second = holds[0], holds[1]

        assert httpx.post(f"{url}/cues/{first['id']}/ack").status_code == 401
        ack = httpx.post(f"{url}/cues/{first['id']}/ack", headers=auth)
        assert ack.status_code == 200, ack.text
        assert ack.json()["status"] == "accepted"
        assert ack.json()["id"] == f"ack:{first['id']}"
        again = httpx.post(f"{url}/cues/{first['id']}/ack", headers=auth)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        unknown = httpx.post(f"{url}/cues/cue-nothing/ack", headers=auth)
        assert unknown.status_code == 404
        assert unknown.json()["detail"] == "unknown cue 'cue-nothing'"

        snooze = f"{url}/cues/{second['id']}/snooze"
        naive = httpx.post(snooze, params={"until": "2026-06-01T09:00:00"}, headers=auth)
        assert naive.status_code == 422
        assert naive.json()["problems"] == [{"path": "query.until", "message": "needs a timezone"}]
        past = httpx.post(snooze, params={"until": "2026-03-01T09:00:00Z"}, headers=auth)
        assert past.status_code == 422
        assert past.json()["problems"] == [
            {"path": "data.until", "message": "must be later than occurred_at"}
        ]
        later = httpx.post(snooze, params={"until": "2026-06-01T09:00:00+02:00"}, headers=auth)
        assert (later.status_code, later.json()["status"]) == (200, "accepted")

        served = httpx.get(f"{url}/ensembles/harbor", headers=auth).json()
        held = served["cue_efficacy"]["hold"]
        recipient = next(iter(first["to"].items()))
        answered = held[f"{recipient[0]}:{recipient[1]}"]
        assert answered["acknowledged"] >= 1
        assert sum(values["snoozed"] for values in held.values()) == 1
        metrics = httpx.get(f"{url}/metrics", headers=auth).text
        assert "conductor_cue_acknowledged_ratio{" in metrics

    ensembles, _, ids = replay(config.db)
    assert f"ack:{first['id']}" in ids and ids.count(f"ack:{first['id']}") == 1
    replayed = figures(ensembles.engines["harbor"])
    assert replayed["cue_efficacy"] == served["cue_efficacy"]
    with InProcessRuntime(config, BEFORE_THE_SCORE) as restarted:
        after = httpx.get(f"{restarted.url}/ensembles/harbor", headers=auth).json()
        assert after["cue_efficacy"] == served["cue_efficacy"]
        repeat = httpx.post(f"{restarted.url}/cues/{first['id']}/ack", headers=auth)
        assert repeat.json()["status"] == "duplicate"
