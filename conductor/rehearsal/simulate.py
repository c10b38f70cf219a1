"""A simulated team (seeded): realistic work events for a score, for demos, examples and benchmarks.

Sections start tasks on the milestones whose dependencies are reached, finish them at a
steady but noisy pace, now and then get blocked, ask for decisions, hold (or skip) their
ceremonies and assess their experiments at reviews. The same score and seed always give
the same events. Nothing here identifies a person.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from schemas import EVENT_ADAPTER, Event, Milestone, Score


@dataclass(frozen=True)
class Pace:
    """How the simulated team behaves; the defaults tell a story where a commitment slips."""

    finish_chance: float = 0.22
    """Chance per working day that an in-progress task is finished."""
    block_chance: float = 0.03
    unblock_chance: float = 0.35
    overload_chance: float = 0.04
    """Chance per day that a section starts one task more than its WIP limit."""
    skip_ceremony_chance: float = 0.07
    decision_chance: float = 0.15
    concern_chance: float = 0.05


@dataclass
class _Team:
    score: Score
    rng: random.Random
    pace: Pace
    reached: set[str] = field(default_factory=set)
    done: dict[str, int] = field(default_factory=dict)
    started: dict[str, int] = field(default_factory=dict)
    active: dict[str, str] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    decisions: list[tuple[datetime, str]] = field(default_factory=list)
    decision_count: int = 0
    assessments: int = 0
    rules: dict[str, rrule] = field(default_factory=dict)

    def rule(self, cadence: str, rrule_text: str, dtstart: datetime) -> rrule:
        if cadence not in self.rules:
            parsed = rrulestr(rrule_text, dtstart=dtstart)
            assert isinstance(parsed, rrule)
            self.rules[cadence] = parsed
        return self.rules[cadence]

    def score_section(self, milestone: str) -> str:
        return self._milestones[milestone].section

    def estimate(self, milestone: str) -> int:
        return self._milestones[milestone].estimate

    def open_milestones(self, section: str) -> list[str]:
        """Milestones of the section whose dependencies are reached, in score order."""
        return [
            m.id
            for m in self.score.milestones
            if m.section == section
            and m.id not in self.reached
            and all(dep in self.reached for dep in m.depends_on)
        ]

    @property
    def _milestones(self) -> dict[str, Milestone]:
        return {m.id: m for m in self.score.milestones}


def simulate_team(
    score: Score, seed: int, days: int | None = None, pace: Pace | None = None
) -> Iterator[Event]:
    """Events from the score's `starts` for `days` days (default: until a week after the last
    due date), in time order. The score's publication is not included."""
    team = _Team(score, random.Random(seed), pace or Pace())
    zone = ZoneInfo(score.timezone)
    last_due = max((m.due for m in score.milestones), default=score.starts)
    total_days = days if days is not None else (last_due - score.starts).days + 7
    counter = 0
    for offset in range(total_days):
        day = score.starts + timedelta(days=offset)
        for at, event_type, data in sorted(_day(team, day, zone), key=lambda item: item[0]):
            counter += 1
            yield EVENT_ADAPTER.validate_python(
                {
                    "id": f"{score.ensemble}-{counter:07d}",
                    "type": event_type,
                    "ensemble": score.ensemble,
                    "occurred_at": at.astimezone(UTC),
                    "source": "simulation",
                    "data": data,
                }
            )


Raw = tuple[datetime, str, dict[str, Any]]


def _day(team: _Team, day: date, zone: ZoneInfo) -> list[Raw]:
    events = _ceremonies(team, day, zone)
    if day.weekday() >= 5:
        return events
    rng = team.rng

    def during_work(afternoon: bool = False) -> datetime:
        """Starts fill the slots freed that morning, so WIP never overshoots by accident."""
        start = time(13, 0) if afternoon else time(9, 0)
        return datetime.combine(day, start, zone) + timedelta(minutes=rng.randrange(240))

    for section in team.score.sections:
        events += _section_day(team, section.id, during_work)
    events += _decisions(team, day, zone, during_work)
    if rng.random() < team.pace.concern_chance:
        severity = rng.choice(["low", "medium", "high"])
        topic = rng.choice(
            ["scope creep", "test environment", "on-call load", "unclear priorities"]
        )
        events.append((during_work(), "concern.raised", {"topic": topic, "severity": severity}))
    return events


