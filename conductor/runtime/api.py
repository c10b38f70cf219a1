"""The HTTP API: post events, read cues and figures, health and Prometheus metrics."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from conductor.access import Grant, Tokens
from conductor.errors import Problem
from conductor.ingest import cloudevents
from conductor.ingest.answers import refusal, status_of
from conductor.ingest.github.deliveries import Unauthorized
from conductor.ingest.http import (
    BodyTooLarge,
    error_response,
    error_schemas,
    events_intake,
    http_error,
    invalid_request,
    json_response,
    read_body,
)
from conductor.ingest.intake import Intake
from conductor.runtime.delivery import Courier
from conductor.runtime.live import BatchResult, LiveRuntime
from conductor.runtime.steps import Steps, T, drive
from conductor.runtime.tools import GitHubDeliveries, calendar_feed
from schemas import EVENT_ADAPTER, CueKind
from schemas.common import Id

SQLITE_INTEGER_MAX = 2**63 - 1
"""The largest integer SQLite stores: a larger `since` is a 422, not an OverflowError."""

TICK_POLL_SECONDS = 0.2
"""How often the ticker compares the clock with the next deadline (a tick is appended at the
deadline's own instant, so the poll interval delays delivery, never changes a cue)."""

Background = Callable[[], Awaitable[object]]


def _answer(result: BatchResult) -> Response:
    """A cue's answer: the one line's status (422 with the problems when refused)."""
    (line,) = result.results
    body = line.to_json() | {"offset": result.offset}
    if line.problems:  # the line's own problems: the one error shape, less a line number
        return json_response(body | {"detail": "the answer was refused"}, 422)
    return json_response(body)


def create_app(
    runtime: LiveRuntime,
    couriers: list[Courier],
    api_token: str | None = None,
    max_body_bytes: int = 8 * 1024 * 1024,
    background: list[Background] | None = None,
    github_secret: str | None = None,
    read_token: str | None = None,
) -> FastAPI:
    """The app; its lifespan runs the ticker, one courier per sink and any `background` jobs.
    `github_secret` signs GitHub's webhook deliveries (none: they are refused). With
    `api_token` set every endpoint but `/healthz` needs a bearer token; `read_token` reads
    only (posting with it is answered 403)."""
    tokens = Tokens(api_token, read_token)

    def wake() -> None:
        for courier in couriers:
            courier.wake.set()

    runtime.on_append = wake

    folding = asyncio.Lock()
    """Batches and ticks fold one after the other (the log's one order); readers of the state
    wait for the fold in progress, so they never see half a batch."""

    async def fold(steps: Steps[T]) -> T:
        async with folding:
            try:
                return await drive(steps)
            except BaseException:
                runtime.abandon()
                raise

    async def ticker() -> None:
        while True:
            await fold(runtime.tick_steps())
            await asyncio.sleep(TICK_POLL_SECONDS)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.writer.attach(asyncio.get_running_loop())
        jobs: list[Awaitable[object]] = [ticker(), *(courier.run() for courier in couriers)]
        jobs += [job() for job in background or []]
        tasks = [asyncio.ensure_future(job) for job in jobs]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for courier in couriers:
                await courier.sink.close()
            runtime.writer.detach()
            runtime.close()  # here, not after uvicorn.run: on SIGTERM uvicorn re-raises it

    app = FastAPI(
        title="Conductor",
        summary="Post team events; read cues, tempo, alignment and forecasts.",
        lifespan=lifespan,
        exception_handlers={
            RequestValidationError: invalid_request,
            StarletteHTTPException: http_error,
        },
        openapi_url=None,  # served below, behind the token as every read is
        docs_url=None,
        redoc_url=None,
    )
    bearer = HTTPBearer(
        auto_error=False,
        description="CONDUCTOR_API_TOKEN (reads and posts) or CONDUCTOR_API_READ_TOKEN "
        "(reads only); none needed when no token is set",
    )

    def granted(credentials: HTTPAuthorizationCredentials | None, wanted: Grant) -> None:
        grant = tokens.grant(credentials.credentials if credentials else None)
        if grant >= wanted:
            return
        if grant is Grant.NONE:
            raise HTTPException(
                401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )
        raise HTTPException(403, "the read-only token may not post")

    async def reader(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        """Async although it awaits nothing: FastAPI runs a plain def dependency in a worker
        thread, a thread hop (and GIL hand-over) on every request."""
        granted(credentials, Grant.READ)

    async def writer(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        granted(credentials, Grant.WRITE)

    reads = [Depends(reader)]
    writes = [Depends(writer)]
    Answers = dict[int | str, dict[str, Any]]
    unauthorized: Answers = {
        401: {"description": "no token, or a wrong one, while CONDUCTOR_API_TOKEN is set"}
    }
    forbidden: Answers = {403: {"description": "the read-only token may not post"}}
    unknown: Answers = {404: {"description": "unknown ensemble or cue"}}
    invalid: Answers = {422: {"description": "a parameter out of range; each problem names it"}}

    event_schema = EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
    defs = event_schema.pop("$defs", {})

    @app.post(
        "/events",
        dependencies=writes,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": event_schema},
                    "application/x-ndjson": {
                        "schema": {"type": "string", "description": "one event per line"}
                    },
                    cloudevents.STRUCTURED: {"schema": {"type": "object"}},
                    cloudevents.BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
                },
            },
            "responses": {
                "200": {"description": "per line: accepted, duplicate, conflict or rejected"},
                "401": unauthorized[401],
                "403": forbidden[403],
                "409": {"description": "a single event whose id names another event"},
                "413": {"description": "body larger than the configured limit"},
                "415": {"description": "a Content-Type no reader takes"},
                "422": {"description": "nothing appended; each problem names its field"},
            },
        },
    )
    async def post_events(request: Request) -> Response:
        """One event (JSON) or a batch (NDJSON, one event per line); or CloudEvents: one
        (`application/cloudevents+json`, or binary mode: `ce-*` headers) or a batch
        (`application/cloudevents-batch+json`).

        If any line fails validation nothing is appended. Lines the conductor refuses (an
        unknown milestone, an ensemble without a score) are reported; the accepted lines of
        the batch are appended in one transaction. 422 when nothing was appended and a line
        was rejected.
        """
        found = await events_intake(request, max_body_bytes)
        if isinstance(found, Response):
            return found
        return await answer(await fold(runtime.ingest_steps(found)), found)

    async def answer(result: BatchResult, intake: Intake) -> Response:
        if result.committed is not None:
            await asyncio.wrap_future(result.committed)  # answered once it is in the log
        found = result.to_json()
        if intake.ignored:
            found["ignored"] = [ignored.to_json() for ignored in intake.ignored]
        status = status_of(result.results, result.appended)
        if status != 200:
            found |= refusal(result.results)
        return json_response(found, status)

    github = GitHubDeliveries(runtime, github_secret.encode() if github_secret else None)

    @app.post(
        "/webhooks/github",
        responses={
            200: {"description": "per event: accepted, duplicate or rejected; what was ignored"},
            401: {"description": "missing or wrong X-Hub-Signature-256; nothing appended"},
            413: {"description": "body larger than the configured limit"},
            422: {"description": "nothing appended; each problem names its field"},
        },
    )
    async def github_webhook(request: Request) -> Response:
        """A GitHub webhook delivery (`issues`, `pull_request`; `ping` and anything unmapped
        is answered 200 and counted). Signed with `CONDUCTOR_GITHUB_WEBHOOK_SECRET`."""
        try:
            body = await read_body(request, max_body_bytes)
        except BodyTooLarge:
            return error_response(413, f"body larger than {max_body_bytes} bytes")
        try:
            intake = github.intake(request.headers, body)
        except Unauthorized as error:
            return error_response(401, str(error))
        return await answer(await fold(runtime.ingest_steps(intake)), intake)

    @app.get(
        "/calendar/{ensemble}.ics",
        response_class=Response,
        responses={
            200: {"content": {"text/calendar": {"schema": {"type": "string"}}}},
            **unauthorized,
            **unknown,
        },
    )
    async def get_calendar(
        ensemble: Annotated[Id, Path(description="the ensemble's id")],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        token: Annotated[
            str | None,
            Query(
                description="the read-only token, for calendar apps that cannot send a "
                "header (never the API token: a URL ends up in logs and shared calendars)"
            ),
        ] = None,
    ) -> Response:
        """The ensemble's cadences as an iCalendar feed, to subscribe to in a calendar."""
        if tokens.grant_in_url(token) is Grant.NONE:
            granted(credentials, Grant.READ)
        feed = calendar_feed(runtime, ensemble)
        if feed is None:
            return error_response(404, f"unknown ensemble {ensemble!r}")
        return Response(feed, media_type="text/calendar; charset=utf-8")

    @app.get("/cues", dependencies=reads, responses={**unauthorized, **invalid})
    async def get_cues(
        since: Annotated[
            int,
            Query(ge=0, le=SQLITE_INTEGER_MAX, description="cue sequence number; cues after it"),
        ] = 0,
        kind: CueKind | None = None,
        role: Annotated[Id | None, Query(description="cues to this role")] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        pilot: Annotated[
            bool, Query(description="the pilot score's cues (recorded, never delivered)")
        ] = False,
    ) -> Response:
        """Cues in the order they fired; page with `since` = the `next` of the last answer.
        With `pilot=true`, the cues of the pilot score folded in shadow, in their own order."""
        found = runtime.store.cues(since, kind.value if kind else None, role, limit, pilot)
        cues = b",".join(body for _, body in found)
        following = found[-1][0] if found else since
        return Response(
            b'{"cues":[' + cues + b'],"next":' + str(following).encode() + b"}",
            media_type="application/json",
        )

    async def answered(cue_id: str, until: datetime | None) -> Response:
        result = runtime.answer(cue_id, until)
        if result is None:
            return error_response(404, f"unknown cue {cue_id!r}")
        if result.committed is not None:
            await asyncio.wrap_future(result.committed)
        return _answer(result)

    cue_path = Path(description="the cue's id")

    answers = {**unauthorized, **forbidden, **unknown, **invalid}

    @app.post("/cues/{cue_id}/ack", dependencies=writes, responses=answers)
    async def acknowledge(cue_id: Annotated[Id, cue_path]) -> Response:
        """Acknowledge a cue: a `cue.acknowledged` event in the log (no person in it).

        `status` is `accepted`, or `duplicate` for a cue acknowledged before; 404 for a cue
        this runtime never sent."""
        return await answered(cue_id, None)

    @app.post("/cues/{cue_id}/snooze", dependencies=writes, responses=answers)
    async def snooze(
        cue_id: Annotated[Id, cue_path],
        until: Annotated[datetime, Query(description="ISO 8601 with a timezone")],
    ) -> Response:
        """Snooze a cue until `until`: a `cue.snoozed` event. A snoozed `hold` or `tempo` cue
        is not repeated before `until` (a hold still holding then is cued again)."""
        if until.tzinfo is None:
            return error_response(
                422, "invalid request", [Problem("query.until", "needs a timezone")]
            )
        return await answered(cue_id, until)

    @app.get("/deliveries", dependencies=reads, responses={**unauthorized, **invalid})
    async def deliveries(
        failed: bool = False,
        sink: Annotated[str | None, Query(max_length=200, description="one sink's")] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> Response:
        """Each cue's delivery per sink, newest first: `delivered`, `pending`, `held` (quiet
        hours), or `failed` after the sink's last try (`failed=true`: only those)."""
        released = runtime.now().timestamp()
        found = runtime.store.deliveries(failed, sink, limit, released)
        return json_response({"deliveries": found})

    @app.get("/ensembles/{ensemble}", dependencies=reads, responses={**unauthorized, **unknown})
    async def get_ensemble(
        ensemble: Annotated[Id, Path(description="the ensemble's id")],
    ) -> Response:
        """Tempo and alignment figures, milestone status and forecasts of one ensemble."""
        async with folding:
            found = runtime.figures(ensemble)
        if found is None:
            return error_response(404, f"unknown ensemble {ensemble!r}")
        return json_response({**found, "offset": runtime.offset})

    @app.get("/healthz", responses={503: {"description": "the log writer stopped"}})
    async def healthz() -> Response:
        """Open to all, token or not (probes). 503 once the log cannot be written any more
        (restart the process)."""
        status, code = ("ok", 200) if runtime.writer.healthy else ("log writer stopped", 503)
        return json_response(
            {"status": status, "offset": runtime.offset, "now": runtime.now().isoformat()}, code
        )

    @app.get(
        "/metrics",
        dependencies=reads,
        response_class=Response,
        responses={
            200: {
                "description": "the Prometheus text exposition format",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            **unauthorized,
        },
    )
    async def metrics() -> Response:
        """Prometheus metrics (with a token set, scraped with `authorization: {credentials}`)."""
        async with folding:
            runtime.refresh_metrics()
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original_openapi()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(defs)
        schemas.update(error_schemas())
        schemas.pop("ValidationError", None)
        return schema

    # the event models' schemas, and every error in the one shape
    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False, dependencies=reads)
    async def openapi_document() -> Response:
        return json_response(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=reads)
    async def docs() -> Response:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Conductor")

    return app
