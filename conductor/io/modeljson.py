"""A model's JSON as bytes, for the hot paths that write cues and ticks.

The same bytes as `model.model_dump_json().encode()`, from the model's own serializer:
`model_dump_json` wraps it in a Python call that takes a third of the time, and its `str`
is encoded back to bytes by every caller here.
"""

from pydantic import BaseModel


def model_json(model: BaseModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model)
