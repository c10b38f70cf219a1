"""HTTP plumbing of an ingest endpoint, for the embedded runtime and the gateway: a bounded
body, JSON answers and the one shape of an error answer (tokens: conductor.access)."""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from conductor.errors import ConductorError, Problem
from conductor.ingest.intake import Intake
from conductor.ingest.requests import UnsupportedMediaType, events_of_request
from schemas import format_location


class ProblemAnswer(BaseModel):
    path: str = Field(description="the field at fault: `data.life`, `query.since`, `(body)`")
    message: str
    line: int | None = Field(None, description="`POST /events`: the line it was found on")


class ErrorAnswer(BaseModel):
    """Every error answer's one shape (`POST /events` adds its per-line `results`)."""

    detail: str
    problems: list[ProblemAnswer]


def error_schemas() -> dict[str, Any]:
    """`ErrorAnswer` as OpenAPI components, in place of FastAPI's own validation error (its
    `detail` is a list: this API answers every error in the one shape)."""
    schema = ErrorAnswer.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema.pop("$defs", {}), "HTTPValidationError": schema}


class BodyTooLarge(ConductorError):
    """A request body over the configured limit (answered 413)."""


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def error_body(detail: str, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """Every error answer's one shape: `{"detail": "...", "problems": [{"path", "message"}]}`
    (`problems` empty unless a field is at fault; `POST /events` adds each problem's line)."""
    return {
        "detail": detail,
        "problems": [{"path": p.path, "message": p.message} for p in problems],
    }


def error_response(
    status: int,
    detail: str,
    problems: Sequence[Problem] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An error answer in the one shape (`error_body`)."""
    response = json_response(error_body(detail, problems), status)
    response.headers.update(headers or {})
    return response


async def invalid_request(_: Request, error: Exception) -> Response:
    """FastAPI's request validation errors (query and path parameters) in the one shape."""
    assert isinstance(error, RequestValidationError)
    problems = [
        Problem(format_location(tuple(detail["loc"])), str(detail["msg"]))
        for detail in error.errors()
    ]
    return error_response(422, "invalid request", problems)


async def http_error(_: Request, error: Exception) -> Response:
    """FastAPI's own refusals (401, 404 of an unknown path, 405) in the one shape."""
    assert isinstance(error, StarletteHTTPException)
    return error_response(error.status_code, str(error.detail), headers=error.headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or `BodyTooLarge` as soon as it passes `limit` bytes (declared or read)."""
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


async def events_intake(request: Request, limit: int) -> Intake | Response:
    """A `POST /events` request's events, or the answer refusing it as a whole (413, 415)."""
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        return error_response(413, f"body larger than {limit} bytes")
    try:
        return events_of_request(request.headers, body)
    except UnsupportedMediaType as error:
        return error_response(415, str(error))
