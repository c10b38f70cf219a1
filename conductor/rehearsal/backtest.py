"""`rehearse --backtest`: does the forecast deserve trust? Checked against what really happened.

A recorded log is replayed; at every cycle boundary the forecast the core makes then (the
one the `breakdown` rule and the figures use) is taken for each milestone not yet reached,
and compared with the day the log shows it reached (milestones never reached are left out).
A calibrated forecast sees about half of the actual finishes on or before its P50 date and
85% on or before its P85 date. Only the score's ensemble is folded; the other ensembles'
lines are skipped unread (a log with none of the score's is an error naming `--events`), and
lines that cannot be read are reported.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from conductor.core import EnsembleEngine
from conductor.core.forecast import forecasts
from conductor.core.rhythm import RhythmDeadline
from conductor.core.timeutil import local_date, to_datetime
from conductor.io.eventlog import BadLine, read_events
from conductor.rehearsal.errors import EnsembleFilter
from conductor.rehearsal.replay import Rehearsal
from schemas import Score
from schemas.events import Event


@dataclass(frozen=True)
class Prediction:
    made: date
    """The local day of the cycle boundary the forecast was made at."""
    milestone: str
    p50: date | None
    p85: date | None
    """None: not within two years."""


@dataclass
class Backtest:
    score: Score
    predictions: list[Prediction] = field(default_factory=list)
    reached: dict[str, date] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    events: int = 0

    def checked(self) -> list[tuple[Prediction, date]]:
        """The predictions of milestones the log shows reached, with the day they were."""
        return [
            (p, self.reached[p.milestone]) for p in self.predictions if p.milestone in self.reached
        ]

    def figures(self) -> dict[str, Any]:
        checked = self.checked()
        errors = [(actual - p.p50).days for p, actual in checked if p.p50 is not None]
        return {
            "events": self.events,
            "predictions": len(checked),
            "milestones": len({p.milestone for p, _ in checked}),
            "boundaries": len({p.made for p, _ in checked}),
            "share_on_or_before_p50": _share([_on_or_before(a, p.p50) for p, a in checked]),
            "share_on_or_before_p85": _share([_on_or_before(a, p.p85) for p, a in checked]),
            "mean_error_days": round(sum(errors) / len(errors), 2) if errors else None,
            "mean_absolute_error_days": (
                round(sum(abs(e) for e in errors) / len(errors), 2) if errors else None
            ),
            "by_milestone": [
                {
                    "milestone": milestone,
                    "reached": reached.isoformat(),
                    "predictions": [
                        {
                            "made": p.made.isoformat(),
                            "p50": _iso(p.p50),
                            "p85": _iso(p.p85),
                        }
                        for p, _ in checked
                        if p.milestone == milestone
                    ],
                }
                for milestone, reached in sorted(self.reached.items(), key=lambda kv: kv[1])
                if any(p.milestone == milestone for p, _ in checked)
            ],
            "unreadable_or_rejected": len(self.problems),
        }


def _on_or_before(actual: date, forecast: date | None) -> bool:
    return forecast is None or actual <= forecast


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def backtest_log(score: Score, lines: Iterable[bytes]) -> Backtest:
    """Replay `lines` (JSON Lines) against `score`, forecasting at every cycle boundary."""
    ensemble = score.ensemble
    result = Backtest(score)
    rehearsal = Rehearsal(score)
    keep = EnsembleFilter(ensemble)
    for number, item in read_events(lines, keep):
        if isinstance(item, BadLine):
            result.problems.append(str(item))
            continue
        _forecast_boundaries_before(rehearsal, item, result)
        outcome = rehearsal.feed(item)
        if outcome.rejection is not None:
            result.problems.append(f"line {number}: event {item.id!r}: {outcome.rejection}")
        elif outcome.accepted:
            result.events += 1
    keep.require_some("--events")
    rehearsal.finish()
    engine = rehearsal.session.engines.get(ensemble)
    if engine is not None:
        zone = engine.plan.zone
        result.reached = {
            m: local_date(at, zone)
            for m, at in engine.state.reached.items()
            if m in engine.plan.milestones
        }
    return result


def _forecast_boundaries_before(rehearsal: Rehearsal, event: Event, result: Backtest) -> None:
    """Every cycle boundary before the event: fire it (as the replay would), then forecast."""
    engine = rehearsal.session.engines.get(event.ensemble)
    if engine is None:
        return
    boundary = _next_boundary(engine)
    while boundary is not None and to_datetime(boundary) < event.occurred_at:
        rehearsal.cues.extend(engine.advance(to_datetime(boundary)))
        result.predictions += _predictions(engine)
        boundary = _next_boundary(engine)


def _next_boundary(engine: EnsembleEngine) -> int | None:
    state = engine.state
    found = [
        at
        for at, _, generation, timer in state.timers
        if timer.kind is RhythmDeadline.CYCLE and generation == state.generation
    ]
    return min(found, default=None)


def _predictions(engine: EnsembleEngine) -> list[Prediction]:
    state, plan = engine.state, engine.plan
    open_milestones = [m for m in plan.work_order if m not in state.reached]
    if not open_milestones:
        return []
    found = forecasts(state, plan, {m: ((m,), plan.milestones[m].due_end) for m in open_milestones})
    today = local_date(state.now, plan.zone)

    def day(days: int | None) -> date | None:
        return None if days is None else today + timedelta(days=max(0, days - 1))

    return [
        Prediction(today, m, day(found[m].p50_days), day(found[m].p85_days))
        for m in open_milestones
    ]
