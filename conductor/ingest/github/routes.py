"""Which ensembles a GitHub repository's work belongs to, and which milestone an item is of:
the published scores' `sources.github`."""

from collections.abc import Iterable
from dataclasses import dataclass

from conductor.ingest.github.payloads import Item
from schemas import Score
from schemas.score import GitHubSource


@dataclass(frozen=True)
class Target:
    """One ensemble whose score lists the repository (spelled as the score spells it: it
    is the start of the task ids, `owner/name#number`)."""

    ensemble: str
    repository: str
    source: GitHubSource

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
        for target in targets:
            self._by_repository.setdefault(target.repository.lower(), []).append(target)

    @classmethod
    def of(cls, scores: Iterable[Score]) -> "Routes":
        return cls(
            Target(score.ensemble, repository, score.sources.github)
            for score in scores
            if score.sources is not None and score.sources.github is not None
            for repository in score.sources.github.repositories
        )

    def targets(self, repository: str) -> list[Target]:
        return self._by_repository.get(repository.lower(), [])
