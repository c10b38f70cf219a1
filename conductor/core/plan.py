"""A score compiled for fast folding: indices, the dependency order, epoch-second deadlines."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from conductor.core.timeutil import local_midnight, seconds, to_epoch
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


@dataclass(frozen=True, slots=True)
class PlannedCadence:
    id: str
    kind: str
    rule: rrule
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
        self.zone = ZoneInfo(score.timezone)
        self.start = local_midnight(score.starts, self.zone)
        self.cycle = seconds(score.tempo.cycle)
        self.wip_limit = dict(score.tempo.wip_limit)
        self.decision_latency = seconds(score.tempo.decision_latency)
        self.blocker_hold = seconds(score.tempo.blocker_hold)
        self.cue_budget = score.tempo.cue_budget_per_day
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

    def _day_end(self, day: date) -> int:
        return local_midnight(day + timedelta(days=1), self.zone)

    def _cadence(self, cadence: Cadence) -> PlannedCadence:
        dtstart = datetime.fromtimestamp(self.start, self.zone)
        rule = rrulestr(cadence.rrule, dtstart=dtstart)
        assert isinstance(rule, rrule)
        return PlannedCadence(
            id=cadence.id,
            kind=cadence.kind.value,
            rule=rule,
            grace=seconds(cadence.grace),
            reminder=seconds(cadence.reminder) if cadence.reminder else None,
            sections=tuple(cadence.sections) if cadence.sections else None,
        )

    def next_occurrence(self, cadence: PlannedCadence, after: int, inclusive: bool) -> int | None:
        found = cadence.rule.after(datetime.fromtimestamp(after, self.zone), inc=inclusive)
        return None if found is None else to_epoch(found)

    @cached_property
    def order(self) -> tuple[str, ...]:
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

    @cached_property
    def dependents(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {m: [] for m in self.milestones}
        for milestone in self.milestones.values():
            for dependency in milestone.depends_on:
                found[dependency].append(milestone.id)
        return {m: tuple(d) for m, d in found.items()}

    def planned_start(self, milestone_id: str) -> int:
        """Planned to start when its dependencies are due, or when the score starts."""
        deps = self.milestones[milestone_id].depends_on
        return max([self.start, *(self.milestones[d].due_end for d in deps)])

    def with_dependencies(self, milestone_ids: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        pending = list(milestone_ids)
        while pending:
            milestone_id = pending.pop()
            if milestone_id not in found:
                found.add(milestone_id)
                pending.extend(self.milestones[milestone_id].depends_on)
        return found
