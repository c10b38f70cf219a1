"""GitHub's payloads recorded in `tests/fixtures/github/` (see its README for where their
shape comes from), signed as GitHub signs a delivery, and every person value in them."""

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
SCORE = FIXTURES / "score.yaml"
SECRET = "It's a Secret to Everybody"
"""The secret of GitHub's own example in its docs on validating deliveries."""

PERSON_KEYS = frozenset(
    {
        "sender",
        "user",
        "assignee",
        "assignees",
        "requested_reviewers",
        "merged_by",
        "closed_by",
        "creator",
        "owner",
        "author",
        "committer",
        "pusher",
    }
)
"""Keys under which GitHub puts a person (or a list of them)."""
IDENTIFYING = frozenset(
    {
        "login",
        "id",
        "node_id",
        "avatar_url",
        "gravatar_id",
        "url",
        "html_url",
        "followers_url",
        "following_url",
        "gists_url",
        "starred_url",
        "subscriptions_url",
        "organizations_url",
        "repos_url",
        "events_url",
        "received_events_url",
        "name",
        "email",
    }
)
"""What of a person identifies them: logins, ids, avatars, profile URLs, names, e-mails."""


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(raw(name))
    return found


def event_of(name: str) -> str:
    """`issues.labeled.json` -> `issues` (the X-GitHub-Event the file was delivered as)."""
    return name.split(".")[0]


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(
    event: str, body: bytes, delivery: str | None = None, secret: str | None = SECRET
) -> dict[str, str]:
    """A delivery's headers as GitHub sends them."""
    found = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/044aadd",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "109948940",
        "X-GitHub-Hook-Installation-Target-ID": "186853002",
        "X-GitHub-Hook-Installation-Target-Type": "repository",
    }
    if secret is not None:
        found["X-Hub-Signature-256"] = signature(body, secret)
    return found


def deliver(
    base_url: str, name: str, delivery: str | None = None, body: bytes | None = None
) -> httpx.Response:
    """POST the recorded payload `name` to `base_url`/webhooks/github, signed."""
    content = raw(name) if body is None else body
    return httpx.post(
        f"{base_url}/webhooks/github",
        content=content,
        headers=headers(event_of(name), content, delivery),
        timeout=30,
    )


def person_values(document: Any) -> set[str]:
    """Every identifying value of every person in a payload, as text (an organization is no
    person: its name is part of the repository's, which the score names)."""
    found: set[str] = set()
    for person in _people(document):
        for key, value in person.items():
            if key in IDENTIFYING and value not in (None, "") and not isinstance(value, bool):
                found.add(str(value))
    return found


def _people(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, list):
        for element in document:
            yield from _people(element)
    elif isinstance(document, dict):
        for key, value in document.items():
            if key in PERSON_KEYS:
                for person in value if isinstance(value, list) else [value]:
                    if isinstance(person, dict) and person.get("type") != "Organization":
                        yield person
            yield from _people(value)


def all_payloads() -> dict[str, Any]:
    """Every recorded webhook payload and the export's items, by file name."""
    found = {
        path.name: json.loads(path.read_bytes())
        for path in FIXTURES.glob("*.json")
        if path.name != "export.issues.json"
    }
    decoder = json.JSONDecoder()
    text = (FIXTURES / "export.issues.json").read_text()
    pages, position = [], 0
    while position < len(text.rstrip()):
        page, position = decoder.raw_decode(text, position)
        pages.append(page)
        while position < len(text) and text[position].isspace():
            position += 1
    found["export.issues.json"] = pages
    return found
