"""Which ensembles a GitHub repository's work belongs to, and which milestone an item is of:
the published scores' `sources.github`."""

from collections.abc import Iterable
from dataclasses import dataclass

from conductor.ingest.github.payloads import Item
from schemas import Score
from schemas.score import GitHubSource


@dataclass(frozen=True)
class Target:
    """One ensemble whose score lists the repository: `repository` is how the score names
    it, the start of the task ids (`owner/name`, spelled as the score spells it, or the
    name given to a repository listed by its numeric `repository_id`)."""

    ensemble: str
    repository: str
    source: GitHubSource
    repository_id: int | None = None

    def task(self, number: int) -> str:
        return f"{self.repository}#{number}"

    def milestone_of(
        self, item: Item, without_label: str | None = None, without_milestone: bool = False
    ) -> str | None:
        """The milestone the item's GitHub milestone maps to, else the first of its labels
        that maps to one; None when nothing maps. Without a label or the GitHub milestone:
        what it mapped to before that was added."""
        if item.milestone is not None and not without_milestone:
            found = self.source.milestones.get(item.milestone.title)
            if found is not None:
                return found
        for label in item.labels:
            if label.name != without_label and label.name in self.source.labels:
                return self.source.labels[label.name]
        return None


class Routes:
    """Repositories (compared as GitHub does, without case) to the ensembles mapping them."""

    def __init__(self, targets: Iterable[Target] = ()) -> None:
        self._by_repository: dict[str, list[Target]] = {}
        self._by_id: dict[int, list[Target]] = {}
        for target in targets:
            if target.repository_id is not None:
                self._by_id.setdefault(target.repository_id, []).append(target)
            else:
                self._by_repository.setdefault(target.repository.lower(), []).append(target)

    @classmethod
    def of(cls, scores: Iterable[Score]) -> "Routes":
        targets = []
        for score in scores:
            github = score.sources.github if score.sources is not None else None
            if github is None:
                continue
            targets += [Target(score.ensemble, name, github) for name in github.repositories]
            targets += [
                Target(score.ensemble, name, github, repository_id)
                for name, repository_id in github.repositories_by_id.items()
            ]
        return cls(targets)

    def targets(self, repository: str, repository_id: int | None = None) -> list[Target]:
        """The ensembles mapping a repository, by its GitHub id or else its `owner/name`."""
        by_id = self._by_id.get(repository_id, []) if repository_id is not None else []
        return [*by_id, *self._by_repository.get(repository.lower(), [])]
