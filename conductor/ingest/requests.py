"""`POST /events` in every runtime: which reader a request's content type and headers call
for (Conductor's own JSON or NDJSON, or CloudEvents in one of its three modes)."""

from collections.abc import Mapping

from conductor.ingest import cloudevents
from conductor.ingest.intake import Intake
from conductor.ingest.native import native_lines

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/json-lines"})


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def events_of_request(headers: Mapping[str, str], body: bytes) -> Intake:
    """Structured and batched CloudEvents by their media types; binary mode by its `ce-*`
    headers (as the CloudEvents SDKs tell the modes apart); else Conductor's envelope, one
    event or, for an NDJSON type, one per line."""
    media = media_type(headers)
    if media == cloudevents.STRUCTURED:
        return cloudevents.structured(body)
    if media == cloudevents.BATCH:
        return cloudevents.batch(body)
    if any(name.lower().startswith(cloudevents.HEADER_PREFIX) for name in headers):
        return cloudevents.binary(headers, body)
    return native_lines(body.split(b"\n") if media in NDJSON_TYPES else [body])
