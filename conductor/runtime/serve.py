"""Wiring `conductor run`: settings -> store, metrics, runtime, couriers, app -> uvicorn."""

import sys
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from conductor.core.timeutil import local_midnight, to_datetime
from conductor.gctune import tune_for_folding
from conductor.metrics import build_metrics
from conductor.runtime.api import create_app
from conductor.runtime.clock import Clock, ScaledClock, WallClock
from conductor.runtime.delivery import Courier, JsonlSink, Sink, StdoutSink, WebhookSink
from conductor.runtime.demo import WEEK_PER_MINUTE, post_simulation
from conductor.runtime.live import LiveRuntime
from conductor.runtime.settings import Settings
from conductor.runtime.store import Store
from conductor.runtime.writer import WriterProcess
from conductor.scorefile import load_score
from schemas import Score


def sinks_of(settings: Settings) -> list[Sink]:
    sinks: list[Sink] = []
    if settings.stdout:
        sinks.append(StdoutSink())
    if settings.jsonl is not None:
        sinks.append(JsonlSink(settings.jsonl))
    if settings.webhook is not None:
        sinks.append(WebhookSink(settings.webhook, settings.webhook_timeout))
    return sinks


def clock_of(settings: Settings, score: Score | None) -> Clock:
    if settings.demo and score is not None and settings.clock_start is None:
        start = to_datetime(local_midnight(score.starts, ZoneInfo(score.timezone)))
        speed = settings.clock_speed if "clock_speed" in settings.model_fields_set else None
        return ScaledClock(start, speed or WEEK_PER_MINUTE)
    if settings.clock_start is not None:
        return ScaledClock(settings.clock_start, settings.clock_speed)
    return WallClock()


def build(settings: Settings, clock: Clock | None = None) -> tuple[FastAPI, LiveRuntime]:
    """Open the log, rebuild state, publish the score if it changed; the app is ready to serve."""
    score = load_score(settings.score) if settings.score is not None else None
    if settings.demo and score is None:
        raise ValueError("--demo needs --score")
    clock = clock or clock_of(settings, score)
    store = Store(settings.db, settings.synchronous_full)
    metrics = build_metrics(CollectorRegistry())
    sinks = sinks_of(settings)
    writer = WriterProcess(settings.db, settings.synchronous_full)
    runtime = LiveRuntime(
        store,
        metrics,
        clock,
        [sink.name for sink in sinks],
        settings.snapshot_every,
        settings.min_group_size,
        writer,
    )
    runtime.recover()
    if score is not None:
        published = runtime.publish_score(score)
        if published is not None and published.committed is not None:
            writer.wait(published.committed)
    couriers = [Courier(sink, store, metrics, settings.retry_max_seconds, writer) for sink in sinks]
    token = settings.api_token.get_secret_value() if settings.api_token else None
    background: list[Callable[[], Awaitable[object]]] = []
    if settings.demo and score is not None and isinstance(clock, ScaledClock):
        demo_clock, demo_score = clock, score
        url = f"http://{settings.host}:{settings.port}"

        def simulate() -> Awaitable[int]:
            return post_simulation(
                url, demo_score, settings.demo_seed, settings.demo_days, demo_clock, token
            )

        background.append(simulate)
    app = create_app(runtime, couriers, token, settings.max_body_bytes, background)
    return app, runtime


def serve(settings: Settings) -> None:
    app, runtime = build(settings)
    tune_for_folding()  # after recovery, so the recovered state is frozen out of the scans
    base = f"http://{settings.host}:{settings.port}"
    print(
        f"conductor: log {settings.db} at offset {runtime.offset}; serving {base}\n"
        f"  API docs  {base}/docs\n  metrics   {base}/metrics\n  cues      {base}/cues"
        + ("\n  demo: a simulated team posts a week of events per minute" if settings.demo else ""),
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", loop="uvloop")
    runtime.close()
