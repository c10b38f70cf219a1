"""A cue as a CloudEvents 1.0 event in structured mode, signed per Standard Webhooks.

`type` is `dev.conductor.cue.<kind>`, `source` `conductor/<ensemble>`, `id` the cue id (also
the `webhook-id`, which receivers deduplicate by), `subject` the cue's subject, `time` its
`at`, `data` the cue itself. The signature covers the body exactly as sent.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent
from standardwebhooks.webhooks import Webhook

TYPE_PREFIX = "dev.conductor.cue."


@dataclass(frozen=True)
class Request:
    headers: dict[str, str]
    body: bytes


def cloud_event(cue: dict[str, Any]) -> Request:
    """The structured-mode request of a cue (as its JSON decodes)."""
    event = CloudEvent(
        attributes={
            "specversion": "1.0",
            "id": cue["id"],
            "type": TYPE_PREFIX + cue["kind"],
            "source": f"conductor/{cue['ensemble']}",
            "subject": cue["subject"],
            "time": datetime.fromisoformat(cue["at"]),
            "datacontenttype": "application/json",
        },
        data=cue,
    )
    message = to_structured_event(event)
    return Request(dict(message.headers), message.body)


def signed(request: Request, cue_id: str, signer: Webhook | None, now: datetime) -> Request:
    """The request with its Standard Webhooks headers (`webhook-id` alone when unsigned), and
    `Idempotency-Key` for receivers that dedupe by that header."""
    headers = {**request.headers, "webhook-id": cue_id, "Idempotency-Key": cue_id}
    if signer is not None:
        at = now.astimezone(UTC)
        headers["webhook-timestamp"] = str(int(at.timestamp()))
        headers["webhook-signature"] = signer.sign(cue_id, at, request.body.decode())
    return Request(headers, request.body)
