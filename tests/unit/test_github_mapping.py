"""What each GitHub action on an issue or pull request means for its task, which milestone an
item is of, the signature check, and reading a REST API export."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conductor.ingest.github.actions import Change, change_of
from conductor.ingest.github.export import import_export, items_of
from conductor.ingest.github.payloads import Item
from conductor.ingest.github.routes import Routes, Target
from conductor.ingest.github.signature import signature_of, signature_problem
from conductor.ingest.intake import Ignored, IgnoredKind
from conductor.io.scorefile import load_score
from schemas.score import GitHubSource

ROOT = Path(__file__).parents[2]
SCORE = load_score(ROOT / "tests" / "fixtures" / "github" / "score.yaml")
SOURCE = GitHubSource(
    repositories=["octo-org/octo-repo"],
    milestones={"v1.0 ledger": "ledger"},
    labels={"payments": "payments", "ui": "portal-ui"},
    blocked_label="blocked",
)
TARGET = Target("harbor", "octo-org/octo-repo", SOURCE)


def item(**fields: Any) -> Item:
    document: dict[str, Any] = {
        "number": 7,
        "state": "open",
        "labels": [],
        "milestone": None,
        "created_at": "2026-03-03T09:00:00Z",
        "updated_at": "2026-03-04T10:00:00Z",
        **fields,
    }
    return Item.model_validate(document)


def labels(*names: str) -> list[dict[str, str]]:
    return [{"name": name} for name in names]


def kind(found: Change | Ignored) -> str:
    return found.type if isinstance(found, Change) else found.kind.value


def test_the_github_milestone_wins_over_labels_and_the_first_mapped_label_over_later_ones() -> None:
    both = item(milestone={"title": "v1.0 ledger"}, labels=labels("ui", "payments"))
    assert TARGET.milestone_of(both) == "ledger"
    assert TARGET.milestone_of(item(labels=labels("question", "ui", "payments"))) == "portal-ui"
    unmapped_milestone = item(milestone={"title": "Someday"}, labels=labels("payments"))
    assert TARGET.milestone_of(unmapped_milestone) == "payments"
    assert TARGET.milestone_of(item(labels=labels("question"))) is None


def test_opening_starts_at_creation_and_reopening_at_the_last_update() -> None:
    mapped = item(labels=labels("ui"))
    opened = change_of("opened", mapped, None, TARGET)
    assert opened == Change(
        "task.started",
        {"task": "octo-org/octo-repo#7", "milestone": "portal-ui"},
        datetime(2026, 3, 3, 9, tzinfo=UTC),
    )
    reopened = change_of("reopened", mapped, None, TARGET)
    assert isinstance(reopened, Change) and reopened.at == datetime(2026, 3, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"state_reason": "completed"}, "task.completed"),
        ({"state_reason": None}, "task.completed"),
        ({"state_reason": "not_planned"}, "task.dropped"),
        ({"state_reason": "duplicate"}, "task.dropped"),
        ({"merged": True, "merged_at": "2026-03-05T12:00:00Z"}, "task.completed"),
        ({"merged": False, "base": {"repo": {"full_name": "octo-org/octo-repo"}}}, "task.dropped"),
        ({"base": {"repo": {"full_name": "octo-org/octo-repo"}}}, "task.dropped"),
        ({"pull_request": {"merged_at": "2026-03-05T12:00:00Z"}}, "task.completed"),
        ({"pull_request": {"merged_at": None}}, "task.dropped"),
    ],
    ids=[
        "issue-completed",
        "issue-without-reason",
        "issue-not-planned",
        "issue-duplicate",
        "pr-merged",
        "pr-unmerged",
        "pr-object-unmerged",
        "listed-pr-merged",
        "listed-pr-unmerged",
    ],
)
def test_closing_completes_or_drops(fields: dict[str, Any], expected: str) -> None:
    closed = item(
        state="closed", closed_at="2026-03-05T12:00:00Z", labels=labels("payments"), **fields
    )
    found = change_of("closed", closed, None, TARGET)
    assert kind(found) == expected
    assert isinstance(found, Change) and found.at == datetime(2026, 3, 5, 12, tzinfo=UTC)


def test_the_blocked_label_blocks_and_unblocks() -> None:
    mapped = item(labels=labels("payments", "blocked"))
    blocked = change_of("labeled", mapped, "blocked", TARGET)
    assert isinstance(blocked, Change)
    assert blocked.data == {
        "task": "octo-org/octo-repo#7",
        "reason": "the GitHub label 'blocked' was added",
    }
    assert kind(change_of("unlabeled", item(labels=labels("payments")), "blocked", TARGET)) == (
        "task.unblocked"
    )


def test_labelling_an_open_unmapped_item_into_the_plan_starts_it_once() -> None:
    newly = item(labels=labels("question", "ui"))
    assert kind(change_of("labeled", newly, "ui", TARGET)) == "task.started"
    already = item(labels=labels("payments", "ui"))
    assert kind(change_of("labeled", already, "ui", TARGET)) == "github-action", "started before"
    closed = item(state="closed", labels=labels("ui"))
    assert kind(change_of("labeled", closed, "ui", TARGET)) == "github-action"
    milestoned = item(milestone={"title": "v1.0 ledger"})
    assert kind(change_of("milestoned", milestoned, None, TARGET)) == "task.started"
    also_labelled = item(milestone={"title": "v1.0 ledger"}, labels=labels("ui"))
    assert kind(change_of("milestoned", also_labelled, None, TARGET)) == "github-action"


def test_an_unmapped_item_or_an_idle_action_is_ignored_with_a_reason() -> None:
    unmapped = change_of("opened", item(labels=labels("question")), None, TARGET)
    assert unmapped == Ignored(
        IgnoredKind.GITHUB_ITEM,
        "octo-org/octo-repo#7: neither its GitHub milestone nor a label maps to a milestone",
    )
    for action in ("edited", "assigned", "review_requested", "synchronize", "unlabeled"):
        found = change_of(action, item(labels=labels("ui")), "ui", TARGET)
        assert kind(found) == "github-action", action


def test_routes_find_every_ensemble_mapping_a_repository_without_case() -> None:
    other = SCORE.model_copy(update={"ensemble": "tugboat"})
    routes = Routes.of([SCORE, other, load_score(ROOT / "examples" / "score.yaml")])
    assert [t.ensemble for t in routes.targets("OCTO-ORG/octo-repo")] == ["harbor", "tugboat"]
    assert routes.targets("octo-org/elsewhere") == []


def test_the_signature_is_github_s_hmac_sha256_of_the_body() -> None:
    """GitHub's own worked example (its docs on validating webhook deliveries)."""
    secret, body = b"It's a Secret to Everybody", b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_of(secret, body) == expected
    assert signature_problem(secret, body, expected) is None
    assert signature_problem(secret, body, expected.upper()) is not None
    assert signature_problem(secret, body + b" ", expected) is not None
    assert signature_problem(secret, body, None) == (
        "X-Hub-Signature-256: missing (the webhook must have a secret)"
    )


