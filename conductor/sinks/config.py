"""The `--sinks FILE` configuration: each sink's name, type, routing, retries and its own keys.

Validated whole at start: an unknown key, an unknown type, a missing URL or secret, an
environment variable that is not set — each is reported naming the sink and the key
(`sinks[1] (team-hooks).secret_env: ...`), and nothing is delivered until the file is right.
Secrets and webhook URLs are named by environment variables (`secret_env`, `url_env`), never
written in the file.
"""

import os
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from conductor.errors import ConductorError, Problem
from schemas import CueKind, Id, Severity, format_location

RecipientKey = Annotated[
    str,
    Field(pattern=r"^(role|section|ensemble):[A-Za-z0-9][A-Za-z0-9_.:/-]*$"),
]
"""`role:<id>`, `section:<id>` or `ensemble:<id>`: a cue's recipient, as cues name it."""
HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
"""What a `url_env` variable must hold, checked at start as `url` is."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retry(_Model):
    """Exponential backoff with jitter between tries; after the last, the cue is recorded as
    failed for the sink and the sink goes on with the next one."""

    attempts: Annotated[int, Field(ge=1)] = 12
    first_seconds: Annotated[float, Field(gt=0)] = 1.0
    max_seconds: Annotated[float, Field(gt=0)] = 300.0


class _Sink(_Model):
    name: Id
    kinds: list[CueKind] | None = Field(
        None, description="only cues of these kinds (a digest when it holds one of them)"
    )
    to: list[RecipientKey] | None = Field(None, description="only cues to these recipients")
    ensembles: list[Id] | None = Field(None, description="only cues of these ensembles")
    min_severity: Severity = Severity.INFO
    retry: Retry = Field(default_factory=Retry)


class StdoutSink(_Sink):
    type: Literal["stdout"]


class JsonlSink(_Sink):
    type: Literal["jsonl"]
    path: Path


class _Http(_Sink):
    url: HttpUrl | None = None
    url_env: str | None = Field(None, description="the variable holding the URL (a secret)")
    timeout_seconds: Annotated[float, Field(gt=0)] = 5.0

    @model_validator(mode="after")
    def _one_url(self) -> Self:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("url: give either url or url_env")
        return self

    def resolved_url(self) -> str:
        if self.url is not None:
            return str(self.url)
        assert self.url_env is not None
        return str(HTTP_URL.validate_python(os.environ[self.url_env]))


class WebhookSink(_Http):
    """A CloudEvent per cue, signed per Standard Webhooks with the secret in `secret_env`."""

    type: Literal["webhook"]
    secret_env: str


class SlackSink(_Http):
    """A Slack (or Mattermost) incoming webhook: Block Kit blocks and a text fallback."""

    type: Literal["slack"]
    dashboard_url: HttpUrl | None = None


class KafkaSink(_Sink):
    """Each cue's JSON to a topic, keyed by ensemble (from the embedded runtime)."""

    type: Literal["kafka"]
    broker: str = Field(description="kafka://HOST:PORT[;kafka://HOST2:PORT]")
    topic: str


SinkConfig = Annotated[
    StdoutSink | JsonlSink | WebhookSink | SlackSink | KafkaSink, Field(discriminator="type")
]
SINK_TYPES = ("stdout", "jsonl", "webhook", "slack", "kafka")


class SinksFile(_Model):
    sinks: Annotated[list[SinkConfig], Field(min_length=1)]


class InvalidSinks(ConductorError):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{listing}")


