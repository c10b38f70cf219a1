"""Pictures of the dashboards (`make previews`): every panel drawn with matplotlib from a real
Prometheus, with the panel's own queries, laid out on the dashboard's grid.

The caller answers the queries (`Source`), so this module needs nothing but the dashboards
and matplotlib (a dev dependency, imported only here).
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboards.board import build
from dashboards.panels import Board, Figure, Kind, Query

Series = tuple[dict[str, str], list[tuple[float, float]]]
"""A series' labels and its (time, value) points."""

COLORS = {
    "green": "#37872d",
    "red": "#c4162a",
    "orange": "#fa6400",
    "yellow": "#e0b400",
    "blue": "#1f60c4",
    "purple": "#8f3bb8",
    "text": "#d8d9da",
    "transparent": "#2b2d33",
}
PALETTE = ["#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9",
           "#705da0", "#508642", "#cca300", "#447ebc", "#c15c17", "#890f02", "#0a437c",
           "#6d1f62", "#584477"]  # fmt: skip
BACKGROUND, PANEL, GRID, TEXT = "#111217", "#181b1f", "#2c3235", "#ccccdc"
ROW_PX = 30
"""Grafana's grid row height in pixels."""


@dataclass(frozen=True)
class Source:
    """Answers a panel query, its Grafana variables already replaced."""

    series: Callable[[str], list[Series]]
    """A range query over the picture's time span."""
    last: Callable[[str], list[Series]]
    """An instant query at the span's end."""
    expand: Callable[[str], str]
    """The query as Grafana would send it (variables, `$__range`, `$__rate_interval`)."""
    time_label: str
    time_of: Callable[[float], float] = lambda wall: wall
    """The x value shown for a wall-clock instant (the demo shows its log time)."""
    time_is_date: bool = True


def legend(template: str, labels: dict[str, str]) -> str:
    if template in ("", "__auto"):
        return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m[1], ""), template).strip()


def formatted(value: float, figure: Figure) -> str:
    for mapping in figure.mappings:
        if value == mapping.value:
            return mapping.text
    if not math.isfinite(value):
        return "n/a"
    unit = figure.unit
    if unit == "percentunit":
        return f"{value:.0%}"
    if unit == "s":
        for size, name in ((86_400, "d"), (3600, "h"), (60, "min")):
            if abs(value) >= size:
                return f"{value / size:.1f} {name}"
        return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"
    if unit.startswith("time:"):
        return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%d")
    if unit == "ops":
        return f"{value:.1f}/s"
    if figure.decimals == 0 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}"


def color_of(value: float, figure: Figure) -> str:
    for mapping in figure.mappings:
        if value == mapping.value:
            return COLORS.get(mapping.color, mapping.color)
    chosen = "green"
    for bound, color in figure.steps:
        if bound is None or value >= bound:
            chosen = color
    return COLORS.get(chosen, chosen)


WIDTH_IN = 20.0
ROW_IN = ROW_PX / 72 * 1.25
TITLE_IN, AXIS_IN, LEGEND_IN = 0.32, 0.42, 0.17
NUMBERS_IN, NAMES_IN = 0.62, 1.9
"""Room inside a panel: its title, the x axis, a legend line, y numbers, y names."""


@dataclass(frozen=True)
class Frame:
    """A panel's place in the picture, in inches from the top left."""

    left: float
    top: float
    width: float
    height: float


def render_board(board: Board, source: Source, path: Path) -> dict[str, int]:
    """One PNG of the whole dashboard, its rows and panels where Grafana puts them; returns
    how many series each panel drew."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    built = build(board)
    placed = [
        (p.grid_pos, p.title, getattr(p, "type_val", "row"))
        for p in built.panels or []
        if p.grid_pos is not None  # every built panel has one (the SDK lays them out)
    ]
    rows = max(grid.y + grid.h for grid, _, _ in placed)
    total = rows * ROW_IN + 0.7
    picture = pyplot.figure(figsize=(WIDTH_IN, total), facecolor=BACKGROUND)
    picture.text(0.15 / WIDTH_IN, 1 - 0.1 / total, built.title or "", color=TEXT, fontsize=18,
                 va="top")  # fmt: skip
    figures = {figure.title: figure for figure in board.figures()}
    drawn = {}
    for grid, title, kind in placed:
        frame = Frame(
            grid.x / 24 * WIDTH_IN + 0.05,
            grid.y * ROW_IN + 0.6,
            grid.w / 24 * WIDTH_IN - 0.1,
            grid.h * ROW_IN - 0.1,
        )
        if kind == "row":
            picture.text(frame.left / WIDTH_IN, 1 - (frame.top + 0.3) / total, title or "",
                         color=TEXT, fontsize=13, fontweight="bold")  # fmt: skip
            continue
        drawn[title or ""] = _panel(picture, total, frame, figures[title or ""], source)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.savefig(path, dpi=80, facecolor=BACKGROUND)
    pyplot.close(picture)
    return drawn


def _axes(picture: Any, total: float, frame: Frame, left: float = 0.1, bottom: float = 0.1) -> Any:
    """Axes inside `frame`, `left` and `bottom` inches in, under the panel's title."""
    width = max(frame.width - left - 0.15, 0.5)
    height = max(frame.height - TITLE_IN - bottom - 0.05, 0.3)
    box = (
        (frame.left + left) / WIDTH_IN,
        1 - (frame.top + frame.height - bottom) / total,
        width / WIDTH_IN,
        height / total,
    )
    axes = picture.add_axes(box)
    axes.set_facecolor(PANEL)
    for side in axes.spines.values():
        side.set_color(GRID)
    return axes


