"""GitHub's webhook signature: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`
with the webhook's secret, compared in constant time."""

import hashlib
import hmac

HEADER = "x-hub-signature-256"
PREFIX = "sha256="


def signature_of(secret: bytes, body: bytes) -> str:
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_problem(secret: bytes, body: bytes, header: str | None) -> str | None:
    """Why the delivery is not GitHub's with this secret, or None when it is.

    `hmac.compare_digest` takes as long whatever the first differing character: a sender
    cannot learn the expected signature a byte at a time from the answer's timing."""
    if header is None:
        return "X-Hub-Signature-256: missing (the webhook must have a secret)"
    expected = signature_of(secret, body).encode()
    if not hmac.compare_digest(expected, header.strip().encode()):
        return "X-Hub-Signature-256: does not match the body signed with the configured secret"
    return None
