"""The score: a team's plan of sections, roles, milestones, cadences, tempo and commitments."""

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from schemas.common import Count, Day, Duration, Id, Share, Text, within

Location = tuple[str | int, ...]


MINUTE, HOUR, DAY, WEEK = (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1),
                           timedelta(weeks=1))  # fmt: skip
HORIZON_MARGIN = timedelta(days=365)
"""How long after its last due or commitment date a score still runs (its horizon): cadences
and cycle boundaries stop there, and later events are refused until a revision extends it."""
MOST_OFTEN = HOUR
"""The shortest gap between two occurrences of a cadence."""
MOST_ITEMS = 500
"""The most sections, milestones, cadences, commitments or experiments a score may list."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(_Model):
    """A sub-team. `size` is optional; small sections are rolled up in published figures."""

    id: Id
    roles: Annotated[list[Id], Field(max_length=MOST_ITEMS)] = Field(default_factory=list)
    size: Annotated[Count, Field(ge=1)] | None = None


class Weekday(StrEnum):
    """Days as RFC 5545 writes them (`BYDAY`)."""

    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"


def _clock_time_text(value: object) -> object:
    """YAML 1.1 reads an unquoted `19:00` as the number 1140 (base 60): say so, not '00:19'."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f'a time of day is text: quote it ("HH:MM"), not the number {value}')
    return value


ClockTime = Annotated[
    str,
    BeforeValidator(_clock_time_text),
    Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="a local time of day, HH:MM"),
]


class QuietHours(_Model):
    """When the team is not to be reached, in the score's timezone: every day from `start` to
    `end` (past midnight when `end` is earlier), and all day on `days_off`. A cue fired then
    is delivered at the start of the next working window; its `at` stays when it fired."""

    start: ClockTime | None = None
    end: ClockTime | None = None
    days_off: list[Weekday] = Field(default_factory=list, max_length=7)

    @model_validator(mode="after")
    def _a_window_remains(self) -> Self:
        if (self.start is None) != (self.end is None):
            missing = "end" if self.end is None else "start"
            raise ValueError(f"{missing}: quiet hours need both start and end (or neither)")
        if self.start is not None and self.start == self.end:
            raise ValueError("end: must differ from start (the team would never be reached)")
        if len(set(self.days_off)) == len(Weekday):
            raise ValueError("days_off: every day is off (the team would never be reached)")
        return self


class Tempo(_Model):
    cycle: Annotated[Duration, within(DAY, 13 * WEEK)] = WEEK
    wip_limit: dict[Id, Annotated[Count, Field(ge=1)]] = Field(default_factory=dict)
    decision_latency: Annotated[Duration, within(15 * MINUTE, 90 * DAY)] = 2 * DAY
    blocker_hold: Annotated[Duration, within(15 * MINUTE, 90 * DAY)] = 2 * DAY
    cue_budget_per_day: Annotated[Count, Field(ge=1, le=1000)] = 5
    quiet_hours: QuietHours | None = None


class CadenceKind(StrEnum):
    STANDUP = "standup"
    REVIEW = "review"
    RETROSPECTIVE = "retrospective"
    PLANNING = "planning"
    OTHER = "other"


class Cadence(_Model):
    id: Id
    kind: CadenceKind
    rrule: Annotated[str, Field(max_length=500)] = Field(
        description="RFC 5545 RRULE in the score's timezone, e.g. FREQ=DAILY; at most hourly"
    )
    duration: Annotated[Duration, within(MINUTE, DAY)]
    grace: Annotated[Duration, within(MINUTE, DAY)] = HOUR
    reminder: Annotated[Duration, within(MINUTE, WEEK)] | None = None
    sections: Annotated[list[Id], Field(max_length=MOST_ITEMS)] | None = None

    @field_validator("rrule")
    @classmethod
    def _parses_as_rrule(cls, value: str) -> str:
        try:
            rule = rrulestr(value, dtstart=datetime(2000, 1, 1))
        except (ValueError, TypeError) as error:
            raise ValueError(f"invalid RRULE: {error}") from None
        _at_most_hourly(value, rule)
        return value


def _at_most_hourly(text: str, rule: Any) -> None:
    """Refuse a rule whose occurrences come closer than `MOST_OFTEN`, judged on its first
    ones (a rule repeats its pattern; a pattern finer than hourly shows within a week)."""
    if not isinstance(rule, rrule):
        raise ValueError("must be one RRULE (no RDATE, EXRULE or sets)")
    if re.search(r"FREQ\s*=\s*(SECONDLY|MINUTELY)", text, re.IGNORECASE):
        raise ValueError("recurs more often than hourly (FREQ=SECONDLY and MINUTELY never)")
    previous = None
    for found in rule.xafter(datetime(2000, 1, 1), count=200, inc=True):
        if previous is not None and found - previous < MOST_OFTEN:
            raise ValueError(
                f"recurs more often than hourly ({previous:%H:%M} and {found:%H:%M} on "
                f"{found:%Y-%m-%d} are {int((found - previous).total_seconds() // 60)} "
                "minutes apart)"
            )
        previous = found


