"""The committed JSON Schemas are what the models generate today."""

from pathlib import Path

from schemas.export import json_schemas, render

COMMITTED = Path(__file__).parents[2] / "schemas" / "json"


def test_committed_json_schemas_are_current() -> None:
    for name, schema in json_schemas().items():
        committed = (COMMITTED / name).read_text(encoding="utf-8")
        assert committed == render(schema), (
            f"schemas/json/{name} is stale: run `conductor schemas export schemas/json`"
        )


def test_event_schema_names_every_event_type() -> None:
    mapping = json_schemas()["event.schema.json"]["discriminator"]["mapping"]
    assert set(mapping) == {
        "score.published",
        "score.revised",
        "task.started",
        "task.completed",
        "task.blocked",
        "task.unblocked",
        "task.dropped",
        "milestone.reached",
        "ceremony.held",
        "decision.requested",
        "decision.made",
        "concern.raised",
        "experiment.started",
        "experiment.assessed",
        "experiment.stopped",
        "clock.tick",
        "cue.acknowledged",
        "cue.snoozed",
    }
