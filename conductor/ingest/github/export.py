"""A repository's history as a Conductor log: the REST API's list of issues or of pull
requests (as `gh api --paginate repos/OWNER/NAME/issues?state=all` writes it) mapped by the
score's `sources.github`, so a team can rehearse on what really happened.

Each mapped item gives a `task.started` at its creation; a closed one its `task.completed`
(merged, or closed as completed) or `task.dropped` at its closing; an open one carrying the
blocked label a `task.blocked` at its last update (the list has no label history: that is
the latest instant it is known to have been blocked). Event ids are derived from the item,
so importing the same export twice gives the same log, and an item listed twice (an issues
and a pulls export together) once.
"""

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from conductor.ingest.github.actions import Change
from conductor.ingest.github.payloads import Item
from conductor.ingest.github.routes import Routes, Target
from conductor.ingest.intake import IgnoredKind
from conductor.io.eventlog import event_from_data
from schemas import Event, Score, format_location

SOURCE = "github-export"
_REPOS_URL = "/repos/"


@dataclass
class Imported:
    events: list[Event] = field(default_factory=list)
    items: int = 0
    ignored: Counter[IgnoredKind] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    """Items that could not be read, each with its place in the export."""


def items_of(document: str) -> Iterator[Any]:
    """The items of an export: one JSON array, the arrays `--paginate` writes one after
    another, or the array of arrays `--slurp` makes."""
    decoder = json.JSONDecoder()
    position, end = 0, len(document)
    while True:
        while position < end and document[position].isspace():
            position += 1
        if position == end:
            return
        value, position = decoder.raw_decode(document, position)
        yield from _flattened(value)


def _flattened(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for element in value:
            yield from _flattened(element)
    else:
        yield value


def import_export(document: str, score: Score, repository_id: int | None = None) -> Imported:
    """The events of every item of the export, in time order (ties in export order).
    `repository_id`: GitHub's id of the export's repository, for a score that names it by id
    (an issues list names its repository only by URL).

    Raises `ValueError` (json's) if the export is not JSON."""
    routes = Routes.of([score])
    imported = Imported()
    seen: set[str] = set()
    for index, raw in enumerate(items_of(document)):
        imported.items += 1
        try:
            item = Item.model_validate(raw)
        except ValidationError as error:
            detail = error.errors()[0]
            imported.problems.append(
                f"item {index}: {format_location(tuple(detail['loc']))}: {detail['msg']}"
            )
            continue
        repository = _repository_of(item)
        if repository is None:
            imported.problems.append(f"item {index} (#{item.number}): names no repository")
            continue
        known_id = item.base.repo.id if item.base is not None and item.base.repo else None
        targets = routes.targets(repository, known_id or repository_id)
        if not targets:
            imported.ignored[IgnoredKind.GITHUB_REPOSITORY] += 1
            continue
        for target in targets:
            _add(imported, seen, target, item)
    imported.events.sort(key=lambda event: event.occurred_at)
    return imported


def _add(imported: Imported, seen: set[str], target: Target, item: Item) -> None:
    milestone = target.milestone_of(item)
    if milestone is None:
        imported.ignored[IgnoredKind.GITHUB_ITEM] += 1
        return
    for what, change in _changes(target, item, milestone):
        event_id = f"github:{target.repository}/{item.number}:{what}"
        if event_id in seen:
            continue
        seen.add(event_id)
        event = event_from_data(change.envelope(event_id, target.ensemble, SOURCE))
        if isinstance(event, list):
            listing = "; ".join(str(problem) for problem in event)
            imported.problems.append(f"{target.task(item.number)}: {listing}")
        else:
            imported.events.append(event)


def _changes(target: Target, item: Item, milestone: str) -> Iterator[tuple[str, Change]]:
    task = target.task(item.number)
    yield "started", Change("task.started", {"task": task, "milestone": milestone}, item.created_at)
    if item.state == "closed":
        at = item.closed_at or item.updated_at
        if item.completed:
            yield "completed", Change("task.completed", {"task": task, "milestone": milestone}, at)
        else:
            yield "dropped", Change("task.dropped", {"task": task}, at)
        return
    blocked = target.source.blocked_label
    if blocked is not None and any(label.name == blocked for label in item.labels):
        reason = f"the GitHub label {blocked!r} was on it when the history was exported"
        yield "blocked", Change("task.blocked", {"task": task, "reason": reason}, item.updated_at)


def _repository_of(item: Item) -> str | None:
    if item.base is not None and item.base.repo is not None:
        return item.base.repo.full_name
    if item.repository_url is not None and _REPOS_URL in item.repository_url:
        return item.repository_url.split(_REPOS_URL, 1)[1].strip("/")
    return None