def _results(figure: Figure, source: Source, instant: bool) -> list[tuple[Query, Series]]:
    found = []
    for query in figure.queries:
        ask = source.last if instant or query.instant else source.series
        for series in ask(source.expand(query.expr)):
            found.append((query, series))
    return found


def _panel(picture: Any, total: float, frame: Frame, figure: Figure, source: Source) -> int:
    from matplotlib.patches import Rectangle

    picture.patches.append(
        Rectangle(
            (frame.left / WIDTH_IN, 1 - (frame.top + frame.height) / total),
            frame.width / WIDTH_IN,
            frame.height / total,
            transform=picture.transFigure,
            facecolor=PANEL,
            edgecolor=GRID,
            zorder=-1,  # beneath the panel's axes
        )
    )
    picture.text((frame.left + 0.1) / WIDTH_IN, 1 - (frame.top + 0.22) / total, figure.title,
                 color=TEXT, fontsize=11)  # fmt: skip
    instant = figure.kind in (Kind.STAT, Kind.BARGAUGE)
    found = _results(figure, source, instant)
    if figure.kind is Kind.STAT:
        _stat(_axes(picture, total, frame), figure, found)
    elif figure.kind is Kind.BARGAUGE:
        _bars(_axes(picture, total, frame, left=_names_in(figure, found, frame)), figure, found)
    elif figure.kind is Kind.TIMELINE:
        left = _names_in(figure, found, frame)
        _timeline(_axes(picture, total, frame, left, AXIS_IN), figure, found, source)
    else:
        lines = math.ceil(len(found) / _legend_columns(frame)) if found else 0
        axes = _axes(picture, total, frame, NUMBERS_IN, AXIS_IN + lines * LEGEND_IN)
        _lines(axes, figure, found, source, _legend_columns(frame))
    return len(found)


def _names_in(figure: Figure, found: Sequence[tuple[Query, Series]], frame: Frame) -> float:
    """Room for the longest series name left of the bars (at most 45% of the panel)."""
    longest = max((len(name) for name, _ in _names(found)), default=0)
    return min(max(NAMES_IN, longest * 0.085 + 0.2), frame.width * 0.45)


