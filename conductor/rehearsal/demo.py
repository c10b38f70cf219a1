"""`conductor run --demo`: a simulated team (seeded) posting its events to the runtime over HTTP.

The runtime's clock runs fast (a week per minute by default) and each event is posted when
that clock reaches its `occurred_at`, so cues, tempo and forecasts move while you watch.
"""

import asyncio
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import httpx

from conductor.core.timeutil import local_midnight, to_datetime
from conductor.rehearsal.simulate import simulate_team
from conductor.session.clock import ScaledClock
from schemas import Score
from schemas.events import Event

WEEK_PER_MINUTE = 7 * 24 * 60.0


def demo_clock(score: Score, speed: float | None) -> ScaledClock:
    """The demo's clock: from the score's first day, a week per minute unless told."""
    start = to_datetime(local_midnight(score.starts, ZoneInfo(score.timezone)))
    return ScaledClock(start, WEEK_PER_MINUTE if speed is None else speed)


async def post_simulation(
    base_url: str, score: Score, seed: int, days: int, clock: ScaledClock, token: str | None
) -> int:
    """Post the simulated events in accelerated time; returns how many were posted."""
    headers = {"Content-Type": "application/x-ndjson"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    posted = 0
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        await _until_serving(client)
        for batch in _due_batches(simulate_team(score, seed, days), clock):
            await _wait_until(batch[0], clock)
            body = b"\n".join(event.model_dump_json().encode() for event in batch)
            response = await client.post("/events", content=body)
            response.raise_for_status()
            posted += len(batch)
    return posted


async def _until_serving(client: httpx.AsyncClient) -> None:
    """The demo starts with the app, before the server listens: wait for it."""
    while True:
        try:
            await client.get("/healthz")
            return
        except httpx.TransportError:
            await asyncio.sleep(0.1)


def _due_batches(events: Iterator[Event], clock: ScaledClock) -> Iterator[list[Event]]:
    """Events grouped by the hour of simulated time they fall in."""
    batch: list[Event] = []
    for event in events:
        if batch and (event.occurred_at - batch[0].occurred_at).total_seconds() >= 3600:
            yield batch
            batch = []
        batch.append(event)
    if batch:
        yield batch


async def _wait_until(event: Event, clock: ScaledClock) -> None:
    ahead = (event.occurred_at - clock.now()).total_seconds()
    if ahead > 0 and clock.speed > 0:
        await asyncio.sleep(ahead / clock.speed)
