"""`POST /events` in every runtime: which reader a request's content type and headers call
for (Conductor's own JSON or NDJSON, or CloudEvents in one of its three modes)."""

from collections.abc import Mapping

from conductor.errors import ConductorError, Problem
from conductor.ingest import cloudevents
from conductor.ingest.answers import LineResult
from conductor.ingest.intake import Intake
from conductor.ingest.native import native_lines

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/json-lines"})
JSON = "application/json"
ACCEPTED_TYPES = (JSON, *sorted(NDJSON_TYPES), cloudevents.STRUCTURED, cloudevents.BATCH)
EMPTY = Problem("(body)", "the body holds no event")


class UnsupportedMediaType(ConductorError):
    """A body of a type no reader takes (answered 415, naming the types taken)."""

    def __init__(self, media: str) -> None:
        sent = f"Content-Type {media!r}" if media else "no Content-Type"
        super().__init__(f"{sent}: events are sent as {', '.join(ACCEPTED_TYPES)}")


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def events_of_request(headers: Mapping[str, str], body: bytes) -> Intake:
    """Structured and batched CloudEvents by their media types; binary mode by its `ce-*`
    headers (as the CloudEvents SDKs tell the modes apart); else Conductor's envelope, one
    event (JSON) or, for an NDJSON type, one per line. A body with no event is refused (422);
    any other type raises `UnsupportedMediaType` (415)."""
    intake = _read(media_type(headers), headers, body)
    if not (intake.events or intake.invalid or intake.ignored):
        intake.invalid.append(LineResult(1, "rejected", None, [EMPTY]))
    return intake


def _read(media: str, headers: Mapping[str, str], body: bytes) -> Intake:
    if media == cloudevents.STRUCTURED:
        return cloudevents.structured(body)
    if media == cloudevents.BATCH:
        return cloudevents.batch(body)
    if any(name.lower().startswith(cloudevents.HEADER_PREFIX) for name in headers):
        return cloudevents.binary(headers, body)
    if media in NDJSON_TYPES:
        return native_lines(body.split(b"\n"))
    if media == JSON:
        return native_lines([body])
    raise UnsupportedMediaType(media)
