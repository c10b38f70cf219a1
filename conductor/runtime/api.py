"""The HTTP API: post events, read cues and figures, health and Prometheus metrics."""

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from conductor.errors import ConductorError
from conductor.runtime.delivery import Courier
from conductor.runtime.live import LiveRuntime
from schemas import EVENT_ADAPTER, CueKind

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/json-lines"})
TICK_POLL_SECONDS = 0.2
"""How often the ticker compares the clock with the next deadline (a tick is appended at the
deadline's own instant, so the poll interval delays delivery, never changes a cue)."""

Background = Callable[[], Awaitable[object]]


class BodyTooLarge(ConductorError):
    """A request body over the configured limit (answered 413)."""


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    runtime: LiveRuntime,
    couriers: list[Courier],
    api_token: str | None = None,
    max_body_bytes: int = 8 * 1024 * 1024,
    background: list[Background] | None = None,
) -> FastAPI:
    """The app; its lifespan runs the ticker, one courier per sink and any `background` jobs."""

    def wake() -> None:
        for courier in couriers:
            courier.wake.set()

    runtime.on_append = wake

    async def ticker() -> None:
        while True:
            runtime.tick()
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

    app = FastAPI(
        title="Conductor",
        summary="Post team events; read cues, tempo, alignment and forecasts.",
        lifespan=lifespan,
    )
    bearer = HTTPBearer(auto_error=False)

    async def authorized(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        """Async although it awaits nothing: FastAPI runs a plain def dependency in a worker
        thread, a thread hop (and GIL hand-over) on every POST."""
        if api_token is None:
            return
        if credentials is None or not secrets.compare_digest(
            credentials.credentials.encode(), api_token.encode()
        ):
            raise HTTPException(
                401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )

    event_schema = EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
    defs = event_schema.pop("$defs", {})

    @app.post(
        "/events",
        dependencies=[Depends(authorized)],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": event_schema},
                    "application/x-ndjson": {
                        "schema": {"type": "string", "description": "one event per line"}
                    },
                },
            },
            "responses": {
                "200": {"description": "per line: accepted, duplicate or rejected"},
                "413": {"description": "body larger than the configured limit"},
                "422": {"description": "nothing appended; each problem names its field"},
            },
        },
    )
    async def post_events(request: Request) -> Response:
        """One event (JSON) or a batch (NDJSON, one event per line).

        If any line fails validation nothing is appended. Lines the conductor refuses (an
        unknown milestone, an ensemble without a score) are reported; the accepted lines of
        the batch are appended in one transaction. 422 when nothing was appended and a line
        was rejected.
        """
        try:
            body = await _read_body(request, max_body_bytes)
        except BodyTooLarge:
            return _json({"detail": f"body larger than {max_body_bytes} bytes"}, 413)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        lines = body.split(b"\n") if media in NDJSON_TYPES else [body]
        result = runtime.ingest(lines)
        if result.committed is not None:
            await asyncio.wrap_future(result.committed)  # answered once it is in the log
        failed = not result.appended and result.count("rejected") > 0
        return _json(result.to_json(), 422 if failed else 200)

    @app.get("/cues")
    async def get_cues(
        since: Annotated[int, Query(ge=0, description="cue sequence number; cues after it")] = 0,
        kind: CueKind | None = None,
        role: str | None = None,
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

    @app.get("/ensembles/{ensemble}")
    async def get_ensemble(ensemble: str) -> Response:
        """Tempo and alignment figures, milestone status and forecasts of one ensemble."""
        found = runtime.figures(ensemble)
        if found is None:
            return _json({"detail": f"unknown ensemble {ensemble!r}"}, 404)
        return _json({**found, "offset": runtime.offset})

    @app.get("/healthz")
    async def healthz() -> Response:
        """503 once the log cannot be written any more (restart the process)."""
        status, code = ("ok", 200) if runtime.writer.healthy else ("log writer stopped", 503)
        return _json(
            {"status": status, "offset": runtime.offset, "now": runtime.now().isoformat()}, code
        )

    @app.get("/metrics")
    async def metrics() -> Response:
        runtime.refresh_metrics()
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original_openapi()
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # adds the event models' schemas
    return app
