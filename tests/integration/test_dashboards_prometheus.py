"""Every query of every panel, and every recording rule, against a real Prometheus that
scraped the demo (a real runtime and a real worker): at least one series, every value sane."""

import math
import os
from bisect import bisect_left
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from demo_stack import ENSEMBLE, WORKER_ENSEMBLE, Demo
from prometheus_client.parser import text_string_to_metric_families

from conductor.metrics.catalogue import (
    ALLOWED_LABELS,
    BUCKET_LABEL,
    TARGET_LABELS,
    WORKER,
    WORKER_ONLY_LABELS,
    exposed_by,
)
from dashboards.alignment import ALIGNMENT
from dashboards.build import BOARDS
from dashboards.operations import OPERATIONS
from dashboards.panels import Board, Figure, Query
from dashboards.preview import Series, Source, render_board
from dashboards.promql import ENSEMBLE_VAR, JOB_VAR, SECTION_VAR, expand
from dashboards.recorded import RECORDED
from schemas import CueKind

if TYPE_CHECKING:
    from collections.abc import Callable

RATE_SECONDS = 5
"""`$__rate_interval` as Grafana computes it for a 1 s scrape interval: four intervals, plus."""


def variables(board: Board, ensemble: str) -> dict[str, str]:
    if board is OPERATIONS:
        return {ENSEMBLE_VAR: ".*", JOB_VAR: "conductor|conductor-worker"}
    return {ENSEMBLE_VAR: ensemble, SECTION_VAR: ".*"}


def evaluate(demo: Demo, board: Board, query: Query, ensemble: str = ENSEMBLE) -> list[dict]:
    expr = expand(query.expr, variables(board, ensemble), demo.range_seconds(), RATE_SECONDS)
    return demo.prometheus.query(expr, at=demo.at)


def assert_sane(figure: Figure, query: Query, found: list[dict]) -> None:
    assert found, f"{figure.title!r}: no data for {query.expr}"
    for series in found:
        value = float(series["value"][1])
        assert math.isfinite(value), f"{figure.title!r}: {series}"
        if figure.low is not None:
            assert value >= figure.low - 1e-9, f"{figure.title!r}: {series} below {figure.low}"
        if figure.high is not None:
            assert value <= figure.high + 1e-9, f"{figure.title!r}: {series} above {figure.high}"


PANEL_QUERIES = [
    pytest.param(board, figure, query, id=f"{board.uid}:{figure.title}:{query.legend}")
    for board in BOARDS
    for figure in board.figures()
    for query in figure.queries
]


@pytest.mark.parametrize(("board", "figure", "query"), PANEL_QUERIES)
def test_every_panel_query_shows_sane_data_on_the_demo(
    demo: Demo, board: Board, figure: Figure, query: Query
) -> None:
    assert_sane(figure, query, evaluate(demo, board, query))
    if board is not OPERATIONS:  # the team dashboards work on the Kafka worker's figures too
        assert_sane(figure, query, evaluate(demo, board, query, WORKER_ENSEMBLE))


@pytest.mark.parametrize("rule", RECORDED, ids=[rule.record for rule in RECORDED])
def test_every_recording_rule_records_sane_series(demo: Demo, rule) -> None:  # type: ignore[no-untyped-def]
    found = demo.prometheus.query(rule.record, at=demo.at)
    assert found, rule.record
    assert all(math.isfinite(v := float(s["value"][1])) and v >= 0 for s in found), found


def _cues(url: str) -> list[dict]:
    cues: list[dict] = []
    since = 0
    while page := httpx.get(f"{url}/cues", params={"since": since, "limit": 1000}).json()["cues"]:
        cues += page
        since = httpx.get(f"{url}/cues", params={"since": since, "limit": 1000}).json()["next"]
    return cues


def test_the_cue_counts_shown_equal_the_cues_the_runtime_produced(demo: Demo) -> None:
    """Counted up to the scrape the tests evaluate at: the cues whose instant is not after
    the ensemble's log time at that scrape."""
    (log_time,) = demo.prometheus.query(
        f'conductor_log_time_seconds{{ensemble="{ENSEMBLE}"}}', at=demo.at
    )
    until = float(log_time["value"][1])
    produced: dict[str, int] = {}
    for cue in _cues(demo.runtime.url):
        if _instant(cue["at"]) <= until:
            produced[cue["kind"]] = produced.get(cue["kind"], 0) + 1
    figure = next(f for f in ALIGNMENT.figures() if f.title.endswith("in the time range"))
    (query,) = figure.queries
    shown = {s["metric"]["kind"]: float(s["value"][1]) for s in evaluate(demo, ALIGNMENT, query)}
    moved = {CueKind.ENTRY.value, CueKind.FOCUS_SHIFT.value}
    assert shown == {kind: float(produced.get(kind, 0)) for kind in moved}
    assert shown[CueKind.ENTRY.value] > 0 and shown[CueKind.FOCUS_SHIFT.value] > 0
    total = demo.prometheus.query(
        f'sum(increase(conductor_cues_total{{ensemble="{ENSEMBLE}"}}[{demo.range_seconds()}s]))',
        at=demo.at,
    )
    assert float(total[0]["value"][1]) == sum(produced.values()) > 50


