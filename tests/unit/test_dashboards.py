"""The generated dashboards: committed as generated, loaded back by Grafana's own SDK, laid
out on the grid, on the Prometheus datasource variable, every name from the catalogue."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conductor.metrics.catalogue import (
    ALLOWED_LABELS,
    BUCKET_LABEL,
    CATALOGUE,
    TARGET_LABELS,
    UP,
    WORKER_ONLY_LABELS,
    Type,
)
from dashboards.build import BOARDS, JSON_DIR, generate, write
from dashboards.panels import Figure
from dashboards.promql import DATASOURCE_VAR, ENSEMBLE_VAR, JOB_VAR, SECTION_VAR
from dashboards.recorded import GROUP, RECORDED
from dashboards.sdk import model, plugins

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
UIDS = {"conductor-alignment", "conductor-tempo", "conductor-operations"}


def loaded() -> dict[str, dict[str, Any]]:
    return {uid: json.loads(text) for uid, text in generate().items()}


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


def test_the_committed_json_is_what_the_code_generates(tmp_path: Path) -> None:
    written = write(tmp_path)
    assert {path.name for path in written} == {f"{uid}.json" for uid in UIDS}
    committed = sorted(JSON_DIR.glob("*.json"))
    assert [path.name for path in committed] == sorted(path.name for path in written)
    for path in written:
        assert (JSON_DIR / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        ), f"{path.name} is stale: run `conductor dashboards build`"


def test_grafanas_sdk_loads_every_dashboard_back_without_losing_a_field() -> None:
    plugins.register_default_plugins()
    encoder = __import__("dashboards.sdk", fromlist=["JSONEncoder"]).JSONEncoder()
    for uid, data in loaded().items():
        dashboard = model.Dashboard.from_json(data)
        assert dashboard.uid == uid
        again = json.loads(encoder.encode(dashboard))
        for link in again["links"]:
            # The SDK fills in a default the generated JSON leaves out on purpose (links
            # above the panels on every Grafana version, not in Grafana 12's controls menu).
            assert link.pop("placement") == "inControlsMenu"
        assert again == data
        for panel in dashboard.panels or []:
            if isinstance(panel, model.RowPanel):
                continue
            # Registered plugins decode each panel's options and queries into their own types.
            plugin = panel.type_val.replace("-", "")
            assert type(panel.options).__module__.endswith(plugin), panel.type_val
            for target in panel.targets or []:
                assert type(target).__module__.endswith("prometheus")


def test_the_three_dashboards_link_to_each_other_and_carry_their_variables() -> None:
    dashboards = loaded()
    assert set(dashboards) == UIDS
    for uid, dashboard in dashboards.items():
        assert dashboard["tags"] == ["conductor"]
        (link,) = dashboard["links"]
        assert link["type"] == "dashboards" and link["tags"] == ["conductor"]
        assert link["keepTime"] and link["includeVars"]
        names = [variable["name"] for variable in dashboard["templating"]["list"]]
        assert names[0] == DATASOURCE_VAR and ENSEMBLE_VAR in names
        expected = {JOB_VAR} if uid == "conductor-operations" else {SECTION_VAR}
        assert expected <= set(names), uid
        for variable in dashboard["templating"]["list"][1:]:
            assert variable["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            if variable["name"] == SECTION_VAR:
                assert variable["includeAll"] and variable["allValue"] == ".*"


def test_panel_ids_are_unique_and_the_grid_has_no_overlap() -> None:
    for uid, dashboard in loaded().items():
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), uid
        taken: set[tuple[int, int]] = set()
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, (uid, panel["title"])
            cells = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert not cells & taken, (uid, panel["title"])
            taken |= cells


def test_every_panel_reads_the_datasource_variable_and_says_what_to_do() -> None:
    datasource = {"type": "prometheus", "uid": f"${{{DATASOURCE_VAR}}}"}
    for uid, dashboard in loaded().items():
        for panel in panels(dashboard):
            assert panel["datasource"] == datasource, (uid, panel["title"])
            assert panel["targets"], (uid, panel["title"])
            for target in panel["targets"]:
                assert target["datasource"] == datasource
            assert len(panel["description"]) > 60, (uid, panel["title"])


def test_every_windowed_query_follows_the_time_picker() -> None:
    """A range selector is `$__rate_interval` or `$__range`, never a fixed window (the
    recording rules hold the fixed ones, and say so in their names)."""
    for board in BOARDS:
        for figure in board.figures():
            for query in figure.queries:
                windows = re.findall(r"\[([^\]]+)\]", query.expr)
                assert set(windows) <= {"$__rate_interval", "$__range"}, query.expr
                if "$__range" in query.expr:
                    assert query.instant, figure.title


METRIC_NAMES = {spec.name for spec in CATALOGUE}
METRIC_NAMES |= {
    f"{spec.name}_{part}"
    for spec in CATALOGUE
    if spec.type is Type.HISTOGRAM
    for part in ("bucket", "sum", "count")
}
RECORDED_NAMES = {rule.record for rule in RECORDED}
LABELS = ALLOWED_LABELS | WORKER_ONLY_LABELS | {BUCKET_LABEL, *TARGET_LABELS}
PROMQL_WORDS = {
    "sum", "max", "min", "by", "on", "and", "or", "unless", "group_left", "rate", "increase",
    "changes", "delta", "deriv", "histogram_quantile", "label_replace", "max_over_time",
    "min_over_time",
}  # fmt: skip


def names_in(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression uses."""
    bare = re.sub(r'"[^"]*"', '""', expr)  # label values and replacement strings out
    bare = re.sub(r"\[[^\]]*\]", "", bare)  # windows out
    labels: set[str] = set()
    for inside in re.findall(r"\{([^}]*)\}", bare):
        labels |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", inside))
    bare = re.sub(r"\{[^}]*\}", "", bare)
    for grouping in re.findall(r"\b(?:by|on)\s*\(([^)]*)\)", bare):
        labels |= {name.strip() for name in grouping.split(",") if name.strip()}
    bare = re.sub(r"\b(?:by|on)\s*\([^)]*\)", "", bare)
    for replaced in re.findall(r"label_replace\((.*)\)", expr):
        labels |= set(re.findall(r',\s*"([A-Za-z_]+)"', replaced))
    if (found := re.fullmatch(r"label_values\((.*),\s*([A-Za-z_]+)\)", bare)) is not None:
        labels.add(found[2])
        bare = found[1]
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare))
    return words - PROMQL_WORDS - {"label_values"}, labels


