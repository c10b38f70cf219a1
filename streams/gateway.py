"""`conductor gateway`: the embedded runtime's ingest in front of Kafka.

`POST /events` (Conductor's own JSON and NDJSON, CloudEvents in all three modes) and
`POST /webhooks/github` read requests with the same readers (`conductor.ingest`), so they
validate and answer alike; the accepted events are produced to the events topic keyed by
ensemble, with `acks=all` and the idempotent producer, and answered once the broker has
acknowledged every one of them. What only the workers know is theirs to decide: a
duplicate id is applied once by the worker, an event its ensemble's state refuses (an
unknown milestone, an ensemble without a score) goes to the dead-letter topic.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import RequestResponseEndpoint

from conductor.access import Grant, Tokens, bearer_of
from conductor.ingest.answers import LineResult, refusal, refused, summary
from conductor.ingest.github.deliveries import Unauthorized, delivery_intake
from conductor.ingest.github.routes import Routes
from conductor.ingest.http import (
    BodyTooLarge,
    error_response,
    events_intake,
    http_error,
    invalid_request,
    json_response,
    read_body,
)
from conductor.ingest.intake import Intake
from conductor.metrics.catalogue import GATEWAY, GATEWAY_PUBLISHED, WHOLE, exposed_by
from conductor.metrics.registry import Metrics, build_metrics
from schemas import Score
from streams.topics import TopicNames, bootstrap, ensure_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayConfig:
    broker: str
    host: str = "127.0.0.1"
    port: int = 8080
    prefix: str = "conductor."
    partitions: int = 4
    """Of the events topic, if the gateway creates it."""
    replication: int = 1
    scores: Sequence[Score] = field(default_factory=tuple)
    """Whose `sources.github` map GitHub deliveries to ensembles."""
    github_secret: str | None = None
    api_token: str | None = None
    """With it, every endpoint but /healthz and /webhooks/github (signed) needs a token."""
    api_read_token: str | None = None
    """Reads (/metrics, /docs) but may not post."""
    max_body_bytes: int = 8 * 1024 * 1024


class Producing:
    """The producer, the events topic, and the gateway's own counts."""

    def __init__(self, config: GatewayConfig, registry: CollectorRegistry) -> None:
        self.config = config
        self.topic = TopicNames(config.prefix).events
        self.metrics: Metrics = build_metrics(registry, GATEWAY)
        spec = GATEWAY_PUBLISHED
        self.published = Counter(spec.name, spec.help, spec.labels, registry=registry)
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        config = self.config
        await ensure_topics(config.broker, [self.topic], config.partitions, config.replication)
        self.producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap(config.broker),
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
        )
        await self.producer.start()

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()

    async def answer(self, intake: Intake) -> Response:
        """The embedded runtime's answer, for events produced instead of appended."""
        for ignored in intake.ignored:
            self.metrics.child(self.metrics.ingest_ignored, ignored.kind.value).inc()
        if intake.invalid:
            for _ in intake.invalid:
                self.metrics.events_rejected.inc(WHOLE)
            results = refused(intake.invalid, intake.valid_ids())
            return json_response(self._body(results, False, intake) | refusal(results), 422)
        try:
            await self._produce(intake)
        except KafkaError as error:
            log.warning("events not produced: %s", error)
            return error_response(503, f"the broker did not take the events: {error}")
        results = [
            LineResult(number, "accepted", event.id)
            for number, event in zip(intake.numbers, intake.events, strict=True)
        ]
        return json_response(self._body(results, bool(results), intake))

    async def _produce(self, intake: Intake) -> None:
        producer = self.producer
        assert producer is not None, "the gateway's producer is not started"
        sent = [
            await producer.send(self.topic, body, key=event.ensemble.encode())
            for event, body in zip(intake.events, intake.bodies, strict=True)
        ]
        await asyncio.gather(*sent)
        self.published.inc(len(sent))

    @staticmethod
    def _body(results: list[LineResult], appended: bool, intake: Intake) -> dict[str, object]:
        found: dict[str, object] = {**summary(results, appended)}
        if intake.ignored:
            found["ignored"] = [ignored.to_json() for ignored in intake.ignored]
        return found


class CatalogueShare(Collector):
    """Of the metrics the one factory registers (those of the runtimes that fold events
    too), only the gateway's share of the catalogue (`exposed_by(GATEWAY)`)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self._names = {spec.name.removesuffix("_total") for spec in exposed_by(GATEWAY)}

    def collect(self) -> Iterator[Metric]:
        return (family for family in self._registry.collect() if family.name in self._names)


UNGUARDED = {"/healthz", "/webhooks/github"}


def create_gateway(config: GatewayConfig) -> FastAPI:
    registry = CollectorRegistry()
    producing = Producing(config, registry)
    exposed = CollectorRegistry()
    exposed.register(CatalogueShare(registry))
    routes = Routes.of(config.scores)
    secret = config.github_secret.encode() if config.github_secret else None
    limit = config.max_body_bytes
    tokens = Tokens(config.api_token, config.api_read_token)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await producing.start()
        try:
            yield
        finally:
            await producing.stop()

    app = FastAPI(
        title="Conductor gateway",
        summary="Post team events (native or CloudEvents) and GitHub deliveries to Kafka.",
        lifespan=lifespan,
        exception_handlers={
            RequestValidationError: invalid_request,
            StarletteHTTPException: http_error,
        },
    )

    @app.middleware("http")
    async def guard(request: Request, call_next: RequestResponseEndpoint) -> Response:
        """As the embedded runtime answers: 401 without a token, 403 posting with the
        read-only one. GitHub's deliveries carry their signature instead."""
        path = request.url.path
        if path in UNGUARDED:
            return await call_next(request)
        grant = tokens.grant(bearer_of(request.headers.get("authorization")))
        if grant is Grant.NONE:
            bearer = {"WWW-Authenticate": "Bearer"}
            return error_response(401, "a bearer token is required", headers=bearer)
        if grant is Grant.READ and request.method not in {"GET", "HEAD"}:
            return error_response(403, "the read-only token may not post")
        return await call_next(request)

    @app.post("/events")
    async def post_events(request: Request) -> Response:
        """As the embedded runtime's `POST /events`; answered once the broker acknowledged."""
        found = await events_intake(request, limit)
        if isinstance(found, Response):
            return found
        return await producing.answer(found)

    @app.post("/webhooks/github")
    async def github_webhook(request: Request) -> Response:
        """As the embedded runtime's; the scores given to the gateway map repositories."""
        try:
            body = await read_body(request, limit)
            intake = delivery_intake(request.headers, body, secret, routes)
        except BodyTooLarge:
            return error_response(413, f"body larger than {limit} bytes")
        except Unauthorized as error:
            return error_response(401, str(error))
        return await producing.answer(intake)

    @app.get("/healthz")
    async def healthz() -> Response:
        return json_response({"status": "ok", "topic": producing.topic})

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(exposed), media_type=CONTENT_TYPE_LATEST)

    return app


def run_gateway(config: GatewayConfig) -> None:
    import uvicorn

    app = create_gateway(config)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", loop="uvloop")
