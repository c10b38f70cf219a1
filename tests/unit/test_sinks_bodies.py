"""What sinks send, read back by the receivers' own libraries: a CloudEvent (cloudevents),
its Standard Webhooks signature (standardwebhooks), a Slack message (slack_sdk)."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    HeaderBlock,
    SectionBlock,
)
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from conductor.sinks.cloudevent import cloud_event, signed
from conductor.sinks.slack import message

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CUE = {
    "id": "cue-0f3a",
    "kind": "hold",
    "ensemble": "harbor",
    "score": "harbor-launch",
    "to": {"role": "platform-lead"},
    "subject": "api-contract-4",
    "at": "2026-03-06T20:00:00Z",
    "severity": "warn",
    "reason": "Task 'api-contract-4' has been blocked since Fri 06 Mar 11:27.",
    "caused_by": ["e-17"],
    "deliver_at": "2026-03-09T07:00:00Z",
    "timezone": "Europe/Berlin",
}


def test_a_cue_is_a_structured_cloudevent_with_the_cue_as_data() -> None:
    request = cloud_event(CUE)
    assert request.headers["content-type"] == "application/cloudevents+json"
    event = from_http_event(HTTPMessage(request.headers, request.body))
    assert event.get_specversion() == "1.0"
    assert event.get_id() == "cue-0f3a"
    assert event.get_type() == "dev.conductor.cue.hold"
    assert event.get_source() == "conductor/harbor"
    assert event.get_subject() == "api-contract-4"
    assert event.get_time() == datetime(2026, 3, 6, 20, 0, tzinfo=UTC)
    assert event.get_datacontenttype() == "application/json"
    assert event.get_data() == CUE


def test_the_signature_verifies_with_the_secret_and_fails_on_any_change() -> None:
    now = datetime.now(UTC)
    request = signed(cloud_event(CUE), CUE["id"], Webhook(SECRET), now)
    assert request.headers["webhook-id"] == CUE["id"]
    assert request.headers["webhook-timestamp"] == str(int(now.timestamp()))
    verified = Webhook(SECRET).verify(request.body, request.headers)
    assert verified["data"] == CUE
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(request.body.replace(b"warn", b"info"), request.headers)
    other = "whsec_" + "A" * 32
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, request.headers)
    stale = signed(cloud_event(CUE), CUE["id"], Webhook(SECRET), now - timedelta(hours=1))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(SECRET).verify(stale.body, stale.headers)


def test_an_unsigned_request_still_names_the_cue_for_deduplication() -> None:
    request = signed(cloud_event(CUE), CUE["id"], None, datetime.now(UTC))
    assert request.headers["webhook-id"] == request.headers["Idempotency-Key"] == CUE["id"]
    assert "webhook-signature" not in request.headers


def test_a_slack_message_is_block_kit_and_a_text_that_says_the_same() -> None:
    payload = orjson.loads(orjson.dumps(message(CUE, "https://grafana.example/d/harbor")))
    header, reason, fields, context, actions = Block.parse_all(payload["blocks"])
    assert isinstance(header, HeaderBlock) and header.text is not None
    assert header.text.text == ":warning: hold: api-contract-4"
    assert isinstance(reason, SectionBlock) and reason.text is not None
    assert reason.text.text == CUE["reason"]
    assert isinstance(fields, SectionBlock) and fields.fields is not None
    shown = [field.text for field in fields.fields]
    assert shown == [
        "*For*\nrole platform-lead",
        "*Severity*\nwarn",
        "*When*\nFri 06 Mar 21:00 (Europe/Berlin)",
        "*Ensemble*\nharbor",
    ]
    assert isinstance(context, ContextBlock)
    assert isinstance(actions, ActionsBlock)
    assert actions.elements[0].url == "https://grafana.example/d/harbor"  # type: ignore[attr-defined]
    for block in (header, reason, fields, context, actions):
        block.validate_json()
    text = payload["text"]
    for part in (CUE["reason"], "role platform-lead", "warn", "Fri 06 Mar 21:00", "harbor"):
        assert part in text
    assert "https://grafana.example/d/harbor" in text


def test_a_slack_message_without_a_dashboard_has_no_button() -> None:
    payload = message(CUE)
    assert [block["type"] for block in payload["blocks"]] == [
        "header",
        "section",
        "section",
        "context",
    ]
