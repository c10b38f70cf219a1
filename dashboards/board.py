"""A `Board` as a Grafana dashboard: variables, links to the other Conductor dashboards,
rows and panels, rendered with grafana-foundation-sdk."""

import json

from conductor.metrics.catalogue import ENSEMBLE_LABEL, LOG_TIME, RUNTIME_START, SECTION_LABEL, WIP
from dashboards.panels import DATASOURCE, Board, render
from dashboards.promql import DATASOURCE_VAR, ENSEMBLE_VAR, JOB_LABEL, JOB_VAR, SECTION_VAR
from dashboards.sdk import JSONEncoder, builder, model

TAG = "conductor"
"""Every Conductor dashboard carries it; the links between them follow it."""


def datasource_variable() -> builder.DatasourceVariable:
    return (
        builder.DatasourceVariable(DATASOURCE_VAR)
        .label("Prometheus")
        .type("prometheus")
        .description("The Prometheus that scrapes Conductor.")
    )


def _query_variable(name: str, query: str, label: str, description: str) -> builder.QueryVariable:
    return (
        builder.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(DATASOURCE)
        .query(query)
        .definition(query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
    )


def ensemble_variable(include_all: bool = False) -> builder.QueryVariable:
    variable = _query_variable(
        ENSEMBLE_VAR,
        f"label_values({LOG_TIME.name}, {ENSEMBLE_LABEL})",
        "Ensemble",
        "The team (ensemble) the panels show.",
    )
    if include_all:
        variable.include_all(True).all_value(".*")  # also matches events naming no ensemble
    return variable


def section_variable() -> builder.QueryVariable:
    return (
        _query_variable(
            SECTION_VAR,
            f'label_values({WIP.name}{{{ENSEMBLE_LABEL}=~"${ENSEMBLE_VAR}"}}, {SECTION_LABEL})',
            "Section",
            "A section (sub-team), or All: every shown section and the ensemble as a whole.",
        )
        .include_all(True)
        .all_value(".*")  # also matches the ensemble-wide series, whose section is empty
    )


def job_variable() -> builder.QueryVariable:
    return (
        _query_variable(
            JOB_VAR,
            f"label_values({RUNTIME_START.name}, {JOB_LABEL})",
            "Scrape job",
            "The Prometheus jobs that scrape Conductor runtimes and workers.",
        )
        .include_all(True)
        .multi(True)
    )


def build(spec: Board) -> model.Dashboard:
    dashboard = (
        builder.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags([TAG])
        .editable()
        .time("now-7d", "now")
        .refresh("1m")
        .timezone("browser")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .link(
            builder.DashboardLink("Conductor")
            .type(model.DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(False)
            .include_vars(True)
            .keep_time(True)
        )
    )
    for variable in (datasource_variable(), *spec.variables):
        dashboard.with_variable(variable)
    panel_id = 0
    for row in spec.rows:
        panel_id += 1
        dashboard.with_row(builder.Row(row.title).id(panel_id))
        for figure in row.figures:
            panel_id += 1
            dashboard.with_panel(render(figure, panel_id))
    built = dashboard.build()
    for link in built.links or []:
        # The SDK puts links in Grafana 12's controls menu; unset, every version shows them
        # above the panels.
        link.placement = None  # type: ignore[assignment]
    return built


def to_json(dashboard: model.Dashboard) -> str:
    """The dashboard's JSON as committed: sorted keys, two-space indents, a final newline."""
    data = json.loads(JSONEncoder().encode(dashboard))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
