"""The deploy kit, validated offline: Prometheus's configs and rules with promtool, the compose
file against the Compose Specification's schema, the Kubernetes manifests against the
Kubernetes schemas, and every path a file provisions from pointing at something that exists.
(No container engine runs here: nothing is started; deploy/README.md says so.)"""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import kubernetes_validate
import pytest
import yaml

from dashboards.build import JSON_DIR

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.33.0"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def promtool(*args: str, cwd: Path = DEPLOY / "prometheus") -> str:
    done = subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_rules_check_and_their_unit_tests_pass() -> None:
    assert "SUCCESS: 17 rules found" in promtool("check", "rules", "rules.yml")
    assert "SUCCESS" in promtool("test", "rules", "rules.test.yml")


def test_promtool_test_rules_fails_a_wrong_expectation(tmp_path: Path) -> None:
    """The rule tests can fail: an alert expected where the rules fire none."""
    shutil.copy(DEPLOY / "prometheus" / "rules.yml", tmp_path)
    tests = yaml.safe_load((DEPLOY / "prometheus" / "rules.test.yml").read_text())
    case = tests["tests"][0]
    case["alert_rule_test"][0]["exp_alerts"] = [{"exp_labels": {"ensemble": "nobody"}}]
    tests["tests"] = [case]
    (tmp_path / "rules.test.yml").write_text(yaml.safe_dump(tests))
    done = subprocess.run(
        [PROMTOOL, "test", "rules", "rules.test.yml"], cwd=tmp_path, capture_output=True
    )
    assert done.returncode != 0


def test_the_compose_stacks_prometheus_config_checks() -> None:
    found = promtool("check", "config", "prometheus.yml")
    assert "is valid prometheus config file syntax" in found


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def test_the_kubernetes_prometheus_config_checks(tmp_path: Path) -> None:
    """Checked beside the rules, as the ConfigMap made of the two files holds them, and the
    read-only token's file, as the conductor-api Secret mounted beside them holds it."""
    shutil.copy(KUBERNETES / "prometheus.yml", tmp_path)
    shutil.copy(DEPLOY / "prometheus" / "rules.yml", tmp_path)
    config = yaml.safe_load((KUBERNETES / "prometheus.yml").read_text(encoding="utf-8"))
    (api,) = [job for job in config["scrape_configs"] if job["job_name"] == "conductor"]
    token = tmp_path / api["authorization"]["credentials_file"]
    assert token.parts[-2:] == ("conductor-api", "read-token")
    token.parent.mkdir()
    token.write_text("a-read-token", encoding="utf-8")
    assert "valid prometheus config" in promtool("check", "config", "prometheus.yml", cwd=tmp_path)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


COMPOSE_SCHEMA = json.loads((DEPLOY / "compose" / "compose-spec.schema.json").read_text())


def test_the_compose_file_follows_the_compose_specification() -> None:
    jsonschema.Draft202012Validator(COMPOSE_SCHEMA).validate(compose())
    services = compose()["services"]
    assert {"kafka", "worker-1", "worker-2", "api", "prometheus", "grafana", "webhook"} <= set(
        services
    )
    assert "KRaft" in COMPOSE.read_text() and "broker,controller" in json.dumps(services["kafka"])


def test_the_compose_schema_refuses_what_compose_would() -> None:
    broken = compose()
    broken["services"]["api"]["comand"] = ["run"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(COMPOSE_SCHEMA).validate(broken)


def mounts(service: dict[str, Any]) -> dict[str, Path]:
    """A service's bind mounts: container path -> host path."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            found[target] = (COMPOSE.parent / source).resolve()
    return found


def test_every_path_the_stack_provisions_from_exists() -> None:
    services = compose()["services"]
    grafana = mounts(services["grafana"])
    provisioning = grafana["/etc/grafana/provisioning"]
    datasources = yaml.safe_load((provisioning / "datasources" / "conductor.yml").read_text())
    (datasource,) = datasources["datasources"]
    assert urlparse(datasource["url"]).hostname in services
    providers = yaml.safe_load((provisioning / "dashboards" / "conductor.yml").read_text())
    (provider,) = providers["providers"]
    dashboards = grafana[provider["options"]["path"]]
    assert dashboards == JSON_DIR.resolve()
    assert {path.name for path in dashboards.glob("*.json")} == {
        "conductor-alignment.json",
        "conductor-tempo.json",
        "conductor-operations.json",
    }
    prometheus_dir = mounts(services["prometheus"])["/etc/prometheus"]
    config = yaml.safe_load((prometheus_dir / "prometheus.yml").read_text())
    for rules in config["rule_files"]:
        assert (prometheus_dir / rules).is_file()
    for job in config["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            assert target.split(":")[0] in services, target
    api = services["api"]["command"]
    score = api[api.index("--score") + 1]
    assert (ROOT / "examples" / Path(score).name).is_file() and score.startswith("/opt/conductor")
    webhook = urlparse(api[api.index("--webhook") + 1]).hostname
    assert webhook in services


def test_the_dockerfile_copies_what_exists_and_runs_as_conductor_not_root() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.MULTILINE):
        *sources, _ = line.split()
        for source in sources:
            assert (ROOT / source).exists(), source
    assert re.search(r"^USER 10001", text, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["conductor"]' in text and "-slim" in text


MANIFESTS = sorted(KUBERNETES.glob("*.yaml"))


@pytest.mark.parametrize("path", MANIFESTS, ids=[path.name for path in MANIFESTS])
def test_every_kubernetes_manifest_validates_against_the_kubernetes_schemas(path: Path) -> None:
    for document in documents(path):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_validator_refuses_a_wrong_field() -> None:
    (_, deployment, _) = documents(KUBERNETES / "api.yaml")
    deployment["spec"]["replica"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def workloads() -> list[dict[str, Any]]:
    return [
        document
        for path in MANIFESTS
        for document in documents(path)
        if document["kind"] in ("Deployment", "StatefulSet")
    ]


def test_workers_keep_their_store_on_a_volume_and_every_container_is_probed() -> None:
    kinds = {workload["kind"]: workload for workload in workloads()}
    workers = kinds["StatefulSet"]
    (claim,) = workers["spec"]["volumeClaimTemplates"]
    (container,) = workers["spec"]["template"]["spec"]["containers"]
    mounted = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    store = container["args"][container["args"].index("--store") + 1]
    assert store.removeprefix("rocksdict://").startswith(mounted[claim["metadata"]["name"]])
    for workload in workloads():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            assert container["resources"]["requests"]["cpu"]
            assert container["resources"]["requests"]["memory"]
            for probe in ("readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"]["path"] == "/healthz"
            assert workload["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
