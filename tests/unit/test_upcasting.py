"""Upcasting: old event versions are brought to the current one as every reader reads them."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from conductor.errors import Problem
from conductor.io.eventlog import BadLine, parse_event, read_events
from conductor.metrics.registry import build_metrics
from conductor.runtime.live import LiveRuntime
from conductor.runtime.store import Store
from conductor.session.clock import ScaledClock
from schemas.events import UPCASTERS
from schemas.upcasting import Upcasters, VersionProblem
from streams.fold import check

FUTURE = (
    b'{"id": "e1", "type": "task.started", "ensemble": "harbor", "schema_version": 2,'
    b' "occurred_at": "2026-03-02T09:00:00Z", "data": {"task": "t1", "milestone": "m"}}'
)
"""A task.started written by a build that reads version 2 (this one reads 1)."""
NEWER = "task.started version 2 is newer than this build reads (1): upgrade Conductor to read it"


def started_v1() -> dict[str, Any]:
    return {"id": "e1", "type": "task.started", "data": {"task": "t1", "milestone": "m"}}


def two_versions() -> Upcasters:
    """A test-only version 2 of task.started that gives every task a size (1 before)."""
    upcasters = Upcasters({"task.started": 2, "task.completed": 1})

    @upcasters.register("task.started", 1)
    def sized(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "data": {**data["data"], "size": 1}}

    return upcasters


def test_an_old_version_is_upcast_step_by_step_to_the_current_one() -> None:
    upcast = two_versions().upcast(started_v1())
    assert upcast["schema_version"] == 2
    assert upcast["data"] == {"task": "t1", "milestone": "m", "size": 1}
    current = {**started_v1(), "schema_version": 2}
    assert two_versions().upcast(current) == current, "the current version passes as it is"
    completed = {"type": "task.completed", "data": {}}
    assert two_versions().upcast(completed) == completed


def test_a_newer_version_or_a_gap_in_the_chain_is_refused_by_name() -> None:
    with pytest.raises(VersionProblem, match="version 3 is newer than this build reads"):
        two_versions().upcast({**started_v1(), "schema_version": 3})
    gap = Upcasters({"task.started": 3})
    gap.register("task.started", 1)(lambda data: data)
    with pytest.raises(VersionProblem, match=r"no upcaster of task\.started from version 2"):
        gap.upcast(started_v1())
    with pytest.raises(VersionProblem, match="a whole number from 1"):
        two_versions().upcast({**started_v1(), "schema_version": "2"})
    with pytest.raises(ValueError, match="nothing to upcast from version 2"):
        two_versions().register("task.started", 2)


def test_this_build_reads_version_1_of_every_type_and_has_no_upcaster_yet() -> None:
    assert set(UPCASTERS.current.values()) == {1}
    assert len(UPCASTERS.current) == 18
    assert UPCASTERS.empty


def test_an_explicit_version_1_reads_like_no_version() -> None:
    explicit = FUTURE.replace(b'"schema_version": 2', b'"schema_version": 1')
    implicit = FUTURE.replace(b' "schema_version": 2,', b"")
    assert parse_event(explicit) == parse_event(implicit)


def test_every_reader_of_events_goes_through_the_upcasters(tmp_path: Path) -> None:
    """The log file read by rehearsal, the runtime's ingest, the worker's messages."""
    assert parse_event(FUTURE) == [Problem("schema_version", NEWER)]
    ((_, bad),) = list(read_events([FUTURE]))
    assert isinstance(bad, BadLine)
    assert str(bad) == f"line 1: schema_version: {NEWER}"
    assert check(b"harbor", FUTURE) == f"schema_version: {NEWER}"
    clock = ScaledClock(datetime(2026, 3, 2, tzinfo=UTC), 0)
    runtime = LiveRuntime(Store(tmp_path / "log.db"), build_metrics(CollectorRegistry()), clock)
    runtime.recover()
    (line,) = runtime.ingest([FUTURE]).results
    assert line.problems == [Problem("schema_version", NEWER)]
    runtime.close()