def all_exprs() -> list[tuple[str, str]]:
    found = [
        (f"{board.uid}: {figure.title}", query.expr)
        for board in BOARDS
        for figure in board.figures()
        for query in figure.queries
    ]
    for dashboard in loaded().values():
        for variable in dashboard["templating"]["list"][1:]:
            found.append((variable["name"], variable["query"]))
    return found


def test_every_query_uses_only_metrics_and_labels_of_the_catalogue() -> None:
    for where, expr in all_exprs():
        metrics, labels = names_in(expr)
        assert metrics <= METRIC_NAMES | RECORDED_NAMES | {UP}, (where, metrics)
        assert labels <= LABELS, (where, labels)


def test_no_panel_counts_a_pilot_scores_shadow_cues() -> None:
    """`conductor run --pilot` counts its cues under `pilot="true"`: nobody received them."""
    reading = [(where, expr) for where, expr in all_exprs() if "conductor_cues_total{" in expr]
    assert reading
    for where, expr in reading:
        for inside in re.findall(r"conductor_cues_total\{([^}]*)\}", expr):
            assert 'pilot!="true"' in inside, (where, expr)


def test_the_name_check_catches_a_name_outside_the_catalogue() -> None:
    assert names_in('sum by (person) (rate(conductor_cues_total{user="x"}[5m]))') == (
        {"conductor_cues_total"},
        {"person", "user"},
    )
    assert names_in("conductor_commits_by_author") == ({"conductor_commits_by_author"}, set())
    assert names_in('label_values(up{job="x"}, author)') == ({"up"}, {"job", "author"})
    assert names_in("up == 0") == ({"up"}, set())


def rules() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return parsed


def test_the_recording_rules_in_rules_yml_are_the_ones_the_panels_read() -> None:
    (group,) = [group for group in rules()["groups"] if group["name"] == GROUP]
    assert [(rule["record"], rule["expr"]) for rule in group["rules"]] == [
        (rule.record, rule.expr) for rule in RECORDED
    ]
    read = {expr for _, expr in all_exprs()}
    for rule in RECORDED:
        assert any(rule.record in expr for expr in read), f"no panel reads {rule.record}"


ALERTS = {
    "ConductorCommitmentInBreakdown",
    "ConductorCadenceMissedTwiceInARow",
    "ConductorBlockerOlderThanHold",
    "ConductorCueDeliveryFailing",
    "ConductorCueDeliveryPending",
    "ConductorConsumerLagGrowing",
    "ConductorRuntimeDown",
    "ConductorWorkerDown",
    "ConductorRuntimeUnhealthy",
}


def alerts() -> list[dict[str, Any]]:
    return [rule for group in rules()["groups"] for rule in group["rules"] if "alert" in rule]


def test_every_alert_says_what_to_do_and_labels_nothing_finer_than_a_role() -> None:
    assert {rule["alert"] for rule in alerts()} == ALERTS
    for rule in alerts():
        annotations = rule["annotations"]
        assert annotations["summary"] and len(annotations["description"]) > 80, rule["alert"]
        metrics, labels = names_in(rule["expr"])
        assert metrics <= METRIC_NAMES | RECORDED_NAMES | {UP}, (rule["alert"], metrics)
        assert labels <= LABELS, (rule["alert"], labels)
        used = set(re.findall(r"\$labels\.([a-z_]+)", json.dumps(annotations)))
        assert used <= LABELS, (rule["alert"], used)


def test_every_alert_has_a_promtool_test_firing_and_one_not_firing() -> None:
    tests = yaml.safe_load((RULES.parent / "rules.test.yml").read_text(encoding="utf-8"))
    fired: set[str] = set()
    quiet: set[str] = set()
    for case in tests["tests"]:
        for check in case.get("alert_rule_test", []):
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fired == ALERTS
    assert quiet == ALERTS


@pytest.mark.parametrize("board", BOARDS, ids=[board.uid for board in BOARDS])
def test_every_figure_fills_its_rows(board: Any) -> None:
    for row in board.rows:
        assert sum(figure.width for figure in row.figures) % 24 == 0, row.title
        assert all(isinstance(figure, Figure) for figure in row.figures)
