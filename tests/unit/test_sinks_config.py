"""The `--sinks` file: what it accepts, and the errors that name the sink and the key."""

from pathlib import Path

import pytest
import yaml

from conductor.sinks.config import InvalidSinks, SlackSink, WebhookSink, load_sinks, parse_sinks

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidSinks) as refused:
        parse_sinks(yaml.safe_load(text), "sinks.yaml")
    return [str(problem) for problem in refused.value.problems]


def test_a_full_file_parses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    monkeypatch.setenv("SLACK_URL", "https://hooks.slack.example/services/T/B/X")
    path = tmp_path / "sinks.yaml"
    path.write_text(
        """
sinks:
  - name: team-hooks
    type: webhook
    url: https://hooks.example.com/conductor
    secret_env: HOOK_SECRET
    kinds: [hold, breakdown]
    min_severity: warn
    retry: {attempts: 5, first_seconds: 0.5, max_seconds: 60}
  - name: platform-chat
    type: slack
    url_env: SLACK_URL
    to: ["section:platform", "role:platform-lead"]
    dashboard_url: https://grafana.example.com/d/conductor
  - {name: archive, type: jsonl, path: cues.jsonl}
  - {name: console, type: stdout, ensembles: [harbor]}
  - {name: bus, type: kafka, broker: "kafka://127.0.0.1:9092", topic: team.cues}
""",
        encoding="utf-8",
    )
    hooks, chat, archive, console, bus = load_sinks(path)
    assert isinstance(hooks, WebhookSink) and isinstance(chat, SlackSink)
    assert [kind.value for kind in hooks.kinds or []] == ["hold", "breakdown"]
    assert hooks.retry.attempts == 5 and hooks.min_severity == "warn"
    assert chat.resolved_url() == "https://hooks.slack.example/services/T/B/X"
    assert chat.to == ["section:platform", "role:platform-lead"]
    assert (archive.name, console.ensembles, bus.type) == ("archive", ["harbor"], "kafka")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sinks: [{name: a, type: webhook, url: 'http://x', secret_env: S, colour: red}]",
            "sinks[0] (a).colour: unknown key",
        ),
        (
            "sinks: [{name: mail, type: email}]",
            "sinks[0] (mail).type: unknown sink type 'email' (one of stdout, jsonl, webhook,"
            " slack, kafka)",
        ),
        ("sinks: [{name: b}]", "sinks[0] (b).type: missing (one of stdout"),
        (
            "sinks: [{name: c, type: webhook, url: 'http://x'}]",
            "sinks[0] (c).secret_env: Field required",
        ),
        ("sinks: [{name: d, type: slack}]", "sinks[0] (d).url: give either url or url_env"),
        ("sinks: [{name: e, type: jsonl}]", "sinks[0] (e).path: Field required"),
        (
            "sinks: [{name: f, type: stdout, kinds: [nag]}]",
            "sinks[0] (f).kinds[0]: Input should be 'entry'",
        ),
        ("sinks: [{name: g, type: stdout, to: [team]}]", "sinks[0] (g).to[0]: String should"),
        (
            "sinks: [{name: h, type: stdout, min_severity: loud}]",
            "sinks[0] (h).min_severity: Input should be 'info', 'warn' or 'critical'",
        ),
        (
            "sinks: [{name: i, type: stdout}, {name: i, type: jsonl, path: x}]",
            "sinks[1] (i).name: duplicate sink name (also sinks[0])",
        ),
        ("sinks: []", "sinks: List should have at least 1 item"),
        ("[]", "(root): expected a mapping with `sinks:`"),
        ("sink: []", "sink: unknown key"),
        ("sinks: [hello]", "sinks[0]: expected a mapping with at least `name` and `type`"),
    ],
)
def test_a_bad_file_is_refused_naming_the_sink_and_the_key(text: str, expected: str) -> None:
    found = problems(text)
    assert any(problem.startswith(expected) for problem in found), found


def test_variables_that_are_not_set_or_hold_no_secret_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOT_SET", raising=False)
    monkeypatch.setenv("NOT_A_SECRET", "hunter2")
    found = problems(
        "sinks:\n"
        "  - {name: a, type: webhook, url: 'http://x', secret_env: NOT_SET}\n"
        "  - {name: b, type: webhook, url: 'http://x', secret_env: NOT_A_SECRET}\n"
        "  - {name: c, type: slack, url_env: NOT_SET}\n"
    )
    assert found == [
        "sinks[0] (a).secret_env: environment variable NOT_SET is not set",
        "sinks[1] (b).secret_env: NOT_A_SECRET: not a Standard Webhooks secret "
        "(whsec_ followed by base64)",
        "sinks[2] (c).url_env: environment variable NOT_SET is not set",
    ]


def test_a_url_variable_that_holds_no_http_url_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAT_URL", "hooks.slack.example/services/T0/B0/s3cr3t")
    monkeypatch.setenv("HOOK_URL", "ftp://hooks.example/s3cr3t")
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    found = problems(
        "sinks:\n"
        "  - {name: chat, type: slack, url_env: CHAT_URL}\n"
        "  - {name: hooks, type: webhook, url_env: HOOK_URL, secret_env: HOOK_SECRET}\n"
    )
    assert found == [
        "sinks[0] (chat).url_env: CHAT_URL: does not hold an http(s) URL (Input should be a "
        "valid URL, relative URL without a base)",
        "sinks[1] (hooks).url_env: HOOK_URL: does not hold an http(s) URL (URL scheme should "
        "be 'http' or 'https')",
    ]
    assert not any("s3cr3t" in problem for problem in found), "a webhook URL is a secret"


def test_a_file_that_is_not_yaml_or_not_there(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("sinks: [", encoding="utf-8")
    with pytest.raises(InvalidSinks, match="not valid YAML"):
        load_sinks(broken)
    with pytest.raises(InvalidSinks, match="No such file"):
        load_sinks(tmp_path / "missing.yaml")
