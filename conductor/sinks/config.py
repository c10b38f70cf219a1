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
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from conductor.errors import ConductorError, Problem
from schemas import CueKind, Id, Severity, format_location

RecipientKey = Annotated[
    str,
    Field(pattern=r"^(role|section|ensemble):[A-Za-z0-9][A-Za-z0-9_.:/-]*$"),
]
"""`role:<id>`, `section:<id>` or `ensemble:<id>`: a cue's recipient, as cues name it."""


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
        return os.environ[self.url_env]


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
    try:
        sinks = SinksFile.model_validate(data).sinks
    except ValidationError as error:
        raise InvalidSinks(source, [_problem(data, detail) for detail in error.errors()]) from None
    problems = list(_name_problems(sinks)) + list(_environment_problems(sinks))
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
        return Problem(format_location(loc), detail["msg"])
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


def _environment_problems(sinks: list[SinkConfig]) -> list[Problem]:
    problems = []
    for index, sink in enumerate(sinks):
        where = f"sinks[{index}] ({sink.name})"
        names: list[tuple[str, str | None]] = []
        if isinstance(sink, WebhookSink | SlackSink):
            names.append(("url_env", sink.url_env))
        if isinstance(sink, WebhookSink):
            names.append(("secret_env", sink.secret_env))
        for key, variable in names:
            if variable is not None and not os.environ.get(variable):
                problems.append(
                    Problem(f"{where}.{key}", f"environment variable {variable} is not set")
                )
        if isinstance(sink, WebhookSink) and os.environ.get(sink.secret_env):
            reason = secret_problem(os.environ[sink.secret_env])
            if reason is not None:
                problems.append(Problem(f"{where}.secret_env", f"{sink.secret_env}: {reason}"))
    return problems


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
