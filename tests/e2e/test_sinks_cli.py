"""The sinks from the command line, as a team uses them: `conductor cues test-sink` against a
real receiver, and `conductor run --sinks` refusing a file that is wrong."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from local_processes import free_port
from receivers import CloudEventsReceiver, SlackReceiver

CONDUCTOR = Path(sys.executable).parent / "conductor"
ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def conductor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONDUCTOR), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_test_sink_sends_one_signed_sample_cue_and_prints_the_answer(tmp_path: Path) -> None:
    webhook = CloudEventsReceiver(free_port(), secret=SECRET).start()
    chat = SlackReceiver(free_port()).start()
    down = free_port()
    try:
        sinks = tmp_path / "sinks.yaml"
        sinks.write_text(
            yaml.safe_dump(
                {
                    "sinks": [
                        {"name": "hooks", "type": "webhook", "url": webhook.url,
                         "secret_env": "HOOK_SECRET", "kinds": ["hold"], "min_severity": "warn",
                         "to": ["role:platform-lead"]},
                        {"name": "chat", "type": "slack", "url": chat.url},
                        {"name": "nobody", "type": "slack", "url": f"http://127.0.0.1:{down}/x"},
                    ]
                }
            ),
            encoding="utf-8",
        )  # fmt: skip
        env = {"HOOK_SECRET": SECRET}
        sent = conductor("cues", "test-sink", "hooks", "--sinks", str(sinks), env=env)
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.startswith("hooks: 200 OK in ")
        (cue,) = webhook.cues.values()
        assert f"(cue {cue['id']})" in sent.stdout
        assert (cue["kind"], cue["severity"], cue["to"]) == (
            "hold",
            "warn",
            {"role": "platform-lead"},
        )
        assert (
            conductor("cues", "test-sink", "chat", "--sinks", str(sinks), env=env).returncode == 0
        )
        assert len(chat.messages) == 1 and "the sink works" in chat.messages[0]["text"]
        failed = conductor("cues", "test-sink", "nobody", "--sinks", str(sinks), env=env)
        assert failed.returncode == 1
        assert failed.stdout.startswith("nobody: failed in ")
        unknown = conductor("cues", "test-sink", "ghost", "--sinks", str(sinks), env=env)
        assert unknown.returncode == 2
        assert "no sink named 'ghost'" in unknown.stderr and "hooks, chat, nobody" in unknown.stderr
    finally:
        webhook.stop()
        chat.stop()


def test_run_refuses_a_sinks_file_naming_the_sink_and_the_key(tmp_path: Path) -> None:
    sinks = tmp_path / "sinks.yaml"
    sinks.write_text(
        "sinks:\n"
        "  - {name: hooks, type: webhook, url: 'http://127.0.0.1:1/x'}\n"
        "  - {name: chat, type: slack, url_env: CHAT_URL_NOT_SET}\n"
        "  - {name: mail, type: email}\n",
        encoding="utf-8",
    )
    result = conductor(
        "run", "--score", str(ROOT / "examples" / "score.yaml"), "--db", str(tmp_path / "c.db"),
        "--sinks", str(sinks), "--port", str(free_port()),
    )  # fmt: skip
    assert result.returncode == 2
    assert "sinks[0] (hooks).secret_env: Field required" in result.stderr
    assert "sinks[2] (mail).type: unknown sink type 'email'" in result.stderr
    assert not (tmp_path / "c.db").exists(), "nothing starts on a wrong file"


def test_deliver_refuses_a_sinks_file_before_it_reads_the_topic(tmp_path: Path) -> None:
    """The same checks as `conductor run`; no broker is needed to be told the file is wrong."""
    sinks = tmp_path / "sinks.yaml"
    sinks.write_text(
        "sinks:\n"
        "  - {name: chat, type: slack, url_env: CHAT_URL, colour: red}\n"
        "  - {name: hooks, type: webhook, url_env: HOOK_URL, secret_env: HOOK_SECRET}\n",
        encoding="utf-8",
    )
    env = {"HOOK_URL": "hooks.example/no-scheme", "HOOK_SECRET": "hunter2", "CHAT_URL": ""}
    result = conductor(
        "deliver", "--broker", f"kafka://127.0.0.1:{free_port()}", "--sinks", str(sinks),
        "--web-port", str(free_port()), env=env,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"{sinks}: 4 problem(s)" in result.stderr, "every problem at once"
    assert "sinks[0] (chat).colour: unknown key" in result.stderr
    assert "sinks[0] (chat).url_env: environment variable CHAT_URL is not set" in result.stderr
    assert "sinks[1] (hooks).url_env: HOOK_URL: does not hold an http(s) URL" in result.stderr
    assert "sinks[1] (hooks).secret_env: HOOK_SECRET: not a Standard Webhooks secret" in (
        result.stderr
    )
    assert "no-scheme" not in result.stderr and "hunter2" not in result.stderr


def test_the_deliver_unit_names_only_options_deliver_has() -> None:
    """`deploy/kafka/deliver.service`, the unit production starts from, runs as written."""
    unit = (ROOT / "deploy" / "kafka" / "deliver.service").read_text()
    (command,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    words = command.removeprefix("ExecStart=").split()
    assert words[:2] == ["/opt/conductor/bin/conductor", "deliver"]
    options = [word for word in words if word.startswith("--")]
    assert options == ["--broker", "--sinks", "--app-id", "--web-host", "--web-port"]
    listed = conductor("deliver", "--help", env={"COLUMNS": "200"})
    assert listed.returncode == 0, listed.stderr
    for option in options:
        assert option in listed.stdout, option


def test_the_readme_s_sinks_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example in the README, checked as `conductor` checks a file."""
    from conductor.sinks.config import parse_sinks

    readme = (ROOT / "README.md").read_text()
    block = readme.split("```yaml\nsinks:", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("CONDUCTOR_HOOK_SECRET", SECRET)
    monkeypatch.setenv("PLATFORM_CHAT_URL", "https://chat.example/hooks/1")
    sinks = parse_sinks(yaml.safe_load("sinks:" + block), "README.md")
    assert [sink.type for sink in sinks] == ["webhook", "slack", "jsonl", "stdout", "kafka"]


def test_the_readme_s_answer_on_kafka_and_its_secret_recipe_are_valid() -> None:
    from conductor.sinks.config import secret_problem
    from schemas import EVENT_ADAPTER

    readme = " ".join((ROOT / "README.md").read_text().split())
    answer = readme.split("`echo '", 1)[1].split("' | conductor publish", 1)[0]
    event = EVENT_ADAPTER.validate_json(answer)
    assert (event.type, event.data.cue) == ("cue.acknowledged", "CUE")
    recipe = readme.split('`python -c "', 1)[1].split('"`', 1)[0]
    made = subprocess.run(
        [sys.executable, "-c", recipe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert made.startswith("whsec_") and secret_problem(made) is None


def test_a_rehearsal_shows_when_quiet_hours_deliver_each_cue(tmp_path: Path) -> None:
    score = yaml.safe_load((ROOT / "examples" / "score.yaml").read_text())
    score["tempo"]["quiet_hours"] = {"start": "19:00", "end": "08:00", "days_off": ["SA", "SU"]}
    path = tmp_path / "quiet.yaml"
    path.write_text(yaml.safe_dump(score), encoding="utf-8")
    events = str(ROOT / "examples" / "events.jsonl")
    jsonl = conductor("rehearse", str(path), "--events", events, "--format", "jsonl")
    assert jsonl.returncode == 0, jsonl.stderr
    cues = [json.loads(line) for line in jsonl.stdout.splitlines()]
    (saturday,) = [c for c in cues if c["at"].startswith("2026-03-21") and c["kind"] == "hold"]
    assert (saturday["at"], saturday["deliver_at"]) == (
        "2026-03-21T08:27:00Z",
        "2026-03-23T07:00:00Z",
    )
    plain = conductor("rehearse", str(ROOT / "examples" / "score.yaml"), "--events", events)
    reminders = [c for c in cues if c["at"].startswith("2026-03-2") and "T08:20" in c["at"]]
    assert len(reminders) == 6, "a stand-up's reminder, 09:20 local, Monday to Friday"
    assert not any("deliver_at" in c for c in reminders), "in working hours: at once"
    table = conductor("rehearse", str(path), "--events", events)
    assert "delivered" in table.stdout and "2026-03-23 08:00" in table.stdout
    assert "delivered" not in plain.stdout
