"""One request must never freeze the embedded runtime: an event past the score's horizon is
refused at once, an event far ahead of the wall clock is refused, and a batch that fires a
year of deadlines for many ensembles leaves /healthz answering and SIGTERM heard."""

import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from local_processes import free_port
from runtime_servers import InProcessRuntime, RuntimeProcess
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

from conductor.session.clock import WallClock

FAR = {
    "id": "far-future",
    "type": "task.started",
    "ensemble": "harbor",
    "occurred_at": "9999-12-31T23:59:59-01:00",
    "data": {"task": "launch-1", "milestone": "launch"},
}


TEAMS_FOR_A_MINUTE = 60
"""Enough jumping ensembles that their batch outlasts the SIGTERM bound below even on a fast
machine (each costs a few tenths of a second)."""


def offset(url: str) -> int:
    return int(httpx.get(f"{url}/healthz").json()["offset"])


def test_an_event_past_the_horizon_is_refused_at_once_and_nothing_is_appended(
    tmp_path: Path,
) -> None:
    with InProcessRuntime(settings(tmp_path), BEFORE_THE_SCORE) as server:
        before = offset(server.url)
        answer = httpx.post(f"{server.url}/events", json=FAR, timeout=10)
        assert answer.status_code == 422
        (result,) = answer.json()["results"]
        assert result["status"] == "rejected"
        (problem,) = result["problems"]
        assert problem["path"] == "occurred_at"
        assert "after the score's horizon" in problem["message"]
        assert offset(server.url) == before
        assert httpx.get(f"{server.url}/healthz").status_code == 200


def at(instant: datetime) -> dict[str, Any]:
    return {**FAR, "id": f"at-{instant.timestamp():.0f}", "occurred_at": instant.isoformat()}


def test_on_the_wall_clock_an_event_a_day_ahead_is_refused(tmp_path: Path) -> None:
    """One tool with a wrong clock must not fire the next days' deadlines for everyone."""
    with InProcessRuntime(settings(tmp_path), WallClock()) as server:
        now = datetime.now(UTC)
        ahead = httpx.post(f"{server.url}/events", json=at(now + timedelta(days=2)))
        assert ahead.status_code == 422
        (problem,) = ahead.json()["results"][0]["problems"]
        assert problem["path"] == "occurred_at"
        assert "ahead of this runtime's clock" in problem["message"]
        assert "more than the 1 day, 0:00:00 it accepts" in problem["message"]
        soon = httpx.post(f"{server.url}/events", json=at(now + timedelta(hours=1)))
        assert soon.json()["results"][0]["status"] == "accepted"


def test_with_a_clock_of_its_own_no_skew_limit_applies_unless_one_is_set(tmp_path: Path) -> None:
    ahead = at(BEFORE_THE_SCORE.start + timedelta(days=30))
    with InProcessRuntime(settings(tmp_path), BEFORE_THE_SCORE) as server:
        answer = httpx.post(f"{server.url}/events", json=ahead)
        assert answer.json()["results"][0]["status"] == "accepted"
    limited = settings(tmp_path / "limited", max_clock_skew="P1D")
    (tmp_path / "limited").mkdir()
    with InProcessRuntime(limited, BEFORE_THE_SCORE) as server:
        answer = httpx.post(f"{server.url}/events", json=ahead)
        assert answer.json()["results"][0]["status"] == "rejected"


def heavy_batch(teams: int) -> bytes:
    """`teams` ensembles with an hourly ritual, each published and then jumping eleven
    months: every jump fires ~16,000 deadlines (the score's horizon bounds it)."""
    lines = []
    for number in range(teams):
        name = f"busy-{number}"
        document = {
            "score": name,
            "title": "hourly",
            "ensemble": name,
            "timezone": "UTC",
            "starts": "2026-03-02",
            "sections": [{"id": "a", "roles": ["lead"]}],
            "cadences": [
                {"id": "sync", "kind": "standup", "rrule": "FREQ=HOURLY", "duration": "PT5M"}
            ],
            "milestones": [
                {
                    "id": "m",
                    "title": "m",
                    "section": "a",
                    "owner": "lead",
                    "due": "2026-12-31",
                    "estimate": 5,
                }
            ],
        }
        lines.append(
            {
                "id": f"{name}-pub",
                "type": "score.published",
                "ensemble": name,
                "occurred_at": "2026-03-02T00:00:00Z",
                "data": {"score": document},
            }
        )
        lines.append(
            {
                "id": f"{name}-jump",
                "type": "concern.raised",
                "ensemble": name,
                "occurred_at": "2027-02-01T00:00:00Z",
                "data": {"topic": "x", "severity": "low"},
            }
        )
    return b"\n".join(orjson.dumps(line) for line in lines)


def post_in_background(url: str, body: bytes) -> tuple[threading.Thread, list[Any]]:
    answers: list[Any] = []

    def post() -> None:
        try:
            answers.append(httpx.post(f"{url}/events", content=body, headers=NDJSON, timeout=300))
        except httpx.HTTPError as error:
            answers.append(error)

    thread = threading.Thread(target=post)
    thread.start()
    return thread, answers


def healthz_answers_while(busy: Callable[[], bool], url: str) -> int:
    """How many /healthz answers come back while `busy()` holds (each must come within 5 s)."""
    answered = 0
    while busy():
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        answered += 1
    return answered


def test_healthz_answers_while_a_batch_fires_a_year_of_deadlines(tmp_path: Path) -> None:
    with InProcessRuntime(settings(tmp_path, score=None), BEFORE_THE_SCORE) as server:
        thread, answers = post_in_background(server.url, heavy_batch(teams=12))
        answered = healthz_answers_while(thread.is_alive, server.url)
        thread.join()
        (answer,) = answers
        assert answer.status_code == 200
        assert answer.json()["accepted"] == 24
        assert answered >= 5, f"/healthz answered only {answered} times during the batch"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RuntimeProcess]:
    clock = ["--clock-start", "2026-03-01T00:00:00+00:00", "--clock-speed", "0"]
    args = ["--db", str(tmp_path / "log.db"), "--no-stdout", *clock]
    process = RuntimeProcess(args, free_port()).start()
    try:
        yield process
    finally:
        process.stop()


def test_sigterm_stops_the_runtime_within_seconds_during_a_heavy_batch(
    running: RuntimeProcess,
) -> None:
    assert running.process is not None
    thread, _ = post_in_background(running.url, heavy_batch(teams=TEAMS_FOR_A_MINUTE))
    three = iter(range(3))
    healthz_answers_while(lambda: thread.is_alive() and next(three, None) is not None, running.url)
    assert thread.is_alive(), "the batch is still being folded"
    running.process.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal it caught once it has shut down: the status a service
    # manager sees for a clean stop on SIGTERM
    assert running.process.wait(timeout=15) == -signal.SIGTERM
    thread.join(timeout=30)
    assert not thread.is_alive()
