"""Retries: exponential backoff with jitter, and when to give up on a cue for one sink."""

import random
from dataclasses import dataclass, field

from conductor.sinks.config import Retry
from conductor.sinks.senders import DeliveryFailed


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 12
    first: float = 1.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    @classmethod
    def of(cls, retry: Retry) -> "RetryPolicy":
        return cls(retry.attempts, retry.first_seconds, retry.max_seconds)

    def delay(self, failures: int, asked: float | None = None) -> float | None:
        """Seconds to wait after the `failures`-th failed try, or None: that was the last.

        The wait doubles from `first` up to `cap`; "equal jitter" draws it between half and
        all of that, so sinks that failed together do not all come back at the same instant
        and no wait shrinks to nothing. A receiver that `asked` for a longer wait (its
        `Retry-After`) gets it, up to `cap`."""
        if failures >= self.attempts:
            return None
        ceiling = float(min(self.cap, self.first * 2.0 ** min(failures - 1, 60)))
        drawn = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        return drawn if asked is None else max(drawn, min(asked, self.cap))

    def after(self, failures: int, error: BaseException) -> float | None:
        """Seconds to wait after the `failures`-th try failed with `error`, or None: give up
        (that was the last try, or the receiver refused the cue for good)."""
        if isinstance(error, DeliveryFailed):
            return None if error.final else self.delay(failures, error.retry_after)
        return self.delay(failures)
