"""The report's plots, drawn with matplotlib (Agg, no display) into PNG bytes.

Each function takes the figures of `report.json` (and for distributions the runs) and returns
one PNG; the HTML embeds them as data URIs, so the report needs no network and no files.
"""

import io
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from conductor.rehearsal.outcomes import Outcomes

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.tight_layout()
    figure.savefig(out, format="png", dpi=90)
    plt.close(figure)
    return out.getvalue()


def burnup(summary: dict[str, Any]) -> bytes:
    """Per section: items done over time, the runs' P50 line and P5-P95 / P15-P85 fans."""
    sections = summary["burnup"]
    figure, axes = plt.subplots(1, len(sections), figsize=(4.2 * len(sections), 3.2), squeeze=False)
    for axis, (section, fan) in zip(axes[0], sections.items(), strict=True):
        days = np.arange(len(fan["p50"]))
        axis.fill_between(days, fan["p5"], fan["p95"], alpha=0.2, color="tab:blue", label="P5-P95")
        axis.fill_between(
            days, fan["p15"], fan["p85"], alpha=0.35, color="tab:blue", label="P15-P85"
        )
        axis.plot(days, fan["p50"], color="tab:blue", label="P50")
        axis.axhline(fan["scope"], color="black", linestyle="--", linewidth=1, label="scope")
        if fan["simulated_from"]:
            axis.axvline(fan["simulated_from"], color="grey", linestyle=":", label="log ends")
        axis.set_title(f"burn-up: {section}")
        axis.set_xlabel(f"days since {fan['first_day']}")
        axis.set_ylabel("items done")
        axis.legend(fontsize=7, loc="upper left")
    return _png(figure)


def finish_dates(summary: dict[str, Any], outcomes: Outcomes) -> bytes:
    """Per milestone and commitment: the runs' finish days as a box, its due date as a bar."""
    rows = [(m["id"], (m["id"],), m["due"]) for m in summary["milestones"]]
    rows += [
        (f"commitment {c['id']}", tuple(c["milestones"]), c["by"]) for c in summary["commitments"]
    ]
    starts = date.fromisoformat(outcomes.plan.score.starts.isoformat())
    figure, axis = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.2))
    for position, (_, milestones, due) in enumerate(rows):
        finish = outcomes.finish_days(milestones)
        done = finish[np.isfinite(finish)]
        if done.size:
            axis.boxplot(done, positions=[position], vert=False, widths=0.6, whis=(5, 95))
        due_day = (date.fromisoformat(due) - starts).days
        axis.plot([due_day, due_day], [position - 0.4, position + 0.4], color="red", linewidth=2)
        late = 1 - done.size / max(1, finish.size)
        if late:
            axis.text(due_day, position + 0.3, f" {late:.0%} not done", fontsize=7, color="grey")
    axis.set_yticks(range(len(rows)), [label for label, _, _ in rows])
    axis.set_xlabel(f"days since {starts.isoformat()} (box: runs' finish, red: due)")
    axis.set_title("finish dates against due dates")
    return _png(figure)


def commitments(summary: dict[str, Any]) -> bytes:
    """Each commitment's probability of being met, against the confidence it asks for."""
    found = summary["commitments"]
    figure, axis = plt.subplots(figsize=(6, 0.6 * max(1, len(found)) + 1.2))
    names = [c["id"] for c in found]
    probabilities = [c["probability"] for c in found]
    colours = ["tab:green" if c["meets_confidence"] else "tab:red" for c in found]
    axis.barh(range(len(found)), probabilities, color=colours)
    for position, commitment in enumerate(found):
        confidence = commitment["confidence"]
        axis.plot([confidence] * 2, [position - 0.4, position + 0.4], color="black", linewidth=2)
    axis.set_yticks(range(len(found)), names)
    axis.set_xlim(0, 1)
    axis.set_xlabel("probability of meeting the date (black: committed confidence)")
    axis.set_title("commitments")
    return _png(figure)


