"""`conductor run --demo` as a user starts it: a simulated team makes cues and figures move."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CONDUCTOR = Path(sys.executable).parent / "conductor"


def test_the_demo_posts_events_and_cues_fire(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(CONDUCTOR),
            "run",
            "--demo",
            "--score",
            str(ROOT / "examples" / "score.yaml"),
            "--db",
            str(tmp_path / "demo.db"),
            "--port",
            str(port),
            "--clock-speed",
            "604800",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CONDUCTOR_DEMO_DAYS": "21"},
    )
    try:
        accepted = 0
        for _ in range(600):
            time.sleep(0.05)
            try:
                answer = httpx.get(f"{url}/ensembles/harbor", timeout=1)
            except httpx.TransportError:
                continue
            accepted = answer.json()["events_accepted"]
            if accepted > 50:
                break
        assert accepted > 50
        cues = httpx.get(f"{url}/cues").json()["cues"]
        assert {"entry", "cadence"} <= {cue["kind"] for cue in cues}
        assert "conductor_cues_total" in httpx.get(f"{url}/metrics").text
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert f"{url}/docs" in err.decode()
    assert "cue 2026-03-0" in out.decode(), "cues are printed one per line on stdout"
