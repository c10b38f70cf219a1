"""Old versions of events, brought to the current one as they are read; logs are never migrated.

An event's `schema_version` (absent means 1) says which version of its type wrote it. An
upcaster takes the JSON object of one (type, version) and returns it as the next version
would have written it; reading applies them in turn until the version this build's models
accept. A version newer than that, or one no upcaster leads from, is refused with a problem
naming `schema_version`.

Every event type is at version 1 today, so no upcaster is registered. The next change of an
event's shape registers one here (and raises the type's version in `schemas.events`).
"""

from collections.abc import Callable, Mapping
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class VersionProblem(ValueError):
    """An event whose version cannot be brought to the current one (the message says why)."""


class Upcasters:
    """Upcasters per (event type, the version they upcast from)."""

    def __init__(self, current: Mapping[str, int]) -> None:
        self.current = dict(current)
        """The version this build reads, per event type."""
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorate the function that turns `from_version` into `from_version + 1`."""
        if not 1 <= from_version < self.current.get(event_type, 1):
            raise ValueError(
                f"{event_type} is read at version {self.current.get(event_type, 1)}: "
                f"nothing to upcast from version {from_version}"
            )

        def add(step: Upcaster) -> Upcaster:
            self._steps[(event_type, from_version)] = step
            return step

        return add

    @property
    def empty(self) -> bool:
        return not self._steps

    def upcast(self, data: dict[str, Any]) -> dict[str, Any]:
        """The event as the current version of its type reads, or VersionProblem."""
        event_type = data.get("type")
        version = data.get("schema_version", 1)
        if not isinstance(event_type, str) or event_type not in self.current:
            return data  # validation names the unknown type
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise VersionProblem(f"must be a whole number from 1, not {version!r}")
        current = self.current[event_type]
        if version > current:
            raise VersionProblem(
                f"{event_type} version {version} is newer than this build reads ({current}): "
                "upgrade Conductor to read it"
            )
        while version < current:
            step = self._steps.get((event_type, version))
            if step is None:
                raise VersionProblem(f"no upcaster of {event_type} from version {version}")
            data = {**step(data), "schema_version": version + 1}
            version += 1
        return data
