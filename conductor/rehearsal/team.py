"""The simulated team of `rehearse --simulate`: a seeded, documented model of how a team works
a score, day by day, in events the real core folds.

On each working day (Monday to Friday in the score's timezone), for each section:
- each task in progress that is not blocked is blocked with `block_chance`; a blocker lasts
  a duration drawn from `blocker_hours` (or, by default, each working day it is lifted with
  `unblock_chance`);
- in the morning the section starts tasks on the milestones whose dependencies were reached
  before today, in work order, up to its WIP limit (one more with `overload_chance`);
- the section finishes a number of its unblocked tasks drawn from its throughput: from
  `throughput[section]` (the items finished on each working day with work, fitted from a
  log) or, by default, one chance of `finish_chance` per task the section's WIP limit
  allows (3 when the score sets none), so a lower WIP limit is a slower section; tasks of
  the milestone first in the plan's work order (dependencies first, then the earliest due)
  finish first (in the afternoon), and a milestone is reached with its last item, so the
  milestones depending on it start the next working day (as the forecast assumes).

Ceremonies are held at each occurrence on a working day with the cadence's `attendance` (at
most five minutes late; never on a weekend); at a review every running experiment is
assessed (by default the first thrives and the others fade review by review; fitted: each
goes on from its last assessment, give or take one). Each working day a decision is
requested with `decision_chance` (made after a latency drawn from `decision_hours`) and a
concern raised with `concern_chance`. The same score, state and seed always give the same
events; nothing in them names a person.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import EVENT_ADAPTER, Event, Score

DEFAULT_WIP = 3
"""Tasks a section keeps in progress when the score sets it no WIP limit."""


@dataclass(frozen=True)
class TeamModel:
    """The model's parameters; the defaults are documented in the README ("Rehearsal")."""

    finish_chance: float = 0.22
    """Per task in progress and working day, when no throughput is fitted."""
    throughput: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Per section, the items it finished on each working day it had work (fitted)."""
    block_chance: float = 0.03
    unblock_chance: float = 0.35
    blocker_hours: tuple[float, ...] = ()
    """How long blockers lasted (fitted); empty: lifted with `unblock_chance` a working day."""
    overload_chance: float = 0.04
    decision_chance: float = 0.15
    decision_hours: tuple[float, ...] = (4, 20, 30, 52, 75)
    attendance: dict[str, float] = field(default_factory=dict)
    """Per cadence, the share of occurrences held (fitted); `default_attendance` otherwise."""
    default_attendance: float = 0.93
    concern_chance: float = 0.05
    assessments: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per experiment, its last (life, momentum) (fitted); empty: the default story."""

    def describe(self) -> dict[str, Any]:
        """The parameters as JSON (what the report says it simulated)."""
        return {
            "finish_chance": self.finish_chance,
            "throughput_per_working_day": {
                section: {
                    "days": len(days),
                    "mean": round(sum(days) / len(days), 3) if days else 0.0,
                }
                for section, days in sorted(self.throughput.items())
            },
            "block_chance": self.block_chance,
            "unblock_chance": self.unblock_chance,
            "blocker_hours": _summary(self.blocker_hours),
            "overload_chance": self.overload_chance,
            "decision_chance": self.decision_chance,
            "decision_hours": _summary(self.decision_hours),
            "attendance": dict(sorted(self.attendance.items())),
            "default_attendance": self.default_attendance,
            "concern_chance": self.concern_chance,
            "assessments": {k: list(v) for k, v in sorted(self.assessments.items())},
        }


def _summary(values: tuple[float, ...]) -> dict[str, Any] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 2),
        "p50": ordered[len(ordered) // 2],
    }


@dataclass
class Start:
    """Where a simulated team begins: the score's start, or where a recorded log stands."""

    day: date
    reached: set[str] = field(default_factory=set)
    done: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)
    """Tasks in progress -> their milestone."""
    blocked: set[str] = field(default_factory=set)
    decisions: list[tuple[datetime, str]] = field(default_factory=list)
    """Open decisions: (when it will be made, id)."""
    experiments: dict[str, str] = field(default_factory=dict)
    """Experiment -> running or stopped (absent: planned)."""
    reviews: int = 0
    """Reviews held so far (the default assessments fade with them)."""
    started_experiments: bool = False

    @classmethod
    def of_score(cls, score: Score) -> "Start":
        return cls(score.starts)

    @classmethod
    def of_state(cls, state: EnsembleState, plan: Plan, day: date, model: TeamModel) -> "Start":
        """Where the log stands: progress, tasks in progress and blocked, open decisions
        (each made after a latency drawn by the model, counted from its request)."""
        tasks = {task_id: task.milestone for task_id, task in state.tasks.items()}
        blocked = {task_id for task_id, task in state.tasks.items() if task.blocked_since}
        rng = random.Random(f"decisions:{state.ensemble}")
        decisions = [
            (_instant(d.requested) + timedelta(hours=rng.choice(model.decision_hours)), key)
            for key, d in sorted(state.decisions.items())
        ]
        reviews = sum(
            state.cadence_held.get(cadence_id, 0)
            for cadence_id, cadence in plan.cadences.items()
            if cadence.kind == "review"
        )
        return cls(
            day,
            reached=set(state.reached) & set(plan.milestones),
            done={m: n for m, n in state.done.items() if m in plan.milestones},
            tasks={t: m for t, m in tasks.items() if m in plan.milestones},
            blocked=blocked,
            decisions=decisions,
            experiments=dict(state.experiments),
            reviews=reviews,
            started_experiments=True,
        )


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


