"""CloudEvents 1.0 over HTTP (structured, batched and binary mode) as Conductor events.

The mapping: `id` -> the event id, `type` -> the Conductor event type (`task.started`, ...),
`time` -> `occurred_at`, `source` -> `source`, the extension attribute `ensemble` -> the
ensemble, `data` -> the data. Besides the attributes CloudEvents requires (`specversion`,
`id`, `source`, `type`), Conductor needs `time` and `ensemble`; a missing one is a problem
named by its attribute (its header, `ce-time`, in binary mode). Other attributes and
extensions are read past.
"""

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import orjson

from conductor.errors import Problem
from conductor.ingest.answers import LineResult
from conductor.ingest.intake import Intake
from conductor.io.eventlog import event_from_data
from conductor.io.modeljson import model_json

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
HEADER_PREFIX = "ce-"
SPECVERSION = "1.0"

REQUIRED = ("specversion", "id", "source", "type", "time", "ensemble")
"""In the order their absence is reported."""
_WHY_REQUIRED = {
    "specversion": "a required CloudEvents attribute is missing",
    "id": "a required CloudEvents attribute is missing (it becomes the event id)",
    "source": "a required CloudEvents attribute is missing",
    "type": "a required CloudEvents attribute is missing (a Conductor event type, e.g. "
    "task.started)",
    "time": "Conductor needs the time attribute: it becomes the event's occurred_at",
    "ensemble": "Conductor needs the extension attribute ensemble: the team the event is for",
}
_ATTRIBUTE_OF_FIELD = {"occurred_at": "time"}
"""Problems the envelope's validation names by a Conductor field, renamed to the attribute."""


def structured(body: bytes) -> Intake:
    """One CloudEvent as a JSON object (`application/cloudevents+json`)."""
    intake = Intake()
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        intake.invalid.append(LineResult(1, "rejected", None, [_invalid_json(error)]))
        return intake
    _read(intake, 1, document)
    return intake


def batch(body: bytes) -> Intake:
    """A JSON array of CloudEvents (`application/cloudevents-batch+json`); line `n` of the
    answer is the array's `n`th event."""
    intake = Intake()
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        intake.invalid.append(LineResult(1, "rejected", None, [_invalid_json(error)]))
        return intake
    if not isinstance(document, list):
        problem = Problem("(root)", "a CloudEvents batch is a JSON array of events")
        intake.invalid.append(LineResult(1, "rejected", None, [problem]))
        return intake
    for number, element in enumerate(document, start=1):
        _read(intake, number, element)
    return intake


def binary(headers: Mapping[str, str], body: bytes) -> Intake:
    """One CloudEvent in binary mode: attributes in `ce-*` headers (percent-encoded), the data
    in the body, its media type the request's Content-Type."""
    intake = Intake()
    attributes: dict[str, Any] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith(HEADER_PREFIX):
            attributes[lowered[len(HEADER_PREFIX) :]] = unquote(value)
    problems = _missing(attributes, HEADER_PREFIX)
    data: Any = None
    if body.strip():
        media = headers.get("content-type", "application/json")
        if not _is_json(media):
            problems.append(Problem("data", f"the data must be JSON, not {media!r}"))
        else:
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as error:
                problems.append(Problem("data", f"Invalid JSON: {error}"))
    if problems:
        intake.invalid.append(LineResult(1, "rejected", _str_or_none(attributes), problems))
        return intake
    _translated(intake, 1, attributes, data, HEADER_PREFIX)
    return intake


def _read(intake: Intake, number: int, document: Any) -> None:
    if not isinstance(document, dict):
        problem = Problem("(root)", "a CloudEvent is a JSON object")
        intake.invalid.append(LineResult(number, "rejected", None, [problem]))
        return
    problems = _missing(document, "")
    data = document.get("data")
    if "data_base64" in document and data is None:
        data, undecoded = _base64_json(document["data_base64"])
        if undecoded is not None:
            problems.append(undecoded)
    media = document.get("datacontenttype")
    if data is not None and isinstance(media, str) and not _is_json(media):
        problems.append(Problem("datacontenttype", f"the data must be JSON, not {media!r}"))
    if problems:
        intake.invalid.append(LineResult(number, "rejected", _str_or_none(document), problems))
        return
    _translated(intake, number, document, data, "")


def _missing(attributes: Mapping[str, Any], prefix: str) -> list[Problem]:
    problems = [
        Problem(prefix + name, _WHY_REQUIRED[name]) for name in REQUIRED if name not in attributes
    ]
    version = attributes.get("specversion")
    if version is not None and version != SPECVERSION:
        problems.append(
            Problem(
                prefix + "specversion", f"only CloudEvents {SPECVERSION} is read, not {version!r}"
            )
        )
    return problems


def _translated(
    intake: Intake, number: int, attributes: Mapping[str, Any], data: Any, prefix: str
) -> None:
    envelope: dict[str, Any] = {
        "id": attributes["id"],
        "type": attributes["type"],
        "ensemble": attributes["ensemble"],
        "occurred_at": attributes["time"],
        "source": attributes["source"],
    }
    if data is not None:
        envelope["data"] = data
    event = event_from_data(envelope)
    if isinstance(event, list):
        problems = [_as_attribute(problem, prefix) for problem in event]
        intake.invalid.append(LineResult(number, "rejected", _str_or_none(attributes), problems))
        return
    intake.add(number, event, model_json(event))


def _as_attribute(problem: Problem, prefix: str) -> Problem:
    """`occurred_at: ...` -> `time: ...`; attributes carry the binary mode's header prefix."""
    head, dot, rest = problem.path.partition(".")
    if head == "data" or head.startswith("("):
        return problem
    return Problem(prefix + _ATTRIBUTE_OF_FIELD.get(head, head) + dot + rest, problem.message)


def _base64_json(value: Any) -> tuple[Any, Problem | None]:
    try:
        return orjson.loads(base64.b64decode(value, validate=True)), None
    except (binascii.Error, TypeError, ValueError) as error:
        return None, Problem("data_base64", f"not base64 of JSON: {error}")


def _is_json(media: str) -> bool:
    kind = media.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json") or kind == "text/json"


def _invalid_json(error: orjson.JSONDecodeError) -> Problem:
    return Problem("(root)", f"Invalid JSON: {error}")


def _str_or_none(attributes: Mapping[str, Any]) -> str | None:
    found = attributes.get("id")
    return found if isinstance(found, str) else None
