"""Who may read and who may post: the API token, the read-only token, compared in constant time.

With no token configured every request is allowed (a runtime on loopback, a demo). With the
API token set, every endpoint but `/healthz` needs a token: the API token may read and post,
the read-only token (if one is set) may only read.
"""

import enum
import hmac
from dataclasses import dataclass

from conductor.errors import Problem


class Grant(enum.IntEnum):
    """What a request's credentials allow, in increasing order."""

    NONE = 0
    READ = 1
    WRITE = 2


@dataclass(frozen=True)
class Tokens:
    write: str | None = None
    """`CONDUCTOR_API_TOKEN`: reads and posts."""
    read: str | None = None
    """`CONDUCTOR_API_READ_TOKEN`: reads only (dashboards, Prometheus, calendar feeds)."""

    @property
    def guarded(self) -> bool:
        return self.write is not None

    def grant(self, given: str | None) -> Grant:
        """What `given` allows. Both tokens are compared, whichever matches, so the time
        taken says nothing about which one (or how much of one) was close."""
        if not self.guarded:
            return Grant.WRITE
        if given is None:
            return Grant.NONE
        offered = given.encode()
        writes = _same(offered, self.write)
        reads = _same(offered, self.read)
        return Grant.WRITE if writes else Grant.READ if reads else Grant.NONE

    def grant_in_url(self, given: str | None) -> Grant:
        """What a token in a URL allows (the calendar feed's `?token=`, for calendar apps
        that cannot send a header): only reading, and only with the read-only token. A URL
        ends up in logs and shared calendars: the API token is never taken from one."""
        if not self.guarded:
            return Grant.WRITE
        if given is None:
            return Grant.NONE
        return Grant.READ if _same(given.encode(), self.read) else Grant.NONE

    def problems(self) -> list[Problem]:
        """A read token without an API token would leave posting open while reading is
        guarded; one equal to the API token would let it post."""
        found = []
        if self.read is not None and self.write is None:
            found.append(Problem("CONDUCTOR_API_READ_TOKEN", "needs CONDUCTOR_API_TOKEN set too"))
        if self.read is not None and self.read == self.write:
            found.append(
                Problem("CONDUCTOR_API_READ_TOKEN", "must differ from CONDUCTOR_API_TOKEN")
            )
        return found


def _same(offered: bytes, expected: str | None) -> bool:
    if expected is None:
        return False
    return hmac.compare_digest(offered, expected.encode())


def bearer_of(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme in any case)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


OPEN = Tokens()
"""No token configured: every request is allowed."""