Raw = tuple[datetime, str, dict[str, Any]]


class Team:
    """One simulated team working `plan` from `start` for `days` days."""

    def __init__(self, plan: Plan, model: TeamModel, start: Start, seed: int, run: str) -> None:
        self.plan = plan
        self.score = plan.score
        self.model = model
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(self.score.timezone)
        self.run = run
        self.reached = set(start.reached)
        self.reached_on = dict.fromkeys(start.reached, date.min)
        """The day each milestone was reached: its dependents start the next working day."""
        self.done = dict(start.done)
        self.started = dict(start.done)
        for milestone in start.tasks.values():
            self.started[milestone] = self.started.get(milestone, 0) + 1
        self.tasks: dict[str, dict[str, str]] = {section: {} for section in plan.sections}
        """Per section, its tasks in progress -> their milestone."""
        for task, milestone in start.tasks.items():
            self.tasks[plan.milestones[milestone].section][task] = milestone
        self.work_order = {
            section: [m for m in plan.work_order if plan.milestones[m].section == section]
            for section in plan.sections
        }
        self.blocked: dict[str, date | None] = dict.fromkeys(start.blocked)
        """Blocked task -> the day its blocker lifts (None: drawn day by day)."""
        self.started_at: dict[str, datetime] = {}
        """The tasks the section at work started today -> when: a task is blocked only after
        it started (a block before its start is refused by the core)."""
        self.decisions = sorted(start.decisions)
        self.experiments = dict(start.experiments)
        self.reviews = start.reviews
        self.start = start
        self.priority = {m: index for index, m in enumerate(plan.work_order)}
        self.limits = {
            s: self.score.tempo.wip_limit.get(s, DEFAULT_WIP) for s in self.plan.sections
        }
        self.roles = [role for section in self.score.sections for role in section.roles]
        self.counter = 0

    def events(self, days: int) -> Iterator[Event]:
        """The team's events, in time order, from the start day for `days` days."""
        for offset in range(days):
            day = self.start.day + timedelta(days=offset)
            for at, event_type, data in sorted(self._day(day), key=lambda item: item[0]):
                self.counter += 1
                yield EVENT_ADAPTER.validate_python(
                    {
                        "id": f"{self.run}-{self.counter:06d}",
                        "type": event_type,
                        "ensemble": self.score.ensemble,
                        "occurred_at": at.astimezone(UTC),
                        "source": "rehearsal",
                        "data": data,
                    }
                )

    def _day(self, day: date) -> list[Raw]:
        events = self._ceremonies(day)
        if not self.start.started_experiments and day == self.score.starts:
            at = datetime.combine(day, time(9, 0), self.zone)
            for experiment in self.score.experiments:
                self.experiments[experiment.id] = "running"
                events.append((at, "experiment.started", {"experiment": experiment.id}))
        if day.weekday() >= 5:
            return events
        for section in self.plan.sections:
            events += self._start_tasks(section, day)
            events += self._work(section, day)
        events += self._decisions(day)
        if self.rng.random() < self.model.concern_chance:
            topic = self.rng.choice(["scope creep", "test environment", "on-call load"])
            severity = self.rng.choice(["low", "medium", "high"])
            events.append(
                (self._at(day, 9), "concern.raised", {"topic": topic, "severity": severity})
            )
        return events

    def _at(self, day: date, hour: int) -> datetime:
        """A moment in the four working hours from `hour`."""
        return datetime.combine(day, time(hour, 0), self.zone) + timedelta(
            minutes=self.rng.randrange(240)
        )

    def _work(self, section: str, day: date) -> list[Raw]:
        rng, model = self.rng, self.model
        events: list[Raw] = []
        tasks = self.tasks[section]
        mine = sorted(tasks, key=lambda task: (self.priority[tasks[task]], task))
        working = []
        for task in mine:
            if task in self.blocked:
                lifts = self.blocked[task]
                if (lifts is None and rng.random() < model.unblock_chance) or (
                    lifts is not None and lifts <= day
                ):
                    del self.blocked[task]
                    events.append((self._at(day, 9), "task.unblocked", {"task": task}))
                continue
            if rng.random() < model.block_chance:
                self.blocked[task] = self._lifts(day)
                reason = rng.choice(["waiting on review", "environment down", "unclear spec"])
                at = self._at(day, 9)
                started = self.started_at.get(task)
                if started is not None and at <= started:
                    at = started + timedelta(minutes=1)
                events.append((at, "task.blocked", {"task": task, "reason": reason}))
                continue
            working.append(task)
        for task in working[: self._throughput(section)]:
            milestone = tasks.pop(task)
            at = self._at(day, 13)
            events.append((at, "task.completed", {"task": task, "milestone": milestone}))
            self.done[milestone] = self.done.get(milestone, 0) + 1
            if self.done[milestone] >= self.plan.milestones[milestone].estimate:
                self.reached.add(milestone)
                self.reached_on[milestone] = day
                reached_at = at + timedelta(minutes=5)
                events.append((reached_at, "milestone.reached", {"milestone": milestone}))
        return events

    def _lifts(self, day: date) -> date | None:
        if not self.model.blocker_hours:
            return None
        hours = self.rng.choice(self.model.blocker_hours)
        return day + timedelta(days=max(1, round(hours / 24)))

    def _throughput(self, section: str) -> int:
        fitted = self.model.throughput.get(section)
        if fitted:
            return self.rng.choice(fitted)
        chance = self.model.finish_chance
        return sum(1 for _ in range(self.limits[section]) if self.rng.random() < chance)

    def _start_tasks(self, section: str, day: date) -> list[Raw]:
        limit = self.limits[section]
        target = limit + 1 if self.rng.random() < self.model.overload_chance else limit
        tasks = self.tasks[section]
        wip = len(tasks)
        events: list[Raw] = []
        self.started_at.clear()
        for milestone_id in self.work_order[section]:
            if wip >= target:
                break
            milestone = self.plan.milestones[milestone_id]
            if milestone_id in self.reached:
                continue
            if not all(self.reached_on.get(d, day) < day for d in milestone.depends_on):
                continue
            while wip < target and self.started.get(milestone_id, 0) < milestone.estimate:
                self.started[milestone_id] = self.started.get(milestone_id, 0) + 1
                task = f"{milestone_id}.r{self.started[milestone_id]}"
                tasks[task] = milestone_id
                wip += 1
                data = {"task": task, "milestone": milestone_id}
                self.started_at[task] = self._at(day, 9)
                events.append((self.started_at[task], "task.started", data))
        return events

    def _decisions(self, day: date) -> list[Raw]:
        rng = self.rng
        events: list[Raw] = []
        while self.decisions and self.decisions[0][0].astimezone(self.zone).date() <= day:
            made, decision = self.decisions.pop(0)
            at = max(made, self._at(day, 9))
            events.append((at, "decision.made", {"decision": decision}))
        if rng.random() < self.model.decision_chance:
            decision = f"{self.run}-decision-{self.counter}-{day.toordinal()}"
            asked = self._at(day, 9)
            data = {
                "decision": decision,
                "question": "Which option do we take?",
                "role": rng.choice(self.roles),
            }
            events.append((asked, "decision.requested", data))
            made = asked + timedelta(hours=rng.choice(self.model.decision_hours))
            if made.astimezone(self.zone).date() == day:
                events.append((made, "decision.made", {"decision": decision}))
            else:
                self.decisions.append((made, decision))
                self.decisions.sort()
        return events

    def _ceremonies(self, day: date) -> list[Raw]:
        events: list[Raw] = []
        if day.weekday() >= 5:
            return events  # nobody is there to hold a ritual planned for the weekend
        ordinal = day.toordinal()
        end = self.plan.days.midnight(ordinal + 1)
        for cadence_id, cadence in self.plan.cadences.items():
            chance = self.model.attendance.get(cadence_id, self.model.default_attendance)
            occurrence = cadence.occurrences.next(self.plan.days.midnight(ordinal), True)
            while occurrence is not None and occurrence < end:
                if self.rng.random() < chance:
                    minutes = self.rng.randrange(6)
                    held = datetime.fromtimestamp(occurrence + 60 * minutes, self.zone)
                    events.append((held, "ceremony.held", {"cadence": cadence_id}))
                    if cadence.kind == "review":
                        events += self._assess(held)
                occurrence = cadence.occurrences.next(occurrence, False)
        return events

    def _assess(self, at: datetime) -> list[Raw]:
        self.reviews += 1
        rng = self.rng
        events: list[Raw] = []
        for index, experiment in enumerate(self.score.experiments):
            if self.experiments.get(experiment.id) != "running":
                continue
            last = self.model.assessments.get(experiment.id)
            if last is not None:
                life = min(5, max(1, last[0] + rng.randint(-1, 1)))
                momentum = min(5, max(1, last[1] + rng.randint(-1, 1)))
            elif index == 0:
                life, momentum = rng.randint(3, 5), rng.randint(3, 5)
            else:
                life = max(1, 4 - self.reviews)
                momentum = max(1, 4 - self.reviews + rng.randint(0, 1))
            data = {"experiment": experiment.id, "life": life, "momentum": momentum}
            events.append((at + timedelta(minutes=50), "experiment.assessed", data))
        return events