def test_an_export_is_read_as_one_array_pages_one_after_another_or_slurped() -> None:
    pages = [[{"number": 1}, {"number": 2}], [{"number": 3}]]
    assert [i["number"] for i in items_of(json.dumps(pages[0]))] == [1, 2]
    assert [i["number"] for i in items_of(json.dumps(pages[0]) + "\n" + json.dumps(pages[1]))] == [
        1,
        2,
        3,
    ]
    assert [i["number"] for i in items_of(json.dumps(pages))] == [1, 2, 3]
    with pytest.raises(ValueError):
        list(items_of("[{"))


def rest_issue(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "number": number,
        "state": "open",
        "repository_url": "https://api.github.com/repos/octo-org/octo-repo",
        "labels": labels("payments"),
        "created_at": "2026-03-03T09:00:00Z",
        "updated_at": "2026-03-04T10:00:00Z",
        "user": {"login": "Codertocat", "id": 21031067},
        **fields,
    }


def test_an_export_maps_each_item_to_its_events_in_time_order() -> None:
    export = [
        rest_issue(
            2,
            state="closed",
            closed_at="2026-03-06T10:00:00Z",
            state_reason="not_planned",
            created_at="2026-03-05T09:00:00Z",
        ),
        rest_issue(1, labels=labels("payments", "blocked")),
        rest_issue(3, labels=labels("question")),
        rest_issue(4, repository_url="https://api.github.com/repos/octo-org/elsewhere"),
        {"number": 5, "state": "open"},
    ]
    imported = import_export(json.dumps(export) + json.dumps([export[1]]), SCORE)
    assert [(e.id, e.type, e.occurred_at.isoformat()) for e in imported.events] == [
        ("github:octo-org/octo-repo/1:started", "task.started", "2026-03-03T09:00:00+00:00"),
        ("github:octo-org/octo-repo/1:blocked", "task.blocked", "2026-03-04T10:00:00+00:00"),
        ("github:octo-org/octo-repo/2:started", "task.started", "2026-03-05T09:00:00+00:00"),
        ("github:octo-org/octo-repo/2:dropped", "task.dropped", "2026-03-06T10:00:00+00:00"),
    ]
    assert imported.items == 6
    assert imported.ignored == {IgnoredKind.GITHUB_ITEM: 1, IgnoredKind.GITHUB_REPOSITORY: 1}
    assert imported.problems == ["item 4: created_at: Field required"]
    assert all(
        event.ensemble == "harbor" and event.source == "github-export" for event in imported.events
    )


PERSONAL = GitHubSource(
    repositories=["octo-org/octo-repo"],
    repositories_by_id={"hello-world": 186853002},
    milestones={"v1.0 ledger": "ledger"},
    labels={"payments": "payments"},
)


def test_a_repository_named_by_id_is_found_by_its_id_and_names_its_tasks() -> None:
    """A personal account's `owner/name` holds a login: the score names it by GitHub's id."""
    score = SCORE.model_copy(
        update={"sources": SCORE.sources.model_copy(update={"github": PERSONAL})}
    )  # type: ignore[union-attr]
    routes = Routes.of([score])
    (target,) = routes.targets("Codertocat/Hello-World", 186853002)
    assert (target.repository, target.task(1)) == ("hello-world", "hello-world#1")
    assert routes.targets("Codertocat/Hello-World") == [], "not by the login's name"
    assert routes.targets("Someone/Else", 999) == []
    assert [t.repository for t in routes.targets("octo-org/octo-repo", 17273051)] == [
        "octo-org/octo-repo"
    ]


def test_an_issues_export_of_a_repository_named_by_id_is_imported_with_its_id() -> None:
    score = SCORE.model_copy(
        update={"sources": SCORE.sources.model_copy(update={"github": PERSONAL})}
    )  # type: ignore[union-attr]
    url = "https://api.github.com/repos/Codertocat/Hello-World"
    export = json.dumps([rest_issue(1, labels=labels("payments"), repository_url=url)])
    assert import_export(export, score).events == []
    (started,) = import_export(export, score, repository_id=186853002).events
    assert started.id == "github:hello-world/1:started"
    assert started.data.task == "hello-world#1"  # type: ignore[union-attr]
    assert "Codertocat" not in started.model_dump_json()
