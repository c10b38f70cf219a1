"""A first start on the wall clock of a score that began in the past (the example's dates):
the score is published now, so months of stand-ups are not cued as missed at once; on a
clock set with `--clock-start` the score still starts at its own start."""

from datetime import UTC, datetime
from pathlib import Path

import httpx
from runtime_servers import InProcessRuntime, wait_for
from test_runtime_http import settings

from conductor.session.clock import ScaledClock, WallClock

AFTER_THE_SCORE_BEGAN = ScaledClock(datetime(2026, 6, 1, tzinfo=UTC), speed=0)


def settled(server: InProcessRuntime, now: datetime) -> bool:
    """Every deadline up to `now` has been ticked through."""
    deadline = server.runtime.next_deadline()
    return deadline is None or deadline[0] > now


def cues_of(url: str) -> list[dict[str, object]]:
    return list(httpx.get(f"{url}/cues", params={"limit": 1000}).json()["cues"])


def test_on_the_wall_clock_a_score_begun_in_the_past_is_not_cued_for_its_past(
    tmp_path: Path,
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    with InProcessRuntime(settings(tmp_path), WallClock()) as server:
        now = datetime.now(UTC)
        wait_for(lambda: settled(server, now), what="the ticks up to now")
        cues = cues_of(server.url)
    assert cues, "what can start now is still cued"
    assert [c for c in cues if c["kind"] == "cadence-missed"] == []
    assert all(datetime.fromisoformat(str(c["at"])) >= before for c in cues)


def test_on_a_set_clock_the_score_still_starts_at_its_start(tmp_path: Path) -> None:
    with InProcessRuntime(settings(tmp_path), AFTER_THE_SCORE_BEGAN) as server:
        now = AFTER_THE_SCORE_BEGAN.now()
        wait_for(lambda: settled(server, now), timeout=120, what="the ticks up to the clock")
        cues = cues_of(server.url)
    assert [c for c in cues if c["kind"] == "cadence-missed"], "three months of missed rituals"
