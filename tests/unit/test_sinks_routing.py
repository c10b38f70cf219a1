"""Routing (kinds, recipients, ensembles, severity; a digest by what it folded) and retries."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from conductor.sinks.config import parse_sinks
from conductor.sinks.retry import RetryPolicy
from conductor.sinks.routing import Route, Router, due_at
from conductor.sinks.senders import retry_after
from schemas import Cue


def cue(kind: str = "hold", to: str = "role:platform-lead", **fields: Any) -> Cue:
    recipient, _, name = to.partition(":")
    return Cue.model_validate(
        {
            "id": f"cue-{kind}-{name}",
            "kind": kind,
            "ensemble": "harbor",
            "score": "s",
            "to": {recipient: name},
            "subject": "t-1",
            "at": "2026-03-05T20:00:00Z",
            "severity": "warn",
            "reason": "r",
            "caused_by": ["e-1"],
            **fields,
        }
    )


def route(**keys: Any) -> Route:
    (sink,) = parse_sinks({"sinks": [{"name": "s", "type": "stdout", **keys}]}, "test")
    return Route.of(sink)


def test_a_route_selects_by_kind_recipient_ensemble_and_severity() -> None:
    assert route().takes(cue())
    assert route(kinds=["hold"]).takes(cue())
    assert not route(kinds=["entry"]).takes(cue())
    assert route(to=["role:platform-lead"]).takes(cue())
    assert not route(to=["section:platform"]).takes(cue())
    assert route(to=["section:platform"]).takes(cue(to="section:platform"))
    assert route(to=["ensemble:harbor"]).takes(cue(to="ensemble:harbor"))
    assert not route(ensembles=["other"]).takes(cue())
    assert route(min_severity="warn").takes(cue())
    assert not route(min_severity="critical").takes(cue())
    assert not route(min_severity="warn").takes(cue(severity="info"))


def digest(*folded: tuple[str, str]) -> Cue:
    return cue(
        "digest",
        subject="2026-03-05",
        severity=max((s for _, s in folded), key=["info", "warn", "critical"].index),
        folded=[
            {"id": f"cue-{n}", "kind": kind, "subject": "x", "severity": severity}
            for n, (kind, severity) in enumerate(folded)
        ],
    )


def test_a_digest_goes_where_one_of_the_cues_it_folded_would_have_gone() -> None:
    held_back = digest(("hold", "warn"), ("cadence", "info"))
    assert route(kinds=["hold"]).takes(held_back)
    assert route(kinds=["cadence"]).takes(held_back)
    assert not route(kinds=["breakdown"]).takes(held_back)
    assert route(kinds=["digest"]).takes(held_back), "asking for digests gets every digest"
    assert not route(kinds=["cadence"], min_severity="warn").takes(held_back)
    assert route(kinds=["hold"], min_severity="warn").takes(held_back)


def test_the_router_gives_each_taking_sink_the_cue_s_delivery_instant() -> None:
    router = Router([("all", Route()), ("entries", route(kinds=["entry"]))])
    assert router.outbox(cue()) == [("all", due_at(cue()))]
    quiet = cue(deliver_at="2026-03-06T07:00:00Z")
    assert router.outbox(quiet) == [("all", quiet.deliver_at.timestamp())]  # type: ignore[union-attr]
    assert Router([]).outbox(cue()) == []


def test_backoff_doubles_with_jitter_up_to_the_cap_and_gives_up_after_the_last_try() -> None:
    policy = RetryPolicy(attempts=6, first=1.0, cap=5.0, rng=random.Random(7))
    waits = [policy.delay(failures) for failures in range(1, 6)]
    ceilings = [1.0, 2.0, 4.0, 5.0, 5.0]
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert wait is not None and ceiling / 2 <= wait <= ceiling
    assert len(set(waits)) == len(waits), "jittered"
    assert policy.delay(6) is None


@pytest.mark.parametrize("attempts", [1, 3])
def test_a_policy_of_n_attempts_allows_n_minus_one_retries(attempts: int) -> None:
    policy = RetryPolicy(attempts=attempts, first=0.1, cap=1.0)
    allowed = [policy.delay(n) is not None for n in range(1, attempts + 1)]
    assert allowed == [True] * (attempts - 1) + [False]


def test_a_wait_the_receiver_asked_for_is_kept_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=3, first=1.0, cap=60.0, rng=random.Random(7))
    assert policy.delay(1, asked=30.0) == 30.0
    assert policy.delay(1, asked=600.0) == 60.0
    shorter = policy.delay(2, asked=0.0)
    assert shorter is not None and 1.0 <= shorter <= 2.0, "a shorter ask changes nothing"
    assert policy.delay(3, asked=30.0) is None, "the last try stays the last"


def test_retry_after_is_read_in_seconds_or_as_an_http_date() -> None:
    assert retry_after("120") == 120.0
    assert retry_after("-5") == 0.0
    in_an_hour = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    asked = retry_after(in_an_hour)
    assert asked is not None and 3000 <= asked <= 3600
    assert retry_after(format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)) == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None
