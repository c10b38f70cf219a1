"""`conductor dashboards publish`, run as a user runs it, against a loopback server speaking
Grafana's HTTP API (tests/integration/grafana_api.py): what it sends, that a second run sends
nothing, and one clear line for every way it can fail."""

import json
import subprocess
from collections.abc import Iterator

import pytest
from grafana_api import ADMIN_TOKEN, BASIC, VIEWER_TOKEN, GrafanaAPI
from kafka_broker import CONDUCTOR
from local_processes import free_port

from dashboards.build import generate

PROMETHEUS = "http://prometheus:9090"


@pytest.fixture
def grafana() -> Iterator[GrafanaAPI]:
    api = GrafanaAPI(free_port()).start()
    yield api
    api.stop()


def publish(grafana: GrafanaAPI, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONDUCTOR), "dashboards", "publish", "--grafana-url", grafana.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_first_run_creates_everything_and_the_second_changes_nothing(
    grafana: GrafanaAPI,
) -> None:
    first = publish(grafana, "--token", ADMIN_TOKEN, "--prometheus-url", PROMETHEUS)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("updated") == 5  # the datasource, the folder, three dashboards
    writes = grafana.writes()
    assert all(w.authorization == f"Bearer {ADMIN_TOKEN}" for w in grafana.requests)
    (datasource,) = [w for w in writes if w.path == "/api/datasources"]
    assert datasource.method == "POST"
    assert datasource.body["type"] == "prometheus" and datasource.body["url"] == PROMETHEUS
    assert datasource.body["access"] == "proxy" and datasource.body["uid"]
    (folder,) = [w for w in writes if w.path == "/api/folders"]
    assert folder.body == {"title": "Conductor"}
    (folder_uid,) = grafana.folders
    saved = [w for w in writes if w.path == "/api/dashboards/db"]
    generated = {uid: json.loads(text) for uid, text in generate().items()}
    assert {w.body["dashboard"]["uid"] for w in saved} == set(generated)
    for write in saved:
        body = write.body
        assert body["folderUid"] == folder_uid and body["overwrite"] is True
        assert body["message"].startswith("conductor dashboards publish ")
        assert body["dashboard"] == {**generated[body["dashboard"]["uid"]], "id": None}

    before = len(grafana.requests)
    second = publish(grafana, "--token", ADMIN_TOKEN, "--prometheus-url", PROMETHEUS)
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("nothing changed")
    assert all(r.method == "GET" for r in grafana.requests[before:])
    assert len(writes) == len(grafana.writes())


def test_a_wrong_token_is_one_line_about_401(grafana: GrafanaAPI) -> None:
    answer = publish(grafana, "--token", "glsa_wrong")
    assert answer.returncode == 1
    assert answer.stderr.strip().splitlines() == [
        "error: Grafana answered 401 Unauthorized: the token or the user and password are wrong"
    ]
    assert not grafana.writes()


def test_a_missing_permission_is_one_line_about_403(grafana: GrafanaAPI) -> None:
    answer = publish(grafana, "--token", VIEWER_TOKEN)
    assert answer.returncode == 1
    (line,) = answer.stderr.strip().splitlines()
    assert line.startswith("error: Grafana answered 403 Forbidden: the credentials lack")
    assert grafana.writes() and not grafana.folders  # it tried, and nothing was created


def test_an_unreachable_grafana_is_one_line() -> None:
    answer = subprocess.run(
        [
            str(CONDUCTOR),
            "dashboards",
            "publish",
            "--grafana-url",
            f"http://127.0.0.1:{free_port()}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 1
    (line,) = answer.stderr.strip().splitlines()
    assert line.startswith("error: cannot reach Grafana:")


def test_basic_auth_works_and_half_of_it_is_refused(grafana: GrafanaAPI) -> None:
    assert publish(grafana, "--user", BASIC[0], "--password", BASIC[1]).returncode == 0
    assert grafana.requests[0].authorization.startswith("Basic ")
    half = publish(grafana, "--user", BASIC[0])
    assert half.returncode == 1
    assert half.stderr.strip() == "error: --user and --password go together"


@pytest.mark.parametrize("bare", [False, True], ids=["grafana-11-versions", "older-versions"])
def test_a_dashboard_changed_by_hand_is_refused_unless_overwrite(
    grafana: GrafanaAPI, bare: bool
) -> None:
    grafana.bare_version_list = bare
    assert publish(grafana, "--token", ADMIN_TOKEN).returncode == 0
    grafana.save_by_hand("conductor-tempo", "Our tempo")
    before = len(grafana.writes())
    refused = publish(grafana, "--token", ADMIN_TOKEN)
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert "'conductor-tempo' was changed in Grafana since the last publish" in line
    assert "--overwrite" in line
    assert len(grafana.writes()) == before
    assert grafana.dashboards["conductor-tempo"]["dashboard"]["title"] == "Our tempo"

    replaced = publish(grafana, "--token", ADMIN_TOKEN, "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert "updated dashboard 'conductor-tempo'" in replaced.stdout
    assert grafana.dashboards["conductor-tempo"]["dashboard"]["title"] == "Conductor: tempo"


def test_a_dashboard_we_published_before_is_updated_without_overwrite(
    grafana: GrafanaAPI,
) -> None:
    """A newer Conductor's dashboard replaces the one an older publish saved."""
    assert publish(grafana, "--token", ADMIN_TOKEN).returncode == 0
    with grafana.lock:
        grafana.dashboards["conductor-alignment"]["dashboard"]["description"] = "older"
    answer = publish(grafana, "--token", ADMIN_TOKEN)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[0] == "updated dashboard 'conductor-alignment'"


def test_a_datasource_pointing_elsewhere_is_updated(grafana: GrafanaAPI) -> None:
    assert publish(grafana, "--token", ADMIN_TOKEN, "--prometheus-url", PROMETHEUS).returncode == 0
    moved = "http://prometheus.internal:9090"
    answer = publish(grafana, "--token", ADMIN_TOKEN, "--prometheus-url", moved)
    assert answer.returncode == 0, answer.stderr
    (update,) = [w for w in grafana.writes() if w.method == "PUT"]
    assert update.path.startswith("/api/datasources/uid/") and update.body["url"] == moved
    assert answer.stdout.startswith("updated datasource")