def test_every_team_counter_was_scraped_at_zero_first(demo: Demo) -> None:
    """Each cue and event counter, and each histogram's count, of the demo's ensembles was
    born at 0 before it counted anything: otherwise `increase` would drop its first counts.
    (An ensemble's accepted events are born with its first one, the score's publication.)"""
    ensembles = f'ensemble=~"{ENSEMBLE}|{WORKER_ENSEMBLE}"'
    selector = f'{{__name__=~"conductor_.+(_total|_count)", {ensembles}}}'
    found = demo.prometheus.query(f"{selector}[{demo.range_seconds()}s]", at=demo.at)
    assert len(found) > 200
    born = {}
    for series in found:
        labels = {k: v for k, v in series["metric"].items() if k not in TARGET_LABELS}
        if float(series["values"][0][1]) != 0:
            born[tuple(sorted(labels.items()))] = float(series["values"][0][1])
    accepted = "conductor_events_accepted_total"
    assert born == {
        (("__name__", accepted), ("ensemble", ensemble)): 1.0
        for ensemble in (ENSEMBLE, WORKER_ENSEMBLE)
    }


def _instant(at: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(at).timestamp()


def test_no_scraped_series_has_a_label_outside_the_catalogue(demo: Demo) -> None:
    series = demo.prometheus.query('{__name__=~"conductor_.+"}', at=demo.at)
    workers = {spec.name for spec in exposed_by(WORKER) if spec.runtimes == {WORKER}}
    assert len(series) > 100
    for found in series:
        labels = set(found["metric"]) - {"__name__", BUCKET_LABEL, *TARGET_LABELS}
        allowed = ALLOWED_LABELS | (
            WORKER_ONLY_LABELS if found["metric"]["__name__"] in workers else set()
        )
        assert labels <= allowed, found["metric"]


def test_the_worker_exposes_exactly_its_share_of_the_catalogue(demo: Demo) -> None:
    text = httpx.get(f"http://127.0.0.1:{demo.worker_port}/metrics", timeout=10).text
    families = {
        family.name
        for family in text_string_to_metric_families(text)
        if not family.name.endswith("_created")  # prometheus-client's own, beside each counter
    }
    expected = {spec.name.removesuffix("_total") for spec in exposed_by(WORKER)}
    assert families == expected


def test_both_runtimes_answer_healthz(demo: Demo) -> None:
    worker = httpx.get(f"http://127.0.0.1:{demo.worker_port}/healthz", timeout=10)
    assert worker.status_code == 200 and worker.json() == {"status": "ok"}
    assert httpx.get(f"{demo.runtime.url}/healthz", timeout=10).json()["status"] == "ok"


def _series(found: list[dict]) -> list[Series]:
    if found and "values" in found[0]:
        return [(s["metric"], [(float(t), float(v)) for t, v in s["values"]]) for s in found]
    return [(s["metric"], [(float(s["value"][0]), float(s["value"][1]))]) for s in found]


def _log_time(demo: Demo) -> "Callable[[float], float]":
    """Wall time to the ensemble's log time, read from its own gauge at every scrape."""
    found = demo.prometheus.query_range(
        f'conductor_log_time_seconds{{ensemble="{ENSEMBLE}"}}', demo.began, demo.at, 1
    )
    points = [(float(t), float(v)) for t, v in found[0]["values"]]
    walls = [wall for wall, _ in points]

    def log_time(wall: float) -> float:
        return points[min(bisect_left(walls, wall), len(points) - 1)][1]

    return log_time


def test_the_previews_draw_every_dashboard_from_the_demo(demo: Demo, tmp_path: Path) -> None:
    """`make previews` runs this with CONDUCTOR_PREVIEWS=dashboards/preview."""
    out = Path(os.environ.get("CONDUCTOR_PREVIEWS", tmp_path))
    log_time = _log_time(demo)
    for board in BOARDS:
        values = variables(board, ENSEMBLE)
        team = board is not OPERATIONS
        source = Source(
            series=lambda expr: _series(demo.prometheus.query_range(expr, demo.began, demo.at, 1)),
            last=lambda expr: _series(demo.prometheus.query(expr, at=demo.at)),
            expand=lambda expr, values=values: expand(  # type: ignore[misc]
                expr, values, demo.range_seconds(), RATE_SECONDS
            ),
            time_label="log time (the demo plays ten weeks in half a minute)"
            if team
            else "seconds into the demo (wall clock)",
            time_of=log_time if team else (lambda wall: wall - demo.began),
            time_is_date=team,
        )
        path = out / f"{board.uid}.png"
        drawn = render_board(board, source, path)
        assert drawn == {figure.title: drawn[figure.title] for figure in board.figures()}
        assert all(drawn.values()), drawn
        assert path.stat().st_size > 100_000, path


def test_prometheus_evaluates_every_shipped_rule_without_an_error(demo: Demo) -> None:
    answer = httpx.get(f"{demo.prometheus.url}/api/v1/rules", timeout=10).json()
    rules = [rule for group in answer["data"]["groups"] for rule in group["rules"]]
    assert len(rules) == 17
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []
