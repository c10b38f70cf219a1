"""Wiring `conductor run`: settings -> store, metrics, runtime, couriers, app -> uvicorn."""

import contextlib
import sys
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from conductor.core.publication import publication_at_start
from conductor.errors import InvalidScore, Problem
from conductor.gctune import tune_for_folding
from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.runtime.api import Background, create_app
from conductor.runtime.delivery import Courier
from conductor.runtime.listen import bind
from conductor.runtime.live import LiveRuntime
from conductor.runtime.loglock import hold_log
from conductor.runtime.settings import Settings
from conductor.runtime.store import Store
from conductor.runtime.writer import WriterProcess
from conductor.session.clock import DEFAULT_MAX_SKEW, Clock, ScaledClock, WallClock
from conductor.sinks.build import Planned, planned, router_of, shorthands
from conductor.sinks.config import InvalidSinks, load_sinks, secret_problem
from conductor.sinks.retry import RetryPolicy
from schemas import Score


def sinks_of(settings: Settings) -> list[Planned]:
    """The `--sinks` file's sinks, then those the flags name (stdout is on by default when
    no file is given). Raises `InvalidSinks` naming the sink and the key at fault."""
    configured = [] if settings.sinks is None else [planned(s) for s in load_sinks(settings.sinks)]
    stdout = settings.stdout if settings.stdout is not None else settings.sinks is None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    retry = RetryPolicy(settings.retry_attempts, 0.1, settings.retry_max_seconds)
    flags = shorthands(
        stdout=stdout,
        jsonl=settings.jsonl,
        webhook=settings.webhook,
        webhook_secret=secret,
        webhook_timeout=settings.webhook_timeout,
        retry=retry,
    )
    taken = {plan.name for plan in configured}
    problems = [
        Problem(f"--{plan.name}", f"a sink in {settings.sinks} is named {plan.name!r} too")
        for plan in flags
        if plan.name in taken
    ]
    if secret is not None and (reason := secret_problem(secret)) is not None:
        problems.append(Problem("CONDUCTOR_WEBHOOK_SECRET", reason))
    if problems:
        raise InvalidSinks("sinks", problems)
    return configured + flags


SHUTDOWN_SECONDS = 3
"""After SIGTERM, how long requests in progress may finish before they are cancelled (a
batch cancelled halfway writes nothing: the client retries it)."""


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
    skew = settings.max_clock_skew
    if "max_clock_skew" not in settings.model_fields_set and isinstance(clock, WallClock):
        skew = DEFAULT_MAX_SKEW
    plans = sinks_of(settings)
    store = Store(settings.db, settings.synchronous_full)
    metrics = build_metrics(CollectorRegistry())
    writer = WriterProcess(settings.db, settings.synchronous_full)
    runtime = LiveRuntime(
        store,
        metrics,
        clock,
        router_of(plans),
        settings.snapshot_every,
        settings.min_group_size,
        writer,
        max_skew=skew,
        pilot=pilot,
    )
    runtime.recover()
    if score is not None:
        first = score.ensemble not in runtime.session.engines
        started = publication_at_start(score).occurred_at
        from_now = first and isinstance(clock, WallClock) and started < clock.now()
        published = runtime.publish_score(score, from_now)
        if from_now:
            print(
                f"conductor: {score.ensemble}'s score starts {score.starts}, before today: "
                "published now, so its past cadences and cycles are not cued "
                "(--clock-start replays it from its start)",
                file=sys.stderr,
                flush=True,
            )
        if published is not None and published.committed is not None:
            writer.wait(published.committed)
    couriers = [
        Courier(plan.open(), store, metrics, plan.retry, writer, lambda: runtime.now().timestamp())
        for plan in plans
    ]
    tokens = settings.tokens
    secret = settings.github_webhook_secret
    app = create_app(
        runtime,
        couriers,
        tokens.write,
        settings.max_body_bytes,
        list(background),
        secret.get_secret_value() if secret else None,
        read_token=tokens.read,
    )
    return app, runtime


def serve(
    settings: Settings,
    score: Score | None = None,
    clock: Clock | None = None,
    background: Sequence[Background] = (),
) -> None:
    """Hold the log's lock, bind the port, then build and serve: a second runtime on the log
    or a taken port ends here (`LogLocked`, `PortTaken`), before the log writer starts."""
    with hold_log(settings.db), bind(settings.host, settings.port) as listener:
        app, runtime = build(settings, score, clock, background)
        try:
            tune_for_folding()  # after recovery, so the recovered state is frozen out of the scans
            _announce(settings, runtime, bool(background))
            config = uvicorn.Config(
                app,
                log_level="warning",
                loop="uvloop",
                timeout_graceful_shutdown=SHUTDOWN_SECONDS,
            )
            with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it heard
                uvicorn.Server(config).run(sockets=[listener])
        finally:
            runtime.close()  # the lifespan closed it, unless the app never started


def _announce(settings: Settings, runtime: LiveRuntime, demo: bool) -> None:
    base = f"http://{settings.host}:{settings.port}"
    print(
        f"conductor: log {settings.db} at offset {runtime.offset}; serving {base}\n"
        f"  API docs  {base}/docs\n  metrics   {base}/metrics\n  cues      {base}/cues"
        + ("\n  demo: a simulated team posts a week of events per minute" if demo else ""),
        file=sys.stderr,
        flush=True,
    )
