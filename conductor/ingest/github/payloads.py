"""The parts of GitHub's payloads the mapping reads, and nothing else.

Webhook deliveries (`issues`, `pull_request`) and the REST API's issue and pull request
objects share these fields. Every other field (`user`, `sender`, `assignees`,
`requested_reviewers`, `merged_by`, `closed_by`, the title, the body, ...) is read past by
the parser and never reaches a Conductor object.
"""

from pydantic import AwareDatetime, BaseModel, ConfigDict


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Label(_Read):
    name: str


class GitHubMilestone(_Read):
    title: str


class PullRequestLink(_Read):
    """On an item of the issues list that is a pull request."""

    merged_at: AwareDatetime | None = None


class Repository(_Read):
    full_name: str
    id: int | None = None
    """GitHub's numeric id, by which a score may name a personal account's repository."""


class BaseBranch(_Read):
    """A pull request's base: the repository it is to be merged into."""

    repo: Repository | None = None


class Item(_Read):
    """An issue or a pull request (a webhook's, or an object of the REST API's lists)."""

    number: int
    state: str
    labels: list[Label] = []
    milestone: GitHubMilestone | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    state_reason: str | None = None
    """Issues: completed, not_planned, duplicate, reopened, or null (older issues)."""
    merged: bool | None = None
    """Pull requests, in webhooks."""
    merged_at: AwareDatetime | None = None
    """Pull requests."""
    pull_request: PullRequestLink | None = None
    """Issues list: set on an item that is a pull request."""
    base: BaseBranch | None = None
    """Pull requests."""
    repository_url: str | None = None
    """REST API issues: `https://api.github.com/repos/OWNER/NAME`."""

    @property
    def is_pull_request(self) -> bool:
        return self.pull_request is not None or self.base is not None or self.merged is not None

    @property
    def completed(self) -> bool:
        """Closed as done: a pull request merged, an issue closed as completed (or before
        GitHub recorded a reason); one closed as not planned or as a duplicate is dropped."""
        if self.is_pull_request:
            link = self.pull_request
            return bool(self.merged) or self.merged_at is not None or bool(link and link.merged_at)
        return self.state_reason in (None, "completed")


class IssuesDelivery(_Read):
    """An `issues` webhook delivery."""

    action: str
    issue: Item
    repository: Repository
    label: Label | None = None


class PullRequestDelivery(_Read):
    """A `pull_request` webhook delivery."""

    action: str
    pull_request: Item
    repository: Repository
    label: Label | None = None