def load_sinks(path: Path) -> list[SinkConfig]:
    """Every sink of the file, checked (names unique, variables set); else `InvalidSinks`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InvalidSinks(str(path), [Problem("(file)", f"not valid YAML: {error}")]) from None
    except OSError as error:
        raise InvalidSinks(str(path), [Problem("(file)", error.strerror or str(error))]) from None
    return parse_sinks(data, str(path))


def parse_sinks(data: Any, source: str) -> list[SinkConfig]:
    if not isinstance(data, dict):
        raise InvalidSinks(source, [Problem("(root)", "expected a mapping with `sinks:`")])
    if isinstance(data.get("sinks"), list):
        problems = [
            Problem(f"sinks[{index}]", "expected a mapping with at least `name` and `type`")
            for index, entry in enumerate(data["sinks"])
            if not isinstance(entry, dict)
        ]
        if problems:
            raise InvalidSinks(source, problems)
    try:
        sinks = SinksFile.model_validate(data).sinks
    except ValidationError as error:
        problems = [_problem(data, detail) for detail in error.errors()]
        raise InvalidSinks(source, problems + _environment_problems(data)) from None
    problems = _name_problems(sinks) + _environment_problems(data)
    if problems:
        raise InvalidSinks(source, problems)
    return sinks


def _where(data: Any, index: int) -> str:
    """`sinks[1] (team-hooks)`: the sink's position and, when it has one, its name."""
    entries = data.get("sinks") if isinstance(data, dict) else None
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"sinks[{index}]" + (f" ({name})" if isinstance(name, str) else "")


def _problem(data: Any, detail: Any) -> Problem:
    loc = tuple(detail["loc"])
    if len(loc) < 2 or loc[0] != "sinks" or not isinstance(loc[1], int):
        unknown = detail["type"] == "extra_forbidden"
        return Problem(format_location(loc), "unknown key" if unknown else detail["msg"])
    where, rest = _where(data, loc[1]), loc[2:]
    if rest and rest[0] in SINK_TYPES:
        rest = rest[1:]  # the union's tag, which pydantic puts in the path
    message = detail["msg"]
    if detail["type"] == "union_tag_invalid":
        rest = ("type",)
        message = f"unknown sink type {detail['ctx']['tag']!r} (one of {', '.join(SINK_TYPES)})"
    elif detail["type"] == "union_tag_not_found":
        rest = ("type",)
        message = f"missing (one of {', '.join(SINK_TYPES)})"
    elif detail["type"] == "extra_forbidden":
        message = "unknown key"
    elif detail["type"] == "value_error" and not rest:  # a check of the whole sink: `key: why`
        key, _, why = message.removeprefix("Value error, ").partition(": ")
        rest, message = (key,), why
    key = format_location(tuple(rest)) if rest else "(sink)"
    return Problem(f"{where}.{key}", message)


def _name_problems(sinks: list[SinkConfig]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, sink in enumerate(sinks):
        if sink.name in seen:
            problems.append(
                Problem(
                    f"sinks[{index}] ({sink.name}).name",
                    f"duplicate sink name (also sinks[{seen[sink.name]}])",
                )
            )
        seen.setdefault(sink.name, index)
    return problems


ENVIRONMENT_KEYS = {"webhook": ("url_env", "secret_env"), "slack": ("url_env",)}
"""Per sink type, the keys that name an environment variable."""


def _environment_problems(data: dict[str, Any]) -> list[Problem]:
    """Variables not set or holding no URL or secret, read from the file as written: so that
    they are reported with the file's other problems, not only once those are fixed."""
    checks = {"url_env": url_problem, "secret_env": secret_problem}
    entries = data.get("sinks")
    problems = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        kind = entry.get("type")
        for key in ENVIRONMENT_KEYS.get(kind, ()) if isinstance(kind, str) else ():
            variable = entry.get(key)
            if not isinstance(variable, str):
                continue  # missing or not text: the file's own check says so
            where = f"{_where(data, index)}.{key}"
            value = os.environ.get(variable)
            if not value:
                problems.append(Problem(where, f"environment variable {variable} is not set"))
                continue
            reason = checks[key](value)
            if reason is not None:  # the value is a secret: never echoed
                problems.append(Problem(where, f"{variable}: {reason}"))
    return problems


def url_problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL, or None."""
    try:
        HTTP_URL.validate_python(url)
    except ValidationError as error:
        return f"does not hold an http(s) URL ({error.errors()[0]['msg']})"
    return None


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a Standard Webhooks secret (`whsec_` and base64), or None."""
    import binascii

    from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

    if not secret.startswith("whsec_"):
        return "not a Standard Webhooks secret (whsec_ followed by base64)"
    try:
        Webhook(secret)
    except (binascii.Error, EmptyWebhookSecretError) as error:
        return f"not a Standard Webhooks secret: {error}"
    return None
