"""The sinks themselves: each delivers one cue (its JSON) and answers what the receiver said.

A sink raises when the receiver did not accept the cue (no answer, or not 2xx); the caller
retries (`conductor.sinks.retry`). `mark_every` says how many deliveries the embedded
runtime may record in one transaction: a crash between sending and recording sends up to
that many again, which receivers drop by cue id (`webhook-id`).
"""

import sys
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from conductor.errors import ConductorError
from conductor.sinks.cloudevent import cloud_event, signed
from conductor.sinks.slack import message

LOCAL_MARK_EVERY = 100
"""A local write costs less than a commit: the file and stdout sinks mark in runs of 100."""


RETRIED_CLIENT_ERRORS = frozenset({408, 425, 429})
"""4xx answers that say "later" (a timeout, too early, too many requests); any other 4xx
says the receiver will never take this request, and trying it again only holds back the
sink's later cues for the whole retry schedule."""


class DeliveryFailed(ConductorError):
    """The receiver answered, but did not accept the cue (its status is the message), and
    may have said how long to wait before the next try (`Retry-After`, in seconds), or that
    no try will do (`final`: a 4xx other than `RETRIED_CLIENT_ERRORS`)."""

    def __init__(self, answer: str, retry_after: float | None = None, final: bool = False) -> None:
        super().__init__(answer)
        self.retry_after = retry_after
        self.final = final


def retry_after(value: str | None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Sink(Protocol):
    name: str
    mark_every: int

    async def send(self, body: bytes) -> str:
        """Deliver one cue; the receiver's answer (`200 OK`, `written`). Raises if refused."""
        ...

    async def close(self) -> None: ...


def readable(body: bytes) -> str:
    """One line a person can read: time, kind, recipient, subject and reason."""
    cue = orjson.loads(body)
    ((kind, name),) = cue["to"].items()
    return (
        f"cue {cue['at']} {cue['kind']} -> {kind}:{name} [{cue['subject']}] "
        f"{cue['severity']}: {cue['reason']}"
    )


class StdoutSink:
    def __init__(self, name: str = "stdout", out: TextIO | None = None) -> None:
        self.name = name
        self.mark_every = LOCAL_MARK_EVERY
        self.out = out or sys.stdout

    async def send(self, body: bytes) -> str:
        self.out.write(readable(body) + "\n")
        self.out.flush()
        return "written"

    async def close(self) -> None:
        return None


class JsonlSink:
    """Appends each cue as a line; flushed per cue so a reader tailing the file sees it."""

    def __init__(self, path: Path, name: str = "jsonl") -> None:
        self.name = name
        self.mark_every = LOCAL_MARK_EVERY
        self.path = path
        self._out: BinaryIO | None = None

    async def send(self, body: bytes) -> str:
        if self._out is None:
            self._out = self.path.open("ab")
        self._out.write(body + b"\n")
        self._out.flush()
        return "written"

    async def close(self) -> None:
        if self._out is not None:
            self._out.close()


class _HttpSink:
    mark_every = 1  # a round trip per cue anyway; a crash resends only the one in flight

    def __init__(self, name: str, url: str, timeout: float) -> None:
        self.name = name
        self.url = url
        self._client = httpx.AsyncClient(timeout=timeout)

    async def _post(self, body: bytes, headers: dict[str, str]) -> str:
        response = await self._client.post(self.url, content=body, headers=headers)
        answer = f"{response.status_code} {response.reason_phrase}".strip()
        if not response.is_success:  # 429 (Slack's rate limit) and 503 may say when to retry
            status = response.status_code
            final = 400 <= status < 500 and status not in RETRIED_CLIENT_ERRORS
            raise DeliveryFailed(answer, retry_after(response.headers.get("Retry-After")), final)
        return answer

    async def close(self) -> None:
        await self._client.aclose()


class WebhookSink(_HttpSink):
    """POSTs each cue as a structured CloudEvent, signed per Standard Webhooks when it has a
    secret."""

    def __init__(self, name: str, url: str, secret: str | None, timeout: float = 5.0) -> None:
        super().__init__(name, url, timeout)
        self._signer = None if secret is None else Webhook(secret)

    async def send(self, body: bytes) -> str:
        cue = orjson.loads(body)
        request = signed(cloud_event(cue), cue["id"], self._signer, datetime.now(UTC))
        return await self._post(request.body, request.headers)


class SlackSink(_HttpSink):
    """POSTs each cue as a Slack (or Mattermost) incoming-webhook message."""

    def __init__(
        self, name: str, url: str, dashboard_url: str | None = None, timeout: float = 5.0
    ) -> None:
        super().__init__(name, url, timeout)
        self.dashboard_url = dashboard_url

    async def send(self, body: bytes) -> str:
        payload = orjson.dumps(message(orjson.loads(body), self.dashboard_url))
        return await self._post(payload, {"Content-Type": "application/json"})


class KafkaSink:
    """Produces each cue's JSON to a topic, keyed by its ensemble (acks from all replicas)."""

    mark_every = 1

    def __init__(self, name: str, broker: str, topic: str) -> None:
        self.name = name
        self.broker = broker
        self.topic = topic
        self._producer: Any = None

    async def send(self, body: bytes) -> str:
        if self._producer is None:
            from aiokafka import AIOKafkaProducer

            bootstrap = ",".join(p.removeprefix("kafka://") for p in self.broker.split(";"))
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
            try:
                await producer.start()
            except BaseException:  # the broker is not there: the next try starts afresh
                await producer.stop()
                raise
            self._producer = producer
        key = orjson.loads(body)["ensemble"].encode()
        sent = await self._producer.send_and_wait(self.topic, value=body, key=key)
        return f"partition {sent.partition} offset {sent.offset}"

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
