"""When a `clock.tick` is due, for every runtime alike.

A tick is due once an ensemble's next deadline is before its time (`now_of`), in whole
seconds: one tick, one second before that time, fires every deadline up to it at once,
however far behind (and never past the score's horizon, after which no deadline is set and
events are refused). Never a tick *at* the ensemble's time: deadlines at the instant of its
newest events stay for the events that may still share that instant, as in a replay of the
log without ticks. A runtime appends the tick to its log; replaying the log gives the same
cues.
"""

from datetime import datetime, timedelta

from conductor.core import EnsembleEngine, tick_for
from conductor.core.timeutil import to_datetime, to_epoch
from schemas.events import ClockTick

SECOND = timedelta(seconds=1)


def due_tick(engine: EnsembleEngine, now: datetime) -> ClockTick | None:
    """The tick to append now, if one is due."""
    deadline = engine.next_deadline()
    if deadline is None:
        return None
    at = min(to_datetime(to_epoch(now)) - SECOND, to_datetime(engine.plan.horizon))
    if deadline > at:
        return None
    ensemble = engine.state.ensemble
    tick = tick_for(ensemble, at)
    while tick.id in engine.state.seen:  # a revision left a deadline behind a tick already made
        at += SECOND
        tick = tick_for(ensemble, at)
    return tick
