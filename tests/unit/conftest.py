"""Builders for the core's unit tests: tiny scores, events by type, cues as comparable rows.

pytest imports test modules in importlib mode, so test files cannot import a helper module;
the builders reach them as fixtures instead. Each fixture is a plain callable typed with
stdlib, core and schema types only.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest

from conductor.core import EnsembleEngine, tick_for
from schemas import EVENT_ADAPTER, Cue, Event, Score

ENSEMBLE = "band"
ScoreOf = Callable[..., Score]
MakeEvent = Callable[..., Event]
Published = Callable[..., EnsembleEngine]
Tick = Callable[[str], Event]
Rows = Callable[[list[Cue]], list[tuple[str, ...]]]
Conductor = Callable[..., tuple[int, bytes, str]]

_MILESTONE_DEFAULTS = {
    "section": "alpha",
    "owner": "alpha-lead",
    "due": "2026-12-31",
    "estimate": 10,
}
_CADENCE_DEFAULTS = {"kind": "standup", "duration": "PT15M"}


def _score(
    *,
    milestones: list[dict[str, Any]] | None = None,
    cadences: list[dict[str, Any]] | None = None,
    tempo: dict[str, Any] | None = None,
    **fields: Any,
) -> Score:
    """A score for ensemble `band` starting Monday 2026-03-02 (UTC) with sections alpha, beta.

    Milestones and cadences need only what the test is about; the rest is filled in. The
    daily cue budget is huge unless the test sets one, so the digest never interferes.
    """
    document: dict[str, Any] = {
        "score": "s1",
        "title": "Unit score",
        "ensemble": ENSEMBLE,
        "timezone": "UTC",
        "starts": "2026-03-02",
        "sections": [
            {"id": "alpha", "roles": ["alpha-lead", "alpha-dev"]},
            {"id": "beta", "roles": ["beta-lead", "beta-dev"]},
        ],
        "tempo": {"cue_budget_per_day": 1000, **(tempo or {})},
        "milestones": [{"title": m["id"], **_MILESTONE_DEFAULTS, **m} for m in milestones or []],
        "cadences": [{**_CADENCE_DEFAULTS, **c} for c in cadences or []],
        **fields,
    }
    return Score.model_validate(document)


def at(instant: str) -> datetime:
    """`2026-03-02T09:00:00Z` -> an aware datetime."""
    return datetime.fromisoformat(instant)


def _row(cue: Cue) -> tuple[str, ...]:
    """(kind, recipient, subject, at in UTC, severity, cause, cause, ...) of one cue."""
    to = cue.to.model_dump()
    ((recipient_kind, name),) = to.items()
    return (
        cue.kind.value,
        f"{recipient_kind}:{name}",
        cue.subject,
        cue.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        cue.severity.value,
        *cue.caused_by,
    )


@pytest.fixture
def score_of() -> ScoreOf:
    return _score


@pytest.fixture
def event() -> Iterator[MakeEvent]:
    """event(type, occurred_at, id=None, ensemble="band", **data) -> a validated event.

    Ids default to e1, e2, ... in the order the test builds its events.
    """
    numbers = count(1)

    def make(
        kind: str, occurred_at: str, id: str | None = None, ensemble: str = ENSEMBLE, **data: Any
    ) -> Event:
        return EVENT_ADAPTER.validate_python(
            {
                "id": id or f"e{next(numbers)}",
                "type": kind,
                "ensemble": ensemble,
                "occurred_at": at(occurred_at),
                "data": data,
            }
        )

    yield make


@pytest.fixture
def tick() -> Tick:
    """tick(instant) -> the `clock.tick` a runtime appends for ensemble `band` at that instant."""

    def make(instant: str) -> Event:
        return tick_for(ENSEMBLE, at(instant))

    return make


@pytest.fixture
def published() -> Published:
    """published(score, occurred_at="2026-03-02T00:00:00Z") -> an engine with the score live.

    The publication event's id is `pub`; its outcome is on `engine.cues` afterwards.
    """

    def publish(score: Score, occurred_at: str = "2026-03-02T00:00:00Z") -> EnsembleEngine:
        engine = EnsembleEngine.new(score.ensemble)
        publication = EVENT_ADAPTER.validate_python(
            {
                "id": "pub",
                "type": "score.published",
                "ensemble": score.ensemble,
                "occurred_at": at(occurred_at),
                "data": {"score": score.model_dump(mode="json")},
            }
        )
        outcome = engine.apply(publication)
        assert outcome.accepted, outcome.rejection
        return engine

    return publish


@pytest.fixture
def rows() -> Rows:
    """Cues as (kind, recipient, subject, at, severity, *caused_by) tuples, in emitted order."""

    def convert(cues: list[Cue]) -> list[tuple[str, ...]]:
        return [_row(cue) for cue in cues]

    return convert


@pytest.fixture
def conductor(capsysbinary: pytest.CaptureFixture[bytes]) -> Conductor:
    """`conductor ARGUMENTS...` run in this process: its exit status, stdout and stderr."""
    from conductor.cli import main

    def run(*arguments: str) -> tuple[int, bytes, str]:
        try:
            status = main(list(arguments))
        except SystemExit as exit:
            assert isinstance(exit.code, int), exit.code
            status = exit.code
        out, err = capsysbinary.readouterr()
        return status, out, err.decode()

    return run
