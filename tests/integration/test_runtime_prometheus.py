"""A real Prometheus scrapes a running runtime; PromQL returns the catalogue's metrics."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from runtime_servers import EXAMPLES, InProcessRuntime, Prometheus, wait_for
from test_runtime_http import BEFORE_THE_SCORE, NDJSON, settings

from conductor.core.figures import figures
from conductor.io.scorefile import load_score
from conductor.metrics.catalogue import ALLOWED_LABELS
from conductor.rehearsal.replay import rehearse_file


@pytest.fixture
def scraped(tmp_path: Path) -> Iterator[Prometheus]:
    with InProcessRuntime(settings(tmp_path), BEFORE_THE_SCORE) as server:
        events = (EXAMPLES / "events.jsonl").read_bytes()
        assert httpx.post(f"{server.url}/events", content=events, headers=NDJSON).is_success
        directory = tmp_path / "prometheus"
        directory.mkdir()
        target = server.url.removeprefix("http://")
        prometheus = Prometheus(directory, [target]).start()
        try:
            wait_for(lambda: bool(prometheus.query("conductor_log_offset")), 60, "a first scrape")
            yield prometheus
        finally:
            prometheus.stop()


def value(prometheus: Prometheus, promql: str) -> float:
    (sample,) = prometheus.query(promql)
    return float(sample["value"][1])


def test_promql_reads_the_runtime(scraped: Prometheus) -> None:
    lines = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
    report = rehearse_file(load_score(EXAMPLES / "score.yaml"), lines, None)
    engine = report.rehearsal.session.engines["harbor"]
    expected = figures(engine)
    assert value(scraped, "conductor_log_offset") == len(lines) + 1
    accepted = 'sum(conductor_events_accepted_total{ensemble="harbor"})'
    assert value(scraped, accepted) == len(lines) + 1
    breakdowns = sum(1 for cue in report.cues if cue.kind == "breakdown")
    assert value(scraped, 'sum(conductor_cues_total{kind="breakdown"})') == breakdowns > 0
    adherence = 'conductor_cadence_adherence_ratio{cadence="standup"}'
    assert value(scraped, adherence) == expected["cadences"]["standup"]["adherence"]
    in_breakdown = expected["commitments"]["public-launch"]["in_breakdown"]
    assert value(scraped, 'conductor_commitment_in_breakdown{commitment="public-launch"}') == (
        in_breakdown
    )
    p85 = "histogram_quantile(0.85, sum by (le) (conductor_cycle_time_seconds_bucket))"
    assert 5 * 86_400 < value(scraped, p85) <= 28 * 86_400
    completed = sum(values["count"] for values in expected["cycle_time_hours"].values())
    count = 'sum(conductor_cycle_time_seconds_count{ensemble="harbor"})'
    assert value(scraped, count) == completed > 0
    wip = 'conductor_wip_items{section="quality"} / conductor_wip_limit_items{section="quality"}'
    assert value(scraped, wip) == expected["wip"]["quality"]["wip"] / 3


def test_no_scraped_series_has_a_label_outside_the_allowed_set(scraped: Prometheus) -> None:
    series = scraped.query('{__name__=~"conductor_.+"}')
    assert len(series) > 50
    for found in series:
        labels = set(found["metric"]) - {"__name__", "instance", "job", "le"}
        assert labels <= ALLOWED_LABELS, found["metric"]