def _legend_columns(frame: Frame) -> int:
    return max(1, int(frame.width // 2.1))


def _names(found: Sequence[tuple[Query, Series]]) -> list[tuple[str, float]]:
    return [(legend(q.legend, labels), points[-1][1]) for q, (labels, points) in found if points]


def _stat(axes: Any, figure: Figure, found: Sequence[tuple[Query, Series]]) -> None:
    named = sorted(_names(found))
    axes.set_xticks([])
    axes.set_yticks([])
    axes.spines[:].set_visible(False)
    width = axes.get_position().width * WIDTH_IN
    longest = max((len(name) for name, _ in named), default=1)
    fits = max(1, int(width // (longest * 0.085 + 0.3)))
    columns = max(1, min(len(named), 4, fits))
    rows = max(1, math.ceil(len(named) / columns))
    for number, (name, value) in enumerate(named):
        x = (number % columns + 0.5) / columns
        y = 1 - (number // columns + 0.5) / rows
        big = 18 if rows <= 2 else 13
        axes.text(x, y + 0.12 / rows, formatted(value, figure), color=color_of(value, figure),
                  fontsize=big, ha="center", va="center", fontweight="bold",
                  transform=axes.transAxes)  # fmt: skip
        axes.text(x, y - 0.26 / rows, name, color=TEXT, fontsize=9, ha="center", va="center",
                  transform=axes.transAxes)  # fmt: skip


def _bars(axes: Any, figure: Figure, found: Sequence[tuple[Query, Series]]) -> None:
    named = sorted(_names(found))
    low = min(figure.low if figure.low is not None else 0.0, 0.0)
    high = figure.high or max([value for _, value in named] + [1.0])
    axes.set_xlim(low, high * 1.18)
    axes.set_xticks([])
    rows = range(len(named))
    axes.barh(rows, [high] * len(named), left=0, color=GRID, height=0.62)  # the unfilled part
    for row, (_, value) in zip(rows, named, strict=True):
        axes.barh(row, value, color=color_of(value, figure), height=0.62)
        axes.text(high * 1.01, row, formatted(value, figure), color=TEXT, fontsize=9,
                  va="center")  # fmt: skip
    axes.set_yticks(list(rows), [name for name, _ in named], fontsize=9, color=TEXT)
    axes.tick_params(length=0)
    axes.set_ylim(max(len(named), 4) - 0.5, -0.5)  # top to bottom; few bars stay slim
    axes.spines[:].set_visible(False)


def _axis(axes: Any, source: Source) -> None:
    axes.tick_params(colors=TEXT, labelsize=8)
    axes.grid(color=GRID, linewidth=0.6)
    axes.set_xlabel(source.time_label, color=TEXT, fontsize=8, labelpad=2)
    if source.time_is_date:
        from matplotlib import dates

        axes.xaxis.set_major_formatter(dates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]


def _x(points: list[tuple[float, float]], source: Source) -> list[Any]:
    shown = [source.time_of(t) for t, _ in points]
    if source.time_is_date:
        return [datetime.fromtimestamp(t, UTC) for t in shown]
    return shown


def _lines(
    axes: Any,
    figure: Figure,
    found: Sequence[tuple[Query, Series]],
    source: Source,
    columns: int,
) -> None:
    _axis(axes, source)
    stacked: dict[float, float] = {}
    for number, (query, (labels, points)) in enumerate(found):
        name = legend(query.legend, labels)
        dashed = figure.dashed is not None and re.fullmatch(figure.dashed, name) is not None
        color = PALETTE[number % len(PALETTE)]
        xs = _x(points, source)
        if figure.kind is Kind.BARS:
            below = [stacked.get(t, 0.0) for t, _ in points]
            above = [base + value for base, (_, value) in zip(below, points, strict=True)]
            stacked.update((t, top) for (t, _), top in zip(points, above, strict=True))
            axes.fill_between(xs, below, above, step="post", color=color, label=name,
                              linewidth=0)  # fmt: skip
        else:
            axes.plot(xs, [value for _, value in points], color=color, linewidth=1.6,
                      linestyle="--" if dashed else "-", label=name)  # fmt: skip
    if figure.unit == "percentunit":
        from matplotlib.ticker import PercentFormatter

        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    elif figure.unit in ("s", "ops"):
        axes.yaxis.set_major_formatter(lambda value, _: formatted(value, figure))
    if figure.low is not None:
        axes.set_ylim(bottom=figure.low)
    if figure.high is not None:
        axes.set_ylim(top=figure.high * 1.05)
    if found:
        axes.legend(fontsize=8, ncols=columns, loc="upper left", bbox_to_anchor=(0, -0.1),
                    facecolor=PANEL, edgecolor=PANEL, labelcolor=TEXT, borderaxespad=0.8,
                    handlelength=1.6, borderpad=0.1, labelspacing=0.25)  # fmt: skip


def _timeline(
    axes: Any, figure: Figure, found: Sequence[tuple[Query, Series]], source: Source
) -> None:
    from matplotlib.patches import Patch

    _axis(axes, source)
    axes.grid(False)
    names = []
    for row, (query, (labels, points)) in enumerate(found):
        names.append(legend(query.legend, labels))
        xs = _x(points, source)
        for start, end, (_, value) in zip(xs, xs[1:], points, strict=False):
            axes.barh(row, end - start, left=start, color=color_of(value, figure), height=0.8)
    axes.set_yticks(range(len(names)), names, fontsize=9, color=TEXT)
    axes.tick_params(axis="y", length=0)
    axes.invert_yaxis()
    handles = [Patch(color=COLORS.get(m.color, m.color), label=m.text) for m in figure.mappings]
    axes.legend(handles=handles, fontsize=8, ncols=len(handles), loc="lower right",
                bbox_to_anchor=(1, 1.0), facecolor=PANEL, edgecolor=PANEL,
                labelcolor=TEXT, borderaxespad=0.1)  # fmt: skip
