"""What a panel shows, as plain data (`Figure`), and its rendering with grafana-foundation-sdk.

A figure's `low`/`high` are both its axis range and the sane range of its values: the
integration test holds every query's values on the demo to them.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dashboards.promql import DATASOURCE_VAR
from dashboards.sdk import (
    Builder,
    bargauge,
    common_builder,
    model,
    prometheus,
    stat,
    statetimeline,
    timeseries,
)
from dashboards.sdk import builder as board
from dashboards.sdk import common as common_model

DATASOURCE = common_model.DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VAR}}}")
"""Every panel and query reads the dashboard's Prometheus datasource variable."""


class Kind(StrEnum):
    TIMESERIES = "timeseries"
    BARS = "bars"
    """A time series drawn as bars (counts per interval)."""
    STAT = "stat"
    BARGAUGE = "bargauge"
    TIMELINE = "state-timeline"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False
    """Evaluated once at the end of the time range (for `$__range` windows)."""


@dataclass(frozen=True)
class Mapping:
    value: int
    text: str
    color: str


@dataclass(frozen=True)
class Figure:
    title: str
    description: str
    """What the figure means, and what a team might do when it looks bad."""
    queries: tuple[Query, ...]
    kind: Kind = Kind.TIMESERIES
    unit: str = "short"
    width: int = 12
    height: int = 8
    low: float | None = 0
    high: float | None = None
    mappings: tuple[Mapping, ...] = ()
    steps: tuple[tuple[float | None, str], ...] = ((None, "green"),)
    """Threshold colours from a value up (None: from minus infinity)."""
    dashed: str | None = None
    """A regex of series names drawn dashed: plans, limits and targets."""
    decimals: int | None = None
    no_value: str | None = None
    """What the panel says when no series answers (instead of Grafana's "No data")."""


@dataclass(frozen=True)
class Row:
    title: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Board:
    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    variables: tuple[Builder[model.VariableModel], ...] = field(default=())

    def figures(self) -> list[Figure]:
        return [figure for row in self.rows for figure in row.figures]


def render(figure: Figure, panel_id: int) -> Builder[model.Panel]:
    panel = _panel(figure)  # the SDK's panel builders share no typed base
    panel.id(panel_id).title(figure.title).description(figure.description)
    panel.datasource(DATASOURCE).unit(figure.unit).height(figure.height).span(figure.width)
    if figure.low is not None:
        panel.min(figure.low)
    if figure.high is not None:
        panel.max(figure.high)
    if figure.decimals is not None:
        panel.decimals(figure.decimals)
    if figure.no_value is not None:
        panel.no_value(figure.no_value)
    steps = [model.Threshold(value=value, color=color) for value, color in figure.steps]
    panel.thresholds(board.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(steps))
    if figure.mappings:
        options = {
            str(m.value): model.ValueMappingResult(text=m.text, color=m.color, index=i)
            for i, m in enumerate(figure.mappings)
        }
        panel.mappings([model.ValueMap(options=options)])
    for number, query in enumerate(figure.queries):
        panel.with_target(_target(query, chr(ord("A") + number)))
    built: Builder[model.Panel] = panel
    return built


def _target(query: Query, ref_id: str) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).ref_id(ref_id).datasource(DATASOURCE)
    target.legend_format(query.legend or "__auto")
    return target.instant() if query.instant else target.range()


def _panel(figure: Figure) -> Any:
    """The SDK's panel builder for the figure's kind, with its display options."""
    if figure.kind in (Kind.TIMESERIES, Kind.BARS):
        return _timeseries(figure)
    if figure.kind is Kind.STAT:
        return (
            stat.Panel()
            .text_mode(common_model.BigValueTextMode.VALUE_AND_NAME)
            .color_mode(common_model.BigValueColorMode.VALUE)
            .graph_mode(common_model.BigValueGraphMode.NONE)
            .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        )
    if figure.kind is Kind.BARGAUGE:
        return (
            bargauge.Panel()
            .display_mode(common_model.BarGaugeDisplayMode.BASIC)
            .orientation(common_model.VizOrientation.HORIZONTAL)
            .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        )
    return statetimeline.Panel().show_value(common_model.VisibilityMode.NEVER).fill_opacity(80)


def _timeseries(figure: Figure) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .line_width(2)
        .fill_opacity(10)
        .legend(
            common_builder.VizLegendOptions()
            .show_legend(True)
            .display_mode(common_model.LegendDisplayMode.LIST)
            .placement(common_model.LegendPlacement.BOTTOM)
        )
    )
    if figure.kind is Kind.BARS:
        panel.draw_style(common_model.GraphDrawStyle.BARS).fill_opacity(70).stacking(
            common_builder.StackingConfig().mode(common_model.StackingMode.NORMAL)
        )
    if figure.dashed is not None:
        dash = model.DynamicConfigValue(
            id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}
        )
        panel.override_by_regexp(figure.dashed, [dash])
    return panel
