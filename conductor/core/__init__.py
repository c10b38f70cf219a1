"""The pure conducting core: no I/O, no wall clock, no unseeded randomness.

Imports only the standard library, `schemas`, dateutil and NumPy (a test enforces it).
"""

from conductor.core.effects import Measure, Observation
from conductor.core.engine import EnsembleEngine, tick_for, unpublished
from conductor.core.outcome import Outcome
from conductor.core.problem import Problem
from conductor.core.state import EnsembleState

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
