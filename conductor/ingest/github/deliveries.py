"""`POST /webhooks/github` in every runtime: a signed delivery as Conductor events.

The signature is checked first, over the raw body, before anything in it is read. The event
id is the delivery's `X-GitHub-Delivery`, so a redelivery is a duplicate; the time is the
payload's own. A `ping`, another event, another repository, an unmapped item or an action
that changes nothing is ignored (answered 2xx and counted), never an error.
"""

from collections.abc import Mapping
from urllib.parse import parse_qs

from pydantic import ValidationError

from conductor.errors import ConductorError, Problem
from conductor.ingest.answers import LineResult
from conductor.ingest.github.actions import change_of
from conductor.ingest.github.payloads import IssuesDelivery, Item, PullRequestDelivery
from conductor.ingest.github.routes import Routes
from conductor.ingest.github.signature import HEADER as SIGNATURE_HEADER
from conductor.ingest.github.signature import signature_problem
from conductor.ingest.intake import Ignored, IgnoredKind, Intake
from conductor.io.eventlog import event_from_data
from conductor.io.modeljson import model_json
from schemas import format_location

EVENT_HEADER = "x-github-event"
DELIVERY_HEADER = "x-github-delivery"
SOURCE = "github"
SECRET_VARIABLE = "CONDUCTOR_GITHUB_WEBHOOK_SECRET"
FORM = "application/x-www-form-urlencoded"

_PAYLOADS: dict[str, type[IssuesDelivery] | type[PullRequestDelivery]] = {
    "issues": IssuesDelivery,
    "pull_request": PullRequestDelivery,
}


class Unauthorized(ConductorError):
    """Not a delivery signed with the configured secret (answered 401, nothing appended)."""


def delivery_intake(
    headers: Mapping[str, str], body: bytes, secret: bytes | None, routes: Routes
) -> Intake:
    """The delivery's events for every ensemble whose score maps its repository, or raises
    `Unauthorized`."""
    if secret is None:
        raise Unauthorized(f"no webhook secret is configured ({SECRET_VARIABLE}): refused")
    problem = signature_problem(secret, body, headers.get(SIGNATURE_HEADER))
    if problem is not None:
        raise Unauthorized(problem)
    intake = Intake()
    event_name, delivery = headers.get(EVENT_HEADER), headers.get(DELIVERY_HEADER)
    missing = [
        Problem(name, "missing header")
        for name, value in (("X-GitHub-Event", event_name), ("X-GitHub-Delivery", delivery))
        if not value
    ]
    if missing:
        intake.invalid.append(LineResult(1, "rejected", delivery, missing))
        return intake
    assert event_name is not None and delivery is not None
    if event_name == "ping":
        intake.ignored.append(Ignored(IgnoredKind.GITHUB_PING, "ping: the webhook reaches us"))
        return intake
    model = _PAYLOADS.get(event_name)
    if model is None:
        reason = f"event {event_name!r}: only issues and pull_request are mapped"
        intake.ignored.append(Ignored(IgnoredKind.GITHUB_EVENT, reason))
        return intake
    payload = _read(model, headers, body)
    if isinstance(payload, list):
        intake.invalid.append(LineResult(1, "rejected", delivery, payload))
        return intake
    _add_changes(intake, payload, delivery, routes)
    return intake


def _read(
    model: type[IssuesDelivery] | type[PullRequestDelivery],
    headers: Mapping[str, str],
    body: bytes,
) -> IssuesDelivery | PullRequestDelivery | list[Problem]:
    """The payload, JSON or (GitHub's other content type) a form's `payload` field."""
    raw: bytes | str = body
    if headers.get("content-type", "").split(";")[0].strip().lower() == FORM:
        fields = parse_qs(body.decode("utf-8", "replace"))
        if "payload" not in fields:
            return [Problem("payload", "a form-encoded delivery has a payload field")]
        raw = fields["payload"][0]
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        return [_problem(detail["loc"], detail["msg"]) for detail in error.errors()]


def _add_changes(
    intake: Intake,
    payload: IssuesDelivery | PullRequestDelivery,
    delivery: str,
    routes: Routes,
) -> None:
    item: Item = payload.issue if isinstance(payload, IssuesDelivery) else payload.pull_request
    repository = payload.repository.full_name
    targets = routes.targets(repository, payload.repository.id)
    if not targets:
        reason = f"repository {repository!r} is in no published score's sources.github"
        intake.ignored.append(Ignored(IgnoredKind.GITHUB_REPOSITORY, reason))
        return
    label = payload.label.name if payload.label is not None else None
    for target in targets:
        change = change_of(payload.action, item, label, target)
        if isinstance(change, Ignored):
            intake.ignored.append(change)
            continue
        number = len(intake.events) + len(intake.invalid) + 1
        event = event_from_data(change.envelope(delivery, target.ensemble, SOURCE))
        if isinstance(event, list):
            problems = [_as_header(problem) for problem in event]
            intake.invalid.append(LineResult(number, "rejected", delivery, problems))
        else:
            intake.add(number, event, model_json(event))


def _problem(loc: tuple[int | str, ...], message: str) -> Problem:
    return Problem(format_location(loc), message)


def _as_header(problem: Problem) -> Problem:
    """The event id is the delivery header's: name it so."""
    return Problem("X-GitHub-Delivery", problem.message) if problem.path == "id" else problem
