"""Wiring `conductor run`: settings -> store, metrics, runtime, couriers, app -> uvicorn."""

import sys
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from conductor.errors import InvalidScore, Problem
from conductor.gctune import tune_for_folding
from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.runtime.api import Background, create_app
from conductor.runtime.delivery import Courier, JsonlSink, Sink, StdoutSink, WebhookSink
from conductor.runtime.live import LiveRuntime
from conductor.runtime.settings import Settings
from conductor.runtime.store import Store
from conductor.runtime.writer import WriterProcess
from conductor.session.clock import Clock, ScaledClock, WallClock
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


def clock_of(settings: Settings) -> Clock:
    if settings.clock_start is not None:
        return ScaledClock(settings.clock_start, settings.clock_speed)
    return WallClock()


def pilot_of(settings: Settings, score: Score | None) -> Score | None:
    """The `--pilot` score, read before anything is opened or started; one of another
    ensemble than the live score's is refused (it would fold none of its events)."""
    if settings.pilot is None:
        return None
    pilot = load_score(settings.pilot)
    if score is not None and pilot.ensemble != score.ensemble:
        problem = Problem(
            "ensemble",
            f"{pilot.ensemble!r} is not the live score's {score.ensemble!r}: a pilot folds the "
            "live score's events in shadow",
        )
        raise InvalidScore(f"--pilot {settings.pilot}", [problem])
    return pilot


def build(
    settings: Settings,
    score: Score | None = None,
    clock: Clock | None = None,
    background: Sequence[Background] = (),
) -> tuple[FastAPI, LiveRuntime]:
    """Open the log, rebuild state, publish `score` if it changed; the app is ready to serve,
    with `background` jobs (the demo's simulated team) running beside it."""
    pilot = pilot_of(settings, score)
    clock = clock or clock_of(settings)
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
        pilot,
    )
    runtime.recover()
    if score is not None:
        published = runtime.publish_score(score)
        if published is not None and published.committed is not None:
            writer.wait(published.committed)
    couriers = [Courier(sink, store, metrics, settings.retry_max_seconds, writer) for sink in sinks]
    token = settings.api_token.get_secret_value() if settings.api_token else None
    app = create_app(runtime, couriers, token, settings.max_body_bytes, list(background))
    return app, runtime


def serve(
    settings: Settings,
    score: Score | None = None,
    clock: Clock | None = None,
    background: Sequence[Background] = (),
) -> None:
    app, runtime = build(settings, score, clock, background)
    tune_for_folding()  # after recovery, so the recovered state is frozen out of the scans
    base = f"http://{settings.host}:{settings.port}"
    print(
        f"conductor: log {settings.db} at offset {runtime.offset}; serving {base}\n"
        f"  API docs  {base}/docs\n  metrics   {base}/metrics\n  cues      {base}/cues"
        + ("\n  demo: a simulated team posts a week of events per minute" if background else ""),
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", loop="uvloop")
    runtime.close()
