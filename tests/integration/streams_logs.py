"""Logs for the stream tests and what a rehearsal of them prints."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from conductor.core import tick_for
from conductor.core.publication import publication_at_start
from conductor.io.scorefile import load_score
from conductor.rehearsal.replay import rehearse_file
from conductor.rehearsal.simulate import simulate_team
from schemas import EVENT_ADAPTER, Cue, Event, Score
from schemas.events import ScorePublished

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_score() -> Score:
    return load_score(EXAMPLES / "score.yaml")


def example_log() -> list[Event]:
    """The recorded example, with the score's publication first."""
    lines = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
    return [publication_at_start(example_score()), *map(EVENT_ADAPTER.validate_json, lines)]


def generated_log(ensembles: int, days: int) -> list[Event]:
    """Several simulated ensembles (each its own score and seed), interleaved by time."""
    base = example_score()
    events: list[Event] = []
    for number in range(ensembles):
        score = base.model_copy(
            update={"ensemble": f"team-{number}", "score": f"team-{number}-launch"}
        )
        events.append(publication_at_start(score))
        events.extend(simulate_team(score, seed=number, days=days))
    return sorted(events, key=lambda event: event.occurred_at)


def with_horizon(events: list[Event]) -> list[Event]:
    """The log plus a `clock.tick` per ensemble at one common instant after its end.

    Both sides then stop at the same instant: a rehearsal advances to its newest event
    (here the horizon), and a worker ticking by event time fires every deadline before
    its newest event — here up to the horizon, which the tick fires inclusively.
    """
    end = max(event.occurred_at for event in events)
    horizon = (end + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    ensembles = sorted({event.ensemble for event in events})
    return [*events, *(tick_for(ensemble, horizon) for ensemble in ensembles)]


def as_lines(events: Iterable[Event]) -> list[bytes]:
    return [event.model_dump_json().encode() for event in events]


def rehearsed(events: list[Event], until: datetime | None = None) -> list[Cue]:
    """What `conductor rehearse` prints for the log (every score's publication is in it)."""
    first = next(event for event in events if isinstance(event, ScorePublished))
    report = rehearse_file(first.data.score, as_lines(events), until)
    assert not report.rejected, report.rejected
    return report.cues


def with_ticks(events: list[Event], count: int, id_of: str | None = None) -> list[Event]:
    """The log with `count` more `clock.tick`s of its first ensemble spread over its span
    (`id_of` formats each one's id from its number, e.g. to make them long)."""
    start, end = events[0].occurred_at, events[-1].occurred_at
    step = (end - start) / (count + 1)
    ensemble = events[0].ensemble
    ticks = [tick_for(ensemble, start + step * number) for number in range(1, count + 1)]
    if id_of is not None:
        ticks = [
            tick.model_copy(update={"id": id_of.format(f"{number:06d}")})
            for number, tick in enumerate(ticks, start=1)
        ]
    return sorted([*events, *ticks], key=lambda event: event.occurred_at)