class Milestone(_Model):
    id: Id
    title: Text
    section: Id
    owner: Id = Field(description="the role that owns the milestone")
    due: Day
    estimate: Annotated[Count, Field(ge=1, le=100_000, description="work items")]
    depends_on: Annotated[list[Id], Field(max_length=MOST_ITEMS)] = Field(default_factory=list)


class Commitment(_Model):
    id: Id
    milestones: Annotated[list[Id], Field(min_length=1)]
    by: Day
    confidence: Annotated[Share, Field(gt=0.0, le=1.0)]


class Experiment(_Model):
    id: Id
    theme: Text


Repository = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+$", max_length=140)
]
"""A GitHub repository as `owner/name` (an organization's: its owner is no person)."""


class GitHubSource(_Model):
    """How a team's GitHub issues and pull requests map to the plan. An item of one of the
    `repositories` is a task (`owner/name#number`) of the milestone its GitHub milestone's
    title maps to, or else of the first of its labels that maps to one. A repository of a
    personal account, whose `owner/name` holds a person's login, is listed in
    `repositories_by_id` instead: its tasks are `<name>#number`, and no login is in the score."""

    repositories: Annotated[list[Repository], Field(max_length=MOST_ITEMS)] = Field(
        default_factory=list
    )
    repositories_by_id: Annotated[
        dict[Id, Annotated[Count, Field(ge=1)]], Field(max_length=MOST_ITEMS)
    ] = Field(
        default_factory=dict,
        description="a name of the team's choosing -> GitHub's numeric `repository.id`",
    )
    milestones: dict[str, Id] = Field(
        default_factory=dict, description="GitHub milestone title -> milestone id"
    )
    labels: dict[str, Id] = Field(default_factory=dict, description="label -> milestone id")
    blocked_label: str | None = Field(
        None, description="adding this label blocks the task, removing it unblocks it"
    )


class Sources(_Model):
    """The team's own tools whose events Conductor maps to the plan."""

    github: GitHubSource | None = None


class Score(_Model):
    """A validated score. Cross-references are checked after the fields parse."""

    score: Id
    title: Text
    ensemble: Id
    timezone: str
    starts: Day
    sections: Annotated[list[Section], Field(min_length=1, max_length=MOST_ITEMS)]
    tempo: Tempo = Field(default_factory=Tempo)
    cadences: Annotated[list[Cadence], Field(max_length=MOST_ITEMS)] = Field(default_factory=list)
    milestones: Annotated[list[Milestone], Field(max_length=MOST_ITEMS)] = Field(
        default_factory=list
    )
    commitments: Annotated[list[Commitment], Field(max_length=MOST_ITEMS)] = Field(
        default_factory=list
    )
    experiments: Annotated[list[Experiment], Field(max_length=MOST_ITEMS)] = Field(
        default_factory=list
    )
    sources: Sources | None = Field(None, exclude_if=lambda value: value is None)
    """Left out of a dump when absent, so that a score without sources dumps as before (a
    runtime compares dumps to tell whether the score changed)."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _references_hold(self) -> Self:
        problems = list(_cross_reference_problems(self))
        if problems:
            raise ValidationError.from_exception_data(
                "Score",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("score_reference", message),
                        loc=loc,
                        input=None,
                    )
                    for loc, message in problems
                ],
            )
        return self

    def horizon(self) -> date:
        """The last day the score runs: its last due or commitment date (or its start) plus
        `HORIZON_MARGIN`. A revision with later dates extends it."""
        dates = [self.starts, *(m.due for m in self.milestones), *(c.by for c in self.commitments)]
        return max(dates) + HORIZON_MARGIN

    def section_of_role(self) -> dict[str, str]:
        """Each role's section (the first one that lists it)."""
        found: dict[str, str] = {}
        for section in self.sections:
            for role in section.roles:
                found.setdefault(role, section.id)
        return found


def _duplicates(kind: str, field: str, ids: list[str]) -> Iterator[tuple[Location, str]]:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            yield (field, index, "id"), f"duplicate {kind} id {item_id!r}"
        seen.add(item_id)


