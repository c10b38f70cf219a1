"""Which process of a sharded fold owns a log line: ensembles are independent, so a log can
be split by ensemble and each part folded on its own core.

A line's ensemble is read without validating the event: a byte search when the line can
hold only one `"ensemble"` key and no escapes, else a JSON parse with the parser pydantic
validates with. Either way the shard is the one the validated event's ensemble maps to
(an invalid line maps to some shard, which reports it: exactly one process sees each line).
"""

import re
import zlib

from pydantic_core import from_json

_ENSEMBLE = re.compile(rb'"ensemble"\s*:\s*"([^"]*)"')
_KEY = b'"ensemble"'


def shard_of(ensemble: str, shards: int) -> int:
    return zlib.crc32(ensemble.encode()) % shards


def line_shard(raw: bytes, shards: int) -> int:
    """The shard of the ensemble a JSON Lines event names (0 if it names none)."""
    if b"\\" not in raw and raw.count(_KEY) == 1:
        found = _ENSEMBLE.search(raw)
        if found is not None:
            return zlib.crc32(found[1]) % shards
    ensemble = line_ensemble(raw)
    return shard_of(ensemble, shards) if ensemble is not None else 0


def line_ensemble(raw: bytes) -> str | None:
    """The ensemble a JSON Lines event names, without validating it (None: it names none)."""
    if b"\\" not in raw and raw.count(_KEY) == 1:
        found = _ENSEMBLE.search(raw)
        if found is not None:
            return found[1].decode()
    try:
        parsed = from_json(raw)
    except ValueError:
        return None
    ensemble = parsed.get("ensemble") if isinstance(parsed, dict) else None
    return ensemble if isinstance(ensemble, str) else None
