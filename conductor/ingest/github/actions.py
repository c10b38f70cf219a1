"""What an action on a GitHub issue or pull request means for its task.

- opened, reopened: `task.started` (at its creation; reopened at its last update);
- closed: `task.completed` if merged or closed as completed, else `task.dropped`;
- labeled / unlabeled with the score's `blocked_label`: `task.blocked` / `task.unblocked`;
- labeled or milestoned so that an open item that mapped to no milestone now maps to one:
  `task.started` (work labelled after it was opened);
- any other action, and any item that maps to no milestone: ignored.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conductor.ingest.github.payloads import Item
from conductor.ingest.github.routes import Target
from conductor.ingest.intake import Ignored, IgnoredKind


@dataclass(frozen=True)
class Change:
    """A Conductor event for the task, but its id: the caller names it."""

    type: str
    data: dict[str, Any]
    at: datetime

    def envelope(self, event_id: str, ensemble: str, source: str) -> dict[str, Any]:
        return {
            "id": event_id,
            "type": self.type,
            "ensemble": ensemble,
            "occurred_at": self.at,
            "source": source,
            "data": self.data,
        }


def change_of(action: str, item: Item, label: str | None, target: Target) -> Change | Ignored:
    task = target.task(item.number)
    milestone = target.milestone_of(item)
    if milestone is None:
        return Ignored(
            IgnoredKind.GITHUB_ITEM,
            f"{task}: neither its GitHub milestone nor a label maps to a milestone",
        )
    blocked_label = target.source.blocked_label
    if action in ("opened", "reopened"):
        at = item.created_at if action == "opened" else item.updated_at
        return Change("task.started", {"task": task, "milestone": milestone}, at)
    if action == "closed":
        at = item.closed_at or item.updated_at
        if item.completed:
            return Change("task.completed", {"task": task, "milestone": milestone}, at)
        return Change("task.dropped", {"task": task}, at)
    if action in ("labeled", "unlabeled") and label is not None and label == blocked_label:
        if action == "labeled":
            reason = f"the GitHub label {label!r} was added"
            return Change("task.blocked", {"task": task, "reason": reason}, item.updated_at)
        return Change("task.unblocked", {"task": task}, item.updated_at)
    if item.state == "open" and _newly_mapped(action, item, label, target):
        return Change("task.started", {"task": task, "milestone": milestone}, item.updated_at)
    return Ignored(IgnoredKind.GITHUB_ACTION, f"{task}: {action!r} changes nothing in the plan")


def _newly_mapped(action: str, item: Item, label: str | None, target: Target) -> bool:
    if action == "labeled" and label is not None:
        return target.milestone_of(item, without_label=label) is None
    if action == "milestoned":
        return target.milestone_of(item, without_milestone=True) is None
    return False
