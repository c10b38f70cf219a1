"""The pure conducting core: no I/O, no wall clock, no unseeded randomness.

Imports only the standard library, `schemas`, dateutil and NumPy (a test enforces it). The
names below are imported when first asked for, so that a module of the core (its errors,
say) can be imported without building the whole engine.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conductor.core.effects import Measure, Observation
    from conductor.core.engine import EnsembleEngine, tick_for, unpublished
    from conductor.core.outcome import Outcome
    from conductor.core.problem import Problem
    from conductor.core.state import EnsembleState

_HOME = {
    "EnsembleEngine": "conductor.core.engine",
    "EnsembleState": "conductor.core.state",
    "Measure": "conductor.core.effects",
    "Observation": "conductor.core.effects",
    "Outcome": "conductor.core.outcome",
    "Problem": "conductor.core.problem",
    "tick_for": "conductor.core.engine",
    "unpublished": "conductor.core.engine",
}

__all__ = [
    "EnsembleEngine",
    "EnsembleState",
    "Measure",
    "Observation",
    "Outcome",
    "Problem",
    "tick_for",
    "unpublished",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'conductor.core' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
