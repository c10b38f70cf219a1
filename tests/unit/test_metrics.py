"""The metric catalogue: one factory, only allowed labels, updates from outcomes and figures."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from conductor.core import Measure, Observation, Outcome, Problem
from conductor.core.figures import figures
from conductor.io.scorefile import load_score
from conductor.metrics.catalogue import (
    ALLOWED_LABELS,
    CATALOGUE,
    CYCLE_TIME,
    EMBEDDED,
    GATEWAY,
    WHOLE,
    WORKER,
    WORKER_ONLY_LABELS,
    Type,
    exposed_by,
)
from conductor.metrics.collectors import TallyHistogram
from conductor.metrics.instrument import publish_engine, publish_figures, record_outcome
from conductor.metrics.planfigures import needed_pace
from conductor.metrics.registry import Metrics, build_metrics
from conductor.metrics.rollup import Rollup
from conductor.rehearsal.replay import rehearse_file
from schemas import Cue, Score

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROMETHEUS_LABELS = {"le"}
"""Labels prometheus-client adds itself (histogram buckets)."""


@pytest.fixture(scope="module")
def score() -> Score:
    return load_score(EXAMPLES / "score.yaml")


def small_quality(score: Score) -> Score:
    """The example score with its quality section declared at two people."""
    data = score.model_dump(mode="json")
    for section in data["sections"]:
        if section["id"] == "quality":
            section["size"] = 2
    return Score.model_validate(data)


def cue(to: dict[str, str], kind: str = "hold") -> Cue:
    return Cue.model_validate(
        {
            "id": f"cue-{kind}-{next(iter(to.values()))}",
            "kind": kind,
            "ensemble": "harbor",
            "score": "harbor-launch",
            "to": to,
            "subject": "t-1",
            "at": "2026-03-05T10:00:00Z",
            "severity": "warn",
            "reason": "blocked for two days",
            "caused_by": ["e-1"],
        }
    )


def exercised_registry(score: Score) -> CollectorRegistry:
    return exercised(score).registry


def exercised(score: Score) -> Metrics:
    """Metrics in a fresh registry where every metric of the catalogue has a sample."""
    registry = CollectorRegistry()
    metrics = build_metrics(registry)
    rollup = Rollup.of(score)
    outcome = Outcome(
        "e-1",
        cues=[
            cue({"role": "platform-dev"}),
            cue({"section": "product"}),
            cue({"ensemble": "harbor"}),
        ],
        observations=[
            Observation(Measure.CYCLE_TIME, "platform", 7200),
            Observation(Measure.DECISION_LATENCY, None, 86_400),
        ],
    )
    record_outcome(metrics, rollup, "harbor", outcome)
    record_outcome(metrics, rollup, "harbor", Outcome("e-1", duplicate=True))
    record_outcome(metrics, None, WHOLE, Outcome("e-2", rejection=Problem("type", "unknown")))
    metrics.log_offset.set(3)
    metrics.deliveries.labels("webhook").inc()
    metrics.delivery_failures.labels("webhook").inc()
    metrics.delivery_lag.labels("webhook").observe(0.2)
    metrics.delivery_pending.labels("webhook").set(0)
    metrics.snapshot_duration.observe(0.01)
    metrics.ingest_ignored.labels("github-ping").inc()
    with (EXAMPLES / "events.jsonl").open("rb") as lines:
        engine = rehearse_file(score, lines, None).rehearsal.session.engines["harbor"]
    publish_engine(metrics, rollup, engine)
    return metrics


def test_every_metric_carries_only_allowed_labels(score: Score) -> None:
    for spec in CATALOGUE:
        allowed = ALLOWED_LABELS | (WORKER_ONLY_LABELS if spec.runtimes == {WORKER} else set())
        assert set(spec.labels) <= allowed, spec.name
    exposed = generate_latest(exercised_registry(score)).decode()
    seen = set()
    for family in text_string_to_metric_families(exposed):
        for sample in family.samples:
            extra = set(sample.labels) - ALLOWED_LABELS - PROMETHEUS_LABELS
            assert not extra, f"{sample.name} has labels outside the allowed set: {extra}"
            seen.add(family.name)
    assert seen, "nothing was exposed"


def test_the_registry_holds_exactly_the_catalogue(score: Score) -> None:
    families = {family.name for family in exercised_registry(score).collect()}
    expected = {spec.name.removesuffix("_total") for spec in exposed_by(EMBEDDED)}
    assert families == expected
    worker = {
        family.name for family in build_metrics(CollectorRegistry(), WORKER).registry.collect()
    }
    worker_only = {
        spec.name.removesuffix("_total") for spec in CATALOGUE if spec.runtimes == {WORKER}
    }
    assert worker == {spec.name.removesuffix("_total") for spec in exposed_by(WORKER)} - worker_only
    assert "conductor_snapshot_offset" in families - worker
    assert "conductor_worker_consumer_lag_messages" in worker_only


def test_every_metric_has_a_name_of_its_type_and_a_help_text() -> None:
    names = [spec.name for spec in CATALOGUE]
    assert len(names) == len(set(names))
    for spec in CATALOGUE:
        assert spec.name.startswith("conductor_") and len(spec.help) > 15, spec.name
        assert spec.name.endswith("_total") == (spec.type is Type.COUNTER), spec.name


def test_histograms_document_their_buckets() -> None:
    for spec in CATALOGUE:
        assert (spec.buckets is not None) == (spec.type is Type.HISTOGRAM), spec.name


def test_outcome_counts_cues_events_and_observations(score: Score) -> None:
    registry = exercised_registry(score)
    value = registry.get_sample_value
    live = {"pilot": "false"}
    role = {"ensemble": "harbor", "kind": "hold", "section": "platform", "role": "platform-dev"}
    role |= live
    assert value("conductor_cues_total", role) == 1
    section = {"ensemble": "harbor", "kind": "hold", "section": "product", "role": "", **live}
    assert value("conductor_cues_total", section) == 1
    whole = {"ensemble": "harbor", "kind": "hold", "section": "", "role": "", **live}
    assert value("conductor_cues_total", whole) == 1
    assert value("conductor_events_accepted_total", {"ensemble": "harbor"}) == 1
    assert value("conductor_events_duplicate_total", {"ensemble": "harbor"}) == 1
    assert value("conductor_events_rejected_total", {"ensemble": ""}) == 1
    bucket = {"ensemble": "harbor", "section": "platform", "le": "14400.0"}
    assert value("conductor_cycle_time_seconds_bucket", bucket) == 1
    latency = {"ensemble": "harbor", "section": ""}
    assert value("conductor_decision_latency_seconds_sum", latency) == 86_400


def example_figures(score: Score) -> dict[str, Any]:
    with (EXAMPLES / "events.jsonl").open("rb") as lines:
        return figures(rehearse_file(score, lines, None).rehearsal.session.engines["harbor"])


def test_figures_become_gauges(score: Score) -> None:
    value = exercised_registry(score).get_sample_value
    expected = example_figures(score)
    standup = {"ensemble": "harbor", "cadence": "standup"}
    cadence = expected["cadences"]["standup"]
    assert value("conductor_cadence_occurrences_due", standup) == cadence["due"] > 0
    assert value("conductor_cadence_occurrences_held", standup) == cadence["held"]
    assert value("conductor_cadence_adherence_ratio", standup) == cadence["adherence"]
    wip = expected["wip"]
    for section in ("platform", "product", "quality"):
        labels = {"ensemble": "harbor", "section": section}
        assert value("conductor_wip_items", labels) == wip[section]["wip"]
    whole = {"ensemble": "harbor", "section": ""}
    assert value("conductor_wip_items", whole) == sum(v["wip"] for v in wip.values())
    assert value("conductor_wip_limit_items", whole) == 4 + 5 + 3
    for milestone, values in expected["milestones"].items():
        labels = {"ensemble": "harbor", "milestone": milestone}
        reached = values["status"] == "reached"
        assert value("conductor_milestone_reached", labels) == reached
        assert value("conductor_milestone_progress_ratio", labels) == values["progress"]
    commitment = {"ensemble": "harbor", "commitment": "public-launch"}
    outlook = expected["commitments"]["public-launch"]
    assert value("conductor_commitment_confidence_target", commitment) == 0.7
    assert value("conductor_commitment_in_breakdown", commitment) == outlook["in_breakdown"]
    probability = outlook["forecast"]["probability"]
    assert value("conductor_commitment_forecast_probability", commitment) == probability


def test_small_sections_roll_up_into_the_ensemble(score: Score) -> None:
    small = small_quality(score)
    registry = CollectorRegistry()
    metrics = build_metrics(registry)
    rollup = Rollup.of(small)
    outcome = Outcome(
        "e-1",
        cues=[cue({"role": "quality-dev"}), cue({"section": "quality"})],
        observations=[Observation(Measure.CYCLE_TIME, "quality", 3600)],
    )
    record_outcome(metrics, rollup, "harbor", outcome)
    with (EXAMPLES / "events.jsonl").open("rb") as lines:
        engine = rehearse_file(small, lines, None).rehearsal.session.engines["harbor"]
    publish_figures(metrics, rollup, figures(engine))
    exposed = generate_latest(registry).decode()
    assert 'section="quality"' not in exposed
    assert 'role="quality-dev"' not in exposed
    whole = {"ensemble": "harbor", "kind": "hold", "section": "", "role": "", "pilot": "false"}
    assert registry.get_sample_value("conductor_cues_total", whole) == 2
    assert (
        registry.get_sample_value(
            "conductor_cycle_time_seconds_count", {"ensemble": "harbor", "section": ""}
        )
        == 1
    )
    total = sum(v["wip"] for v in figures(engine)["wip"].values())
    assert (
        registry.get_sample_value("conductor_wip_items", {"ensemble": "harbor", "section": ""})
        == total
    )


def test_a_larger_minimum_group_size_hides_more_sections(score: Score) -> None:
    assert Rollup.of(score, min_group_size=5).shown == frozenset({"product"})
    assert Rollup.of(score).shown == frozenset({"platform", "product", "quality"})


def test_republished_figures_leave_no_stale_series(score: Score) -> None:
    metrics = exercised(score)
    wip = {"ensemble": "harbor", "section": ""}
    assert metrics.registry.get_sample_value("conductor_wip_items", wip) is not None
    metrics.figures.publish("harbor", {})
    assert metrics.registry.get_sample_value("conductor_wip_items", wip) is None


def test_a_second_registry_is_independent(score: Score) -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    build_metrics(first).log_offset.set(7)
    build_metrics(second)
    assert first.get_sample_value("conductor_log_offset") == 7
    assert second.get_sample_value("conductor_log_offset") == 0


def test_a_tally_histogram_exposes_what_a_prometheus_client_histogram_does() -> None:
    reference, tallied = CollectorRegistry(), CollectorRegistry()
    spec = CYCLE_TIME
    histogram = Histogram(
        spec.name, spec.help, spec.labels, registry=reference, buckets=spec.buckets
    )
    tally = TallyHistogram(spec)
    tallied.register(tally)
    for seconds in (0, 3600, 3601, 3 * 86_400, 10**9):  # on a bound, past it, past the last
        histogram.labels("harbor", "platform").observe(seconds)
        tally.observe(seconds, "harbor", "platform")
    tally.observe(60, "harbor", "")
    histogram.labels("harbor", "").observe(60)
    expected = [
        line for line in generate_latest(reference).decode().splitlines() if "_created" not in line
    ]
    assert generate_latest(tallied).decode().splitlines() == expected


def test_the_runtime_says_which_it_is_when_it_started_and_whether_it_is_healthy() -> None:
    registry = CollectorRegistry()
    metrics = build_metrics(registry, WORKER)
    started = registry.get_sample_value("conductor_runtime_start_time_seconds", {"kind": WORKER})
    assert started is not None and started > 1.7e9
    assert registry.get_sample_value("conductor_runtime_healthy", {"kind": WORKER}) == 1
    metrics.healthy(False)
    assert registry.get_sample_value("conductor_runtime_healthy", {"kind": WORKER}) == 0


def test_cue_counters_and_histograms_start_at_zero_for_every_recipient(score: Score) -> None:
    registry = CollectorRegistry()
    metrics = build_metrics(registry)
    record_outcome(metrics, Rollup.of(score), "harbor", Outcome("e-1"))
    value = registry.get_sample_value
    for section, role in [("", ""), ("quality", ""), ("platform", "platform-dev")]:
        labels = {"ensemble": "harbor", "kind": "breakdown", "section": section, "role": role}
        assert value("conductor_cues_total", {**labels, "pilot": "false"}) == 0
    for section in ("", "platform", "product", "quality"):
        labels = {"ensemble": "harbor", "section": section}
        assert value("conductor_cycle_time_seconds_count", labels) == 0
        assert value("conductor_decision_latency_seconds_count", labels) == 0
    assert value("conductor_events_accepted_total", {"ensemble": "harbor"}) == 1
    for counter in ("duplicate", "rejected"):
        assert value(f"conductor_events_{counter}_total", {"ensemble": "harbor"}) == 0
    exposed = generate_latest(registry).decode()
    assert exposed.count("conductor_cues_total{") == 9 * (1 + 3 + 7)  # kinds x recipients


def replay(score: Score, until: datetime | None = None) -> Any:
    """The example log replayed; with `until`, only its events before that instant."""
    lines = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
    if until is not None:
        lines = [
            line
            for line in lines
            if datetime.fromisoformat(orjson.loads(line)["occurred_at"]) < until
        ]
    return rehearse_file(score, lines, until)


def test_the_new_figures_say_what_the_core_says(score: Score) -> None:
    value = exercised_registry(score).get_sample_value
    expected = example_figures(score)
    for milestone, values in expected["milestones"].items():
        labels = {"ensemble": "harbor", "milestone": milestone}
        status = {"waiting": 0, "entered": 1, "reached": 2}[values["status"]]
        assert value("conductor_milestone_status", labels) == status
        assert value("conductor_milestone_behind", labels) == values["behind"]
        assert value("conductor_milestone_on_critical_path", labels) == values["on_critical_path"]
        p50 = value("conductor_milestone_forecast_p50_timestamp_seconds", labels)
        if values["forecast"]["p50"] is None:
            assert p50 is None
        else:
            assert p50 is not None
            shown = datetime.fromtimestamp(p50, UTC)
            assert shown.date().isoformat() == values["forecast"]["p50"] and shown.hour == 12
    assert (
        sum(
            value("conductor_milestone_on_critical_path", {"ensemble": "harbor", "milestone": m})
            or 0
            for m in expected["milestones"]
        )
        == len(expected["critical_path"])
        > 0
    )
    commitment = {"ensemble": "harbor", "commitment": "public-launch"}
    due = value("conductor_commitment_due_timestamp_seconds", commitment)
    assert due == datetime(2026, 5, 8, 12, tzinfo=UTC).timestamp()
    harbor = {"ensemble": "harbor"}
    assert value("conductor_cue_budget_per_day", harbor) == 3
    assert value("conductor_blocker_hold_seconds", harbor) == 2 * 86_400
    assert value("conductor_decision_latency_target_seconds", harbor) == 2 * 86_400


def test_budget_used_counts_each_recipients_cues_of_its_current_day(score: Score) -> None:
    report = replay(score)
    engine = report.rehearsal.session.engines["harbor"]
    registry = CollectorRegistry()
    metrics = build_metrics(registry)
    publish_engine(metrics, Rollup.of(score), engine)
    plan = engine.plan
    today = plan.local_day(engine.state.now)[0]
    counted: dict[tuple[str, str], int] = {}
    for cue in report.cues:
        if cue.kind == "digest" or plan.local_day(int(cue.at.timestamp()))[0] != today:
            continue
        labels = Rollup.of(score).recipient(cue)
        counted[labels] = counted.get(labels, 0) + 1
    series = {
        (s.labels["section"], s.labels["role"]): s.value
        for family in registry.collect()
        if family.name == "conductor_cue_budget_used"
        for s in family.samples
    }
    assert len(series) == 1 + 3 + 7
    for labels, found in series.items():
        assert found == counted.get(labels, 0) <= 3, labels


def test_the_needed_pace_is_the_one_the_tempo_cue_names(score: Score) -> None:
    tempo = [
        cue for cue in replay(score).cues if cue.kind == "tempo" and "plan needs" in cue.reason
    ]
    assert tempo
    for cue in tempo[:3]:
        engine = replay(score, cue.at).rehearsal.session.engines["harbor"]
        section = cue.to.section  # type: ignore[union-attr]
        named = float(cue.reason.split("needs about ")[1].split(" ")[0])
        assert round(needed_pace(engine, section), 1) == named


def test_the_gateway_counts_what_it_ignores_and_exposes_no_log_of_its_own() -> None:
    gateway = {
        family.name for family in build_metrics(CollectorRegistry(), GATEWAY).registry.collect()
    }
    assert "conductor_ingest_ignored" in gateway
    assert "conductor_ingest_ignored" not in {
        family.name for family in build_metrics(CollectorRegistry(), WORKER).registry.collect()
    }, "a worker reads no tool's deliveries"
    assert not gateway & {"conductor_snapshot_offset", "conductor_log_offset"}


def test_a_primed_series_must_carry_every_label() -> None:
    """One label short is another series: the real one would be born at its first count."""
    metrics = build_metrics(CollectorRegistry())
    with pytest.raises(ValueError, match="conductor_cues_total: 4 label values"):
        metrics.cues.prime("harbor", "breakdown", "", "")
