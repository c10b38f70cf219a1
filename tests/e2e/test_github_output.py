"""`conductor run` as an operator starts it, fed every recorded GitHub delivery (and signed
but malformed, unsigned and refused ones): nothing about the people in the payloads reaches
what the process prints (the stdout sink's cue lines, its log on stderr, the log writer's)."""

import json
import os
import subprocess
from pathlib import Path

import httpx
from github_payloads import SCORE, SECRET, all_payloads, deliver, headers, person_values, raw
from local_processes import free_port, stop
from runtime_servers import CONDUCTOR, healthy, wait_for

ORDER = (
    "ping.json",
    "issues.labeled.json",  # before the issue started: refused by the core (422)
    "issues.opened.json",
    "issues.edited.json",
    "issues.labeled.json",
    "issues.opened-unmapped.json",
    "issues.milestoned.json",
    "pull_request.opened.json",
    "issues.closed-not-planned.json",
    "pull_request.closed-unmerged.json",
    "issues.unlabeled.json",
    "pull_request.reopened.json",
    "issues.reopened.json",
    "issues.closed.json",
    "pull_request.closed.json",
)


def test_nothing_about_people_is_printed_or_logged(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(CONDUCTOR), "run", "--score", str(SCORE), "--db", str(tmp_path / "log.db")]
    args += ["--port", str(port), "--clock-start", "2026-03-01T00:00:00Z", "--clock-speed", "0"]
    env = {**os.environ, "CONDUCTOR_GITHUB_WEBHOOK_SECRET": SECRET}
    output_file = tmp_path / "output.txt"
    with output_file.open("wb") as output:
        process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:

        def serving() -> bool:
            assert process.poll() is None, output_file.read_text()
            return healthy(url)

        wait_for(serving, timeout=60, what="conductor run to serve")
        statuses = [deliver(url, name).status_code for name in ORDER]
        assert statuses == [200, 422] + [200] * (len(ORDER) - 2)
        malformed = json.loads(raw("issues.opened.json"))
        malformed["issue"]["created_at"] = "yesterday"
        assert deliver(url, "issues.opened.json", body=json.dumps(malformed).encode()).is_error
        body = raw("pull_request.opened.json")
        unsigned = headers("pull_request", body, secret="not the secret")
        answer = httpx.post(f"{url}/webhooks/github", content=body, headers=unsigned)
        assert answer.status_code == 401
        cues = httpx.get(f"{url}/cues", params={"limit": 10_000}).json()["cues"]
        assert len(cues) > 5, "the deliveries cued: the stdout sink printed lines to search"

        def printed() -> bool:
            lines = output_file.read_text().splitlines()
            return sum(1 for line in lines if line.startswith("cue ")) == len(cues)

        wait_for(printed, what="every cue on the stdout sink")
    finally:
        stop(process)
    text = output_file.read_text()
    assert f"serving http://127.0.0.1:{port}" in text
    payloads = all_payloads()
    people = set().union(*(person_values(document) for document in payloads.values()))
    assert {"Codertocat", "octocat", "monalisa", "octocat@github.com"} <= people
    lowered = text.lower()
    assert sorted(value for value in people if value.lower() in lowered) == []
    words = {
        payloads[name]["issue"][field]
        for name in ORDER
        if name.startswith("issues.")
        for field in ("title", "body")
    }
    assert sorted(value for value in words if value.lower() in lowered) == []
