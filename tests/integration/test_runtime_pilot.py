"""`conductor run --pilot` as an operator starts it: the pilot's cues are served apart, counted
with their label, and no sink receives them; the log exported from the running runtime,
rehearsed against both scores, shows what the pilot would have changed."""

import json
import subprocess
from pathlib import Path

import httpx
from local_processes import free_port
from prometheus_client.parser import text_string_to_metric_families
from runtime_servers import CONDUCTOR, EXAMPLES, RuntimeProcess, wait_for

NDJSON = {"Content-Type": "application/x-ndjson"}


def started(count: int) -> bytes:
    return b"\n".join(
        json.dumps(
            {
                "id": f"start-{n}",
                "type": "task.started",
                "ensemble": "harbor",
                "occurred_at": f"2026-03-02T10:0{n}:00+00:00",
                "data": {"task": f"api-contract-{n}", "milestone": "api-contract"},
            }
        ).encode()
        for n in range(count)
    )


def cue_counts(url: str) -> dict[tuple[str, str], float]:
    text = httpx.get(f"{url}/metrics").text
    found: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "conductor_cues_total":
                key = (sample.labels["kind"], sample.labels["pilot"])
                found[key] = found.get(key, 0.0) + sample.value
    return found


def test_the_pilots_tempo_cue_is_served_apart_counted_and_never_delivered(tmp_path: Path) -> None:
    pilot = tmp_path / "pilot.yaml"
    text = (EXAMPLES / "score.yaml").read_text()
    pilot.write_text(
        text.replace("wip_limit: {platform: 4,", "wip_limit: {platform: 3,").replace(
            "score: harbor-launch", "score: harbor-pilot"
        )
    )
    sink = tmp_path / "cues.jsonl"
    port = free_port()
    args = ["--score", str(EXAMPLES / "score.yaml"), "--pilot", str(pilot)]
    args += ["--db", str(tmp_path / "log.db"), "--jsonl", str(sink), "--no-stdout"]
    args += ["--clock-start", "2026-03-02T12:00:00+00:00", "--clock-speed", "0"]
    runtime = RuntimeProcess(args, port).start()
    try:
        posted = httpx.post(f"{runtime.url}/events", content=started(4), headers=NDJSON)
        assert posted.status_code == 200 and posted.json()["accepted"] == 4
        live = httpx.get(f"{runtime.url}/cues").json()["cues"]
        shadow = httpx.get(f"{runtime.url}/cues", params={"pilot": "true"}).json()["cues"]
        assert [c["kind"] for c in live if c["kind"] == "tempo"] == []
        tempo = [c for c in shadow if c["kind"] == "tempo"]
        assert [(c["subject"], c["pilot"], c["score"]) for c in tempo] == [
            ("platform", True, "harbor-pilot")
        ]
        assert all("pilot" not in c for c in live)
        counts = cue_counts(runtime.url)
        assert counts[("tempo", "true")] == 1
        assert counts[("tempo", "false")] == 0  # primed at zero, never counted
        assert counts[("entry", "false")] == counts[("entry", "true")] == 3

        def delivered() -> list[dict[str, object]]:
            lines = sink.read_text().splitlines() if sink.exists() else []
            return [json.loads(line) for line in lines]

        wait_for(lambda: len(delivered()) == len(live), what="the live cues in the sink")
        assert sorted(c["id"] for c in delivered()) == sorted(c["id"] for c in live)
        assert all("pilot" not in c and c["kind"] != "tempo" for c in delivered())

        exported = tmp_path / "exported.jsonl"
        with exported.open("wb") as out:
            subprocess.run(
                [CONDUCTOR, "export", "--db", str(tmp_path / "log.db")],
                stdout=out,
                check=True,
                timeout=120,
            )
        lines = [json.loads(line) for line in exported.read_text().splitlines()]
        assert [e["id"] for e in lines if e["type"] == "task.started"] == [
            f"start-{n}" for n in range(4)
        ]
        assert lines[0]["type"] == "score.published"
        report = tmp_path / "report"
        rehearse = [CONDUCTOR, "rehearse", str(EXAMPLES / "score.yaml"), "--events", str(exported)]
        subprocess.run(
            [*rehearse, "--compare", str(pilot), "--report", str(report)],
            check=True,
            timeout=300,
            capture_output=True,
        )
        compared = json.loads((report / "report.json").read_text())
        assert compared["only_b_by_kind"] == {"tempo": 1}
        assert compared["only_a_by_kind"] == {}
    finally:
        runtime.stop()
