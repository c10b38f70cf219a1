"""Schemathesis against the embedded runtime's own OpenAPI document, over real HTTP: every
operation, valid and invalid requests, every check (no 5xx, status codes, content types,
headers and bodies as documented, invalid requests refused, valid ones accepted, the token
enforced), in every phase (examples, coverage, fuzzing, stateful). Bounded and
deterministic: derandomized generation, one worker, a few dozen examples per operation.

Run as `schemathesis run` in a subprocess: its pytest plugin (`schemathesis.pytest`) does
not run on pytest 9 (it sets `Node._nodeid`, which pytest 9 no longer has)."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
from runtime_servers import EXAMPLES, InProcessRuntime
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
WRITE = "fuzz-write"
AS_WRITER = {"Authorization": f"Bearer {WRITE}"}
REFUSED_ON_MEANING = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"""`positive_data_acceptance`'s own defaults (less 5xx: a server error is never fine) plus
422, on the operations that check more than their JSON Schema can say: an event the
ensemble's state refuses (an unknown ensemble or milestone, a score whose references do not
resolve, a timezone that is not an IANA name) and a snooze `until` before the cue's own
time are schema-valid and rightly refused 422, naming the field."""
CONFIG = """
[generation]
deterministic = true
max-examples = 30

[checks]
enabled = true

[parameters]
"path.ensemble" = {{ dictionary = "ensembles", probability = 0.5 }}
"path.cue_id" = {{ dictionary = "cues", probability = 0.5 }}

[dictionaries.ensembles]
values = ["harbor"]

[dictionaries.cues]
values = {cues}

[[operations]]
include-path = "/events"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = {refused}

[[operations]]
include-path = "/cues/{{cue_id}}/snooze"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = {refused}
"""
"""Half the ensembles and cue ids the generator draws are those of the example log, so the
figures, the feed and the answers to cues are fuzzed too, not only their 404s."""


def test_the_runtime_answers_as_its_openapi_document_says(tmp_path: Path) -> None:
    config = settings(
        tmp_path, api_token=WRITE, api_read_token="fuzz-read", github_webhook_secret="fuzz-gh"
    )
    with InProcessRuntime(config, BEFORE_THE_SCORE) as server:
        posted = httpx.post(
            f"{server.url}/events",
            content=(EXAMPLES / "events.jsonl").read_bytes(),
            headers={**NDJSON, **AS_WRITER},
        )
        assert posted.status_code == 200, posted.text
        page = httpx.get(f"{server.url}/cues", params={"limit": 5}, headers=AS_WRITER).json()
        cues = [cue["id"] for cue in page["cues"]]
        assert len(cues) == 5
        found = CONFIG.format(cues=json.dumps(cues), refused=json.dumps(REFUSED_ON_MEANING))
        (tmp_path / "schemathesis.toml").write_text(found, encoding="utf-8")
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--no-color",
                "--config-file",
                str(tmp_path / "schemathesis.toml"),
                "run",
                f"{server.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {WRITE}",
                "--checks",
                "all",
                "--workers",
                "1",
                "--suppress-health-check",
                "all",  # too_slow and the like time the generator: flaky on a loaded machine
                "--report-dir",
                str(tmp_path / "report"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "10 selected / 10 total" in run.stdout
