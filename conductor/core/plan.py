"""A score compiled for fast folding: indices, the dependency order, epoch-second deadlines."""

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from conductor.core.localdays import local_days
from conductor.core.quiet import QuietWindows
from conductor.core.timeutil import DAY, seconds, to_epoch
from schemas import Cadence, Score


@dataclass(frozen=True, slots=True)
class PlannedMilestone:
    id: str
    title: str
    section: str
    owner: str
    due_end: int
    """The instant the due day ends (local midnight after `due`)."""
    estimate: int
    depends_on: tuple[str, ...]


class Occurrences:
    """A cadence's occurrences as epoch seconds, expanded from its RRULE a batch at a time.

    One iterator over the rule runs on from batch to batch: dateutil's `xafter` walks from
    the rule's start at each call, which made a year of an hourly ritual quadratic (7 s)."""

    BATCH = 64

    def __init__(self, rule: rrule) -> None:
        self._upcoming: Iterator[datetime] = iter(rule)
        self._epochs: list[int] = []
        self._exhausted = False

    def next(self, after: int, inclusive: bool) -> int | None:
        """The first occurrence at (if `inclusive`) or after the instant `after`."""
        epochs = self._epochs
        while not self._exhausted and (not epochs or epochs[-1] <= after):
            self._expand()
        index = bisect_left(epochs, after) if inclusive else bisect_right(epochs, after)
        return epochs[index] if index < len(epochs) else None

    def _expand(self) -> None:
        batch = list(islice(self._upcoming, self.BATCH))
        self._epochs.extend(to_epoch(found) for found in batch)
        self._exhausted = len(batch) < self.BATCH


@lru_cache(maxsize=4096)
def occurrences(rule: str, timezone: str, start: int) -> Occurrences:
    """Shared by every plan with the same rule, zone and start: teams often keep the same
    rituals, and expanding an RRULE is the costliest part of compiling a score. Safe to
    share: an expansion only ever appends the same instants."""
    zone = ZoneInfo(timezone)
    parsed = rrulestr(rule, dtstart=datetime.fromtimestamp(start, zone))
    assert isinstance(parsed, rrule)
    return Occurrences(parsed)


@dataclass(frozen=True, slots=True)
class PlannedCadence:
    id: str
    kind: str
    occurrences: Occurrences
    grace: int
    reminder: int | None
    sections: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class PlannedCommitment:
    id: str
    milestones: tuple[str, ...]
    by_end: int
    confidence: float