def _cross_reference_problems(score: Score) -> Iterator[tuple[Location, str]]:
    section_ids = {section.id for section in score.sections}
    milestone_ids = {milestone.id for milestone in score.milestones}
    role_section = score.section_of_role()

    yield from _duplicates("section", "sections", [s.id for s in score.sections])
    yield from _duplicate_roles(score)
    yield from _duplicates("cadence", "cadences", [c.id for c in score.cadences])
    yield from _duplicates("milestone", "milestones", [m.id for m in score.milestones])
    yield from _duplicates("commitment", "commitments", [c.id for c in score.commitments])
    yield from _duplicates("experiment", "experiments", [e.id for e in score.experiments])

    for section_id in score.tempo.wip_limit:
        if section_id not in section_ids:
            yield ("tempo", "wip_limit", section_id), f"unknown section {section_id!r}"
    for index, cadence in enumerate(score.cadences):
        for position, section_id in enumerate(cadence.sections or []):
            if section_id not in section_ids:
                loc = ("cadences", index, "sections", position)
                yield loc, f"unknown section {section_id!r}"
    for index, milestone in enumerate(score.milestones):
        yield from _milestone_problems(index, milestone, score.starts, section_ids, role_section)
        for position, dependency in enumerate(milestone.depends_on):
            if dependency not in milestone_ids:
                loc = ("milestones", index, "depends_on", position)
                yield loc, f"unknown milestone {dependency!r}"
    for index, commitment in enumerate(score.commitments):
        for position, milestone_id in enumerate(commitment.milestones):
            if milestone_id not in milestone_ids:
                loc = ("commitments", index, "milestones", position)
                yield loc, f"unknown milestone {milestone_id!r}"
        if commitment.by < score.starts:
            yield (
                ("commitments", index, "by"),
                (f"date {commitment.by} is before the score starts ({score.starts})"),
            )
    yield from _cycle_problems(score)
    if score.sources is not None and score.sources.github is not None:
        yield from _github_problems(score.sources.github, milestone_ids)


def _duplicate_roles(score: Score) -> Iterator[tuple[Location, str]]:
    owner: dict[str, str] = {}
    for index, section in enumerate(score.sections):
        for position, role in enumerate(section.roles):
            if role in owner:
                yield (
                    ("sections", index, "roles", position),
                    (f"duplicate role id {role!r} (already in section {owner[role]!r})"),
                )
            owner.setdefault(role, section.id)


def _milestone_problems(
    index: int,
    milestone: Milestone,
    starts: date,
    section_ids: set[str],
    role_section: dict[str, str],
) -> Iterator[tuple[Location, str]]:
    if milestone.section not in section_ids:
        yield ("milestones", index, "section"), f"unknown section {milestone.section!r}"
    if milestone.owner not in role_section:
        yield ("milestones", index, "owner"), f"unknown role {milestone.owner!r}"
    elif milestone.section in section_ids and role_section[milestone.owner] != milestone.section:
        yield (
            ("milestones", index, "owner"),
            (
                f"role {milestone.owner!r} belongs to section {role_section[milestone.owner]!r}, "
                f"not to the milestone's section {milestone.section!r}"
            ),
        )
    if milestone.due < starts:
        yield (
            ("milestones", index, "due"),
            (f"due date {milestone.due} is before the score starts ({starts})"),
        )


def _cycle_problems(score: Score) -> Iterator[tuple[Location, str]]:
    """Report each dependency cycle once, as `a -> b -> a`, at the milestone that closes it."""
    graph = {m.id: [d for d in m.depends_on] for m in score.milestones}
    index_of = {m.id: i for i, m in enumerate(score.milestones)}
    done: set[str] = set()
    reported: set[frozenset[str]] = set()
    for start in graph:
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        on_path = [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.pop()
                done.add(node)
                continue
            if child in on_path:
                cycle = [*on_path[on_path.index(child) :], child]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    loc = ("milestones", index_of[node], "depends_on")
                    yield loc, "dependency cycle: " + " -> ".join(cycle)
            elif child in graph and child not in done:
                stack.append((child, iter(graph[child])))
                on_path.append(child)


def _github_problems(
    github: GitHubSource, milestone_ids: set[str]
) -> Iterator[tuple[Location, str]]:
    for field in ("milestones", "labels"):
        mapping: dict[str, str] = getattr(github, field)
        for name, milestone_id in mapping.items():
            if milestone_id not in milestone_ids:
                yield ("sources", "github", field, name), f"unknown milestone {milestone_id!r}"
    if github.blocked_label is not None and github.blocked_label in github.labels:
        yield (
            ("sources", "github", "blocked_label"),
            f"label {github.blocked_label!r} also maps to a milestone: a label either blocks "
            "or maps, not both",
        )
    seen: set[str] = set()
    for index, repository in enumerate(github.repositories):
        if repository.lower() in seen:
            yield (
                ("sources", "github", "repositories", index),
                f"duplicate repository {repository!r}",
            )
        seen.add(repository.lower())
    ids: dict[int, str] = {}
    for name, repository_id in github.repositories_by_id.items():
        if repository_id in ids:
            yield (
                ("sources", "github", "repositories_by_id", name),
                f"repository id {repository_id} is {ids[repository_id]!r} already",
            )
        ids[repository_id] = name