def _section_day(team: _Team, section: str, during_work: Any) -> list[Raw]:
    rng, pace, score = team.rng, team.pace, team.score
    events: list[Raw] = []
    for task, milestone in sorted(team.active.items()):
        if team.score_section(milestone) != section:
            continue
        if task in team.blocked:
            if rng.random() < pace.unblock_chance:
                team.blocked.discard(task)
                events.append((during_work(), "task.unblocked", {"task": task}))
            continue
        if rng.random() < pace.block_chance:
            team.blocked.add(task)
            reason = rng.choice(["waiting on review", "environment down", "unclear spec"])
            events.append((during_work(), "task.blocked", {"task": task, "reason": reason}))
        elif rng.random() < pace.finish_chance:
            at = during_work()
            del team.active[task]
            team.done[milestone] = team.done.get(milestone, 0) + 1
            events.append((at, "task.completed", {"task": task, "milestone": milestone}))
            if team.done[milestone] >= team.estimate(milestone):
                team.reached.add(milestone)
                reached_at = at + timedelta(minutes=5)
                events.append((reached_at, "milestone.reached", {"milestone": milestone}))
    limit = score.tempo.wip_limit.get(section, 3)
    target = limit + 1 if rng.random() < pace.overload_chance else limit
    wip = sum(1 for m in team.active.values() if team.score_section(m) == section)
    for milestone in team.open_milestones(section):
        while wip < target and team.started.get(milestone, 0) < team.estimate(milestone):
            team.started[milestone] = team.started.get(milestone, 0) + 1
            task = f"{milestone}-{team.started[milestone]}"
            team.active[task] = milestone
            wip += 1
            data = {"task": task, "milestone": milestone}
            events.append((during_work(afternoon=True), "task.started", data))
    return events


def _decisions(team: _Team, day: date, zone: ZoneInfo, during_work: Any) -> list[Raw]:
    rng = team.rng
    events: list[Raw] = []
    due_now = [item for item in team.decisions if item[0].date() <= day]
    for item in due_now:
        team.decisions.remove(item)
        made_at = max(item[0], during_work())
        events.append((made_at, "decision.made", {"decision": item[1]}))
    if rng.random() < team.pace.decision_chance:
        team.decision_count += 1
        decision = f"decision-{team.decision_count}"
        roles = [role for section in team.score.sections for role in section.roles]
        asked = during_work()
        role = rng.choice(roles)
        question = f"Which option do we take for open question {team.decision_count}?"
        data = {"decision": decision, "question": question, "role": role}
        events.append((asked, "decision.requested", data))
        wait = timedelta(hours=rng.choice([4, 20, 30, 52, 75]))
        team.decisions.append((asked + wait, decision))
    return events


def _ceremonies(team: _Team, day: date, zone: ZoneInfo) -> list[Raw]:
    rng, score = team.rng, team.score
    events: list[Raw] = []
    dtstart = datetime.combine(score.starts, time(), zone)
    begin, end = datetime.combine(day, time(), zone), datetime.combine(day, time.max, zone)
    for cadence in score.cadences:
        rule = team.rule(cadence.id, cadence.rrule, dtstart)
        for occurrence in rule.between(begin, end, inc=True):
            if rng.random() < team.pace.skip_ceremony_chance:
                continue
            held = occurrence + timedelta(minutes=rng.randrange(6))
            events.append((held, "ceremony.held", {"cadence": cadence.id}))
            if cadence.kind == "review":
                events += _assess(team, held)
    if day == score.starts:
        for experiment in score.experiments:
            at = datetime.combine(day, time(9, 0), zone)
            events.append((at, "experiment.started", {"experiment": experiment.id}))
    return events


def _assess(team: _Team, at: datetime) -> list[Raw]:
    """The first experiment thrives; every later one fades, review after review."""
    team.assessments += 1
    events: list[Raw] = []
    for index, experiment in enumerate(team.score.experiments):
        if index == 0:
            life, momentum = team.rng.randint(3, 5), team.rng.randint(3, 5)
        else:
            life = max(1, 4 - team.assessments)
            momentum = max(1, 4 - team.assessments + team.rng.randint(0, 1))
        data = {"experiment": experiment.id, "life": life, "momentum": momentum}
        events.append((at + timedelta(minutes=50), "experiment.assessed", data))
    return events
