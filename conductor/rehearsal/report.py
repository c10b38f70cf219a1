"""`rehearse --report DIR`: `DIR/report.json` and `DIR/report.html`, the same figures twice.

The HTML is one self-contained page a team can read: tables of the figures and the plots
(`conductor.rehearsal.plots`) embedded as PNG data URIs, no script, nothing fetched.
"""

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0 1.4em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td.number { text-align: right; }
tr.marked td { background: #fff3c4; }
img.plot { display: block; max-width: 100%; margin: 0.4em 0 1.6em; }
.note { color: #666; font-size: 0.9em; }
"""


Plot = tuple[str, bytes]
"""(a caption, the PNG)"""


def write_report(
    directory: Path, data: dict[str, Any], sections: Sequence[str], plots: Sequence[Plot]
) -> None:
    """Write `report.json` (`data`) and `report.html` (the HTML `sections`, then the plots)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(
        json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    images = "\n".join(
        f'<figure><img class="plot" alt="{html.escape(caption)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for caption, png in plots
    )
    title = html.escape(data.get("title") or data.get("score") or "rehearsal")
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Rehearsal: {title}</title><style>{STYLE}</style></head><body>"
        f"<h1>Rehearsal: {title}</h1>{''.join(sections)}<h2>Plots</h2>{images}</body></html>\n"
    )
    (directory / "report.html").write_text(page, encoding="utf-8")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], marked: Sequence[bool] = ()
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(_cell(value) for value in row)
        flag = ' class="marked"' if index < len(marked) and marked[index] else ""
        body.append(f"<tr{flag}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="number">{value:.3g}</td>'
    if isinstance(value, int):
        return f'<td class="number">{value}</td>'
    return f"<td>{html.escape('—' if value is None else str(value))}</td>"


def heading(text: str, note: str = "") -> str:
    extra = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return f"<h2>{html.escape(text)}</h2>{extra}"


def simulation_sections(summary: dict[str, Any]) -> list[str]:
    """The tables of a simulated rehearsal."""
    cues = summary["cues"]
    load = summary["cadence_load"]
    paths = summary["critical_path"]
    return [
        f'<p class="note">{summary["runs"]} simulated runs of score '
        f"{html.escape(summary['score'])} "
        f"from {summary['start']} for {summary['days']} days (seed {summary['seed']}"
        f"{', fitted from a recorded log' if summary['from_log'] else ', default model'}).</p>",
        heading("Commitments"),
        table(
            (
                "commitment",
                "by",
                "confidence",
                "probability",
                "P50",
                "P85",
                "P95",
                "breaks most at",
            ),
            [
                (
                    c["id"],
                    c["by"],
                    c["confidence"],
                    c["probability"],
                    c["p50"],
                    c["p85"],
                    c["p95"],
                    c["breaks_at"][0]["milestone"] if c["breaks_at"] else None,
                )
                for c in summary["commitments"]
            ],
            [not c["meets_confidence"] for c in summary["commitments"]],
        ),
        heading(
            "Milestones",
            "P50/P85/P95: finish dates in that share of runs (— : not within the simulated days).",
        ),
        table(
            ("milestone", "section", "due", "probability", "P50", "P85", "P95"),
            [
                (m["id"], m["section"], m["due"], m["probability"], m["p50"], m["p85"], m["p95"])
                for m in summary["milestones"]
            ],
        ),
        heading("Critical path"),
        table(
            ("path", "share of runs"),
            [("planned: " + " > ".join(paths["planned"]), None)]
            + [(" > ".join(row["path"]), row["share"]) for row in paths["observed"]],
        ),
        heading(
            "Cues",
            f"Daily budget {cues['budget_per_day']} per recipient; "
            f"{cues['folded_per_run']} cues per run folded into digests.",
        ),
        table(("kind", "cues per run"), sorted(cues["per_kind_per_run"].items())),
        heading("Cadence load", "Hours in ceremonies per week per section."),
        table(
            ("section", "planned", "held (mean)"),
            [
                (s, hours, load["held_hours_per_week"].get(s))
                for s, hours in load["planned_hours_per_week"].items()
            ],
        ),
    ]


def comparison_sections(compared: dict[str, Any]) -> list[str]:
    rows, marks = [], []
    for group in ("commitments", "milestones"):
        for row in compared[group]:
            for figure in ("probability", "finish_day"):
                value = row[figure]
                rows.append(
                    (
                        f"{group[:-1]} {row['id']}",
                        figure,
                        value["a"],
                        value["b"],
                        value["difference"],
                        value["standard_error"],
                    )
                )
                marks.append(value["marked"])
    for group in ("cues_per_run", "cadence_hours_per_week"):
        for name, value in compared[group].items():
            rows.append(
                (group, name, value["a"], value["b"], value["difference"], value["standard_error"])
            )
            marks.append(value["marked"])
    a, b = compared["scores"]
    return [
        heading(f"Compare: {a} (A) and {b} (B)", compared["noise"] + " (highlighted)."),
        table(("what", "figure", "A", "B", "B - A", "standard error"), rows, marks),
    ]


def backtest_sections(figures: dict[str, Any]) -> list[str]:
    return [
        heading(
            "Back-test of the forecast",
            "At every cycle boundary of the log, the forecast then of each milestone later "
            "reached, against the day it was reached. A calibrated forecast has about 50% of "
            "finishes on or before its P50 and 85% on or before its P85.",
        ),
        table(
            (
                "forecasts",
                "milestones",
                "on or before P50",
                "on or before P85",
                "mean error (days)",
                "mean absolute error (days)",
            ),
            [
                (
                    figures["predictions"],
                    figures["milestones"],
                    figures["share_on_or_before_p50"],
                    figures["share_on_or_before_p85"],
                    figures["mean_error_days"],
                    figures["mean_absolute_error_days"],
                )
            ],
        ),
    ]
