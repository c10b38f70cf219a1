"""HTTP plumbing of an ingest endpoint: a bounded body, JSON answers (tokens: conductor.access).

The gateway's; the embedded runtime's `api.py` still has its own equal `_read_body` and
`_json` (left alone while its error answers are being reworked), to be replaced by these."""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from conductor.errors import ConductorError


class BodyTooLarge(ConductorError):
    """A request body over the configured limit (answered 413)."""


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


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