class Plan:
    """Everything the fold needs from the score, precomputed once per score version."""

    def __init__(self, score: Score) -> None:
        self.score = score
        self.days = local_days(score.timezone)
        self.zone = self.days.zone
        self.start = self.days.midnight(score.starts.toordinal())
        self._first_ordinal = score.starts.toordinal()
        self.cycle = seconds(score.tempo.cycle)
        self.wip_limit = dict(score.tempo.wip_limit)
        self.decision_latency = seconds(score.tempo.decision_latency)
        self.blocker_hold = seconds(score.tempo.blocker_hold)
        self.cue_budget = score.tempo.cue_budget_per_day
        quiet = score.tempo.quiet_hours
        self.quiet = None if quiet is None else QuietWindows(quiet, self.zone)
        """When cues fired in quiet hours are delivered; None: as they fire."""
        self.section_of_role = score.section_of_role()
        self.sections = tuple(section.id for section in score.sections)
        self.milestones = {
            m.id: PlannedMilestone(
                id=m.id,
                title=m.title,
                section=m.section,
                owner=m.owner,
                due_end=self._day_end(m.due),
                estimate=m.estimate,
                depends_on=tuple(m.depends_on),
            )
            for m in score.milestones
        }
        self.cadences = {c.id: self._cadence(c) for c in score.cadences}
        self.commitments = {
            c.id: PlannedCommitment(c.id, tuple(c.milestones), self._day_end(c.by), c.confidence)
            for c in score.commitments
        }
        self.experiments = frozenset(e.id for e in score.experiments)
        self.order = self._dependency_order()
        """Milestones in dependency order. (Computed here, not as a cached property: the
        compiled core's classes keep no instance dictionary to cache in.)"""
        self.work_order = self._work_order()
        """The order a section takes up its milestones (the forecast and the simulated team
        follow it): a milestone after its dependencies, otherwise the earliest due first,
        then the score's order."""
        self.in_section = {
            section: tuple(m for m in self.milestones.values() if m.section == section)
            for section in self.sections
        }
        self.horizon = self._day_end(score.horizon())
        """The instant the score stops running: no deadline is set after it, and later events
        are refused (`schemas.score.HORIZON_MARGIN`)."""
        self._planned_starts = {
            m.id: max([self.start, *[self.milestones[d].due_end for d in m.depends_on]])
            for m in self.milestones.values()
        }

    def day_index(self, instant: int) -> int:
        """Local calendar days since the score starts (negative before it)."""
        return self.days.day_of(instant)[0] - self._first_ordinal

    def boundary(self, index: int) -> int:
        """The instant cycle `index` begins: local midnight when the cycle is whole days, so a
        weekly cycle turns at midnight on both sides of a daylight-saving change."""
        if self.cycle % DAY == 0:
            return self.days.midnight(self._first_ordinal + index * self.cycle // DAY)
        return self.start + index * self.cycle

    def first_boundary_from(self, instant: int) -> int:
        """The first cycle index >= 1 whose boundary is at or after `instant`."""
        index = max(1, (instant - self.start) // self.cycle)
        while self.boundary(index) < instant:
            index += 1
        return index

    def local_day(self, instant: int) -> tuple[int, int]:
        """(ordinal of the local day holding `instant`, the instant that day ends)."""
        return self.days.day_of(instant)

    def _day_end(self, day: date) -> int:
        return self.days.midnight(day.toordinal() + 1)

    def _cadence(self, cadence: Cadence) -> PlannedCadence:
        return PlannedCadence(
            id=cadence.id,
            kind=cadence.kind.value,
            occurrences=occurrences(cadence.rrule, self.score.timezone, self.start),
            grace=seconds(cadence.grace),
            reminder=seconds(cadence.reminder) if cadence.reminder else None,
            sections=tuple(cadence.sections) if cadence.sections else None,
        )

    def _dependency_order(self) -> tuple[str, ...]:
        """Milestones in dependency order (the score is validated acyclic)."""
        ordered: list[str] = []
        placed: set[str] = set()

        def place(milestone_id: str) -> None:
            if milestone_id in placed:
                return
            placed.add(milestone_id)
            for dependency in self.milestones[milestone_id].depends_on:
                place(dependency)
            ordered.append(milestone_id)

        for milestone_id in self.milestones:
            place(milestone_id)
        return tuple(ordered)

    def _work_order(self) -> tuple[str, ...]:
        position = {milestone_id: index for index, milestone_id in enumerate(self.milestones)}
        waiting = {m.id: len(set(m.depends_on)) for m in self.milestones.values()}
        dependents: dict[str, list[str]] = {milestone_id: [] for milestone_id in self.milestones}
        for milestone in self.milestones.values():
            for dependency in set(milestone.depends_on):
                dependents[dependency].append(milestone.id)
        ready = [
            (self.milestones[m].due_end, position[m], m)
            for m, count in waiting.items()
            if not count
        ]
        heapq.heapify(ready)
        ordered: list[str] = []
        while ready:
            milestone_id = heapq.heappop(ready)[2]
            ordered.append(milestone_id)
            for dependent in dependents[milestone_id]:
                waiting[dependent] -= 1
                if not waiting[dependent]:
                    due = self.milestones[dependent].due_end
                    heapq.heappush(ready, (due, position[dependent], dependent))
        return tuple(ordered)

    def planned_start(self, milestone_id: str) -> int:
        """Planned to start when its dependencies are due, or when the score starts."""
        return self._planned_starts[milestone_id]

    def with_dependencies(self, milestone_ids: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        pending = list(milestone_ids)
        while pending:
            milestone_id = pending.pop()
            if milestone_id not in found:
                found.add(milestone_id)
                pending.extend(self.milestones[milestone_id].depends_on)
        return found
