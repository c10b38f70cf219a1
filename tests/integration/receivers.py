"""Real receivers of what the sinks send, on loopback, each checking it with its own library:
a CloudEvents webhook that verifies the Standard Webhooks signature exactly as the README tells
receivers to (the README's own snippet is run), and a Slack incoming webhook that parses the
Block Kit blocks with `slack_sdk`."""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from slack_sdk.models.blocks import Block

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verification() -> str:
    """The Python block of the README that shows a receiver how to verify a delivery."""
    found = re.search(r"```python\n(from standardwebhooks.*?)```", README.read_text(), re.S)
    assert found is not None, "the README shows no verification snippet"
    return found.group(1)


def verify_as_the_readme_says(secret: str, body: bytes, headers: dict[str, str]) -> Any:
    """Run the README's snippet on one request; it leaves the cue in `cue`."""
    scope: dict[str, Any] = {"secret": secret, "body": body, "headers": headers}
    exec(readme_verification(), scope)
    return scope["cue"]


@dataclass
class Receiver:
    """An HTTP endpoint that answers `fail_first` requests (or every one, `always_fail`) with
    `refusal` (503) and `refusal_headers`, and hands the others to `accept` (an exception
    there answers 503 too)."""

    port: int
    fail_first: int = 0
    always_fail: bool = False
    refusal: int = 503
    refusal_headers: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def accept(self, headers: dict[str, str], body: bytes) -> None:
        raise NotImplementedError

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                with receiver.lock:
                    receiver.requests.append((headers, body))
                    refused = receiver.always_fail or len(receiver.requests) <= receiver.fail_first
                    if not refused:
                        try:
                            receiver.accept(headers, body)
                        except Exception as error:
                            receiver.errors.append(repr(error))
                            refused = True
                self.send_response(receiver.refusal if refused else 200)
                for name, value in receiver.refusal_headers.items() if refused else ():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)


@dataclass
class CloudEventsReceiver(Receiver):
    """Verifies each request as the README says, parses it back as a CloudEvent, and keeps
    each cue once by its `webhook-id` (as a receiver should)."""

    secret: str = ""
    events: dict[str, BaseCloudEvent] = field(default_factory=dict)
    cues: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def accept(self, headers: dict[str, str], body: bytes) -> None:
        cue = verify_as_the_readme_says(self.secret, body, headers)
        lowered = {name.lower(): value for name, value in headers.items()}
        event = from_http_event(HTTPMessage(lowered, body))
        webhook_id = lowered["webhook-id"]
        assert webhook_id == event.get_id() == cue["id"]
        if webhook_id not in self.cues:
            self.cues[webhook_id] = cue
            self.events[webhook_id] = event
            self.order.append(webhook_id)

    def ids(self) -> set[str]:
        with self.lock:
            return set(self.cues)


@dataclass
class SlackReceiver(Receiver):
    """An incoming webhook: the payload's blocks parsed back by slack_sdk, and its text."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    blocks: list[list[Block]] = field(default_factory=list)

    def accept(self, headers: dict[str, str], body: bytes) -> None:
        payload = json.loads(body)
        parsed = Block.parse_all(payload["blocks"])
        assert len(parsed) == len(payload["blocks"]) and all(b is not None for b in parsed)
        for block in parsed:
            block.validate_json()
        assert payload["text"]
        self.messages.append(payload)
        self.blocks.append(parsed)

    def cue_ids(self) -> list[str]:
        """The cue id each message names in its context line."""
        with self.lock:
            return [re.findall(r"cue `([^`]+)`", json.dumps(m["blocks"]))[0] for m in self.messages]