def cue_volume(summary: dict[str, Any]) -> bytes:
    """Cues per recipient per week (mean over runs), against the weekly cue budget."""
    cues = summary["cues"]
    weeks = -(-summary["days"] // 7)
    per: dict[str, list[float]] = {}
    for row in cues["per_recipient_week"]:
        series = per.setdefault(row["recipient"], [0.0] * weeks)
        if 0 <= row["week"] < weeks:
            series[row["week"]] = row["mean"]
    figure, axis = plt.subplots(figsize=(9, 3.6))
    for recipient, series in sorted(per.items()):
        axis.plot(range(1, weeks + 1), series, marker=".", label=recipient)
    axis.axhline(cues["budget_per_week"], color="red", linestyle="--", label="weekly budget")
    axis.set_xlabel("week of the rehearsal")
    axis.set_ylabel("cues (mean over runs)")
    axis.set_title("cue volume per recipient (digests not counted)")
    axis.legend(fontsize=7, ncol=2, loc="upper right")
    return _png(figure)


def cadence_calendar(summary: dict[str, Any]) -> bytes:
    """The first two weeks of ceremonies on a weekday x hour grid, one colour per cadence."""
    load = summary["cadence_load"]
    hours = {c["id"]: c["hours"] for c in load["cadences"]}
    first = date.fromisoformat(summary["start"])
    colours = plt.get_cmap("tab10")
    index = {c["id"]: i for i, c in enumerate(load["cadences"])}
    figure, axis = plt.subplots(figsize=(9, 3.8))
    for row in load["first_occurrences"]:
        at = _parse(row["at"])
        offset = (at[0] - first).days
        if not 0 <= offset < 14:
            continue
        colour = colours(index[row["cadence"]] % 10)
        axis.bar(offset, hours[row["cadence"]], bottom=at[1], width=0.8, color=colour, alpha=0.8)
    for cadence, i in index.items():
        axis.bar(0, 0, color=colours(i % 10), label=cadence)
    axis.set_xticks(
        range(14), [f"{WEEKDAYS[(first + timedelta(days=d)).weekday()]}" for d in range(14)]
    )
    axis.set_ylim(18, 7)
    axis.set_ylabel("hour of the day")
    axis.set_title("cadence calendar: the first two weeks")
    axis.legend(fontsize=7, loc="lower right")
    return _png(figure)


def _parse(iso: str) -> tuple[date, float]:
    day, _, clock = iso.partition("T")
    hour, minute = clock[:5].split(":")
    return date.fromisoformat(day), int(hour) + int(minute) / 60


def calibration(backtest: dict[str, Any]) -> bytes:
    """The back-test: the share of actual finishes on or before the P50 and P85 forecasts."""
    figure, axis = plt.subplots(figsize=(4.5, 4.2))
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", label="calibrated")
    nominal = [0.5, 0.85]
    observed = [backtest["share_on_or_before_p50"], backtest["share_on_or_before_p85"]]
    points = [(n, o) for n, o in zip(nominal, observed, strict=True) if o is not None]
    if points:
        axis.plot(*zip(*points, strict=True), marker="o", color="tab:blue", label="forecast")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("forecast quantile (P50, P85)")
    axis.set_ylabel("share of finishes on or before it")
    axis.set_title(f"calibration over {backtest['predictions']} forecasts")
    axis.legend(fontsize=8, loc="upper left")
    return _png(figure)


def comparison(compared: dict[str, Any]) -> bytes:
    """Both scores' probabilities side by side, marked differences starred."""
    rows = [(f"commitment {c['id']}", c["probability"]) for c in compared["commitments"]]
    rows += [(m["id"], m["probability"]) for m in compared["milestones"]]
    figure, axis = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    positions = np.arange(len(rows))
    names = compared["scores"]
    axis.barh(positions - 0.2, [r[1]["a"] for r in rows], height=0.4, label=names[0])
    axis.barh(positions + 0.2, [r[1]["b"] for r in rows], height=0.4, label=names[1])
    axis.set_yticks(
        positions, [f"{label}{' *' if value['marked'] else ''}" for label, value in rows]
    )
    axis.set_xlim(0, 1)
    axis.set_xlabel("probability of meeting the date (*: beyond the runs' noise)")
    axis.set_title("compare")
    axis.legend(fontsize=8)
    return _png(figure)
