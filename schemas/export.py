"""JSON Schemas of Score, Event and Cue, for tools that write scores or emit events."""

import json
from typing import Any

from pydantic import TypeAdapter

from schemas.cue import Cue
from schemas.events import Event
from schemas.score import Score


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema document."""
    return {
        "score.schema.json": Score.model_json_schema(),
        "event.schema.json": TypeAdapter(Event).json_schema(),
        "cue.schema.json": Cue.model_json_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
