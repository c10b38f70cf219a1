"""From configuration to sinks: the `--sinks` file's entries and the runtime's shorthand flags
(`--stdout`, `--jsonl PATH`, `--webhook URL`) become sinks with their routes and retries."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conductor.sinks import config as configured
from conductor.sinks.config import SinkConfig
from conductor.sinks.retry import RetryPolicy
from conductor.sinks.routing import EVERYTHING, Route, Router
from conductor.sinks.senders import JsonlSink, KafkaSink, Sink, SlackSink, StdoutSink, WebhookSink


@dataclass(frozen=True)
class Planned:
    """A sink to open, with its route and its retries."""

    name: str
    route: Route
    retry: RetryPolicy
    open: Callable[[], Sink]


def planned(config: SinkConfig) -> Planned:
    return Planned(config.name, Route.of(config), RetryPolicy.of(config.retry), _opener(config))


def _opener(config: SinkConfig) -> Callable[[], Sink]:
    name = config.name
    if isinstance(config, configured.StdoutSink):
        return lambda: StdoutSink(name)
    if isinstance(config, configured.JsonlSink):
        return lambda: JsonlSink(config.path, name)
    if isinstance(config, configured.WebhookSink):
        return lambda: WebhookSink(
            name, config.resolved_url(), os.environ[config.secret_env], config.timeout_seconds
        )
    if isinstance(config, configured.SlackSink):
        dashboard = None if config.dashboard_url is None else str(config.dashboard_url)
        return lambda: SlackSink(name, config.resolved_url(), dashboard, config.timeout_seconds)
    assert isinstance(config, configured.KafkaSink)
    return lambda: KafkaSink(name, config.broker, config.topic)


def shorthands(
    *,
    stdout: bool,
    jsonl: Path | None,
    webhook: str | None,
    webhook_secret: str | None,
    webhook_timeout: float,
    retry: RetryPolicy,
) -> list[Planned]:
    """The sinks the runtime's flags name, each taking every cue (named stdout, jsonl and
    webhook); the webhook is signed when a secret is given."""
    found = []
    if stdout:
        found.append(Planned("stdout", EVERYTHING, retry, StdoutSink))
    if jsonl is not None:
        found.append(Planned("jsonl", EVERYTHING, retry, lambda: JsonlSink(jsonl)))
    if webhook is not None:
        found.append(
            Planned(
                "webhook",
                EVERYTHING,
                retry,
                lambda: WebhookSink("webhook", webhook, webhook_secret, webhook_timeout),
            )
        )
    return found


def router_of(plans: list[Planned]) -> Router:
    return Router([(plan.name, plan.route) for plan in plans])
