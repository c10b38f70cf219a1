"""The pure conducting core: no I/O, no wall clock, no unseeded randomness.

Imports only the standard library, `schemas`, dateutil and NumPy (a test enforces it).
"""

from conductor.core.engine import EnsembleEngine, tick_for
from conductor.core.outcome import Observation, Outcome
from conductor.core.state import EnsembleState

__all__ = ["EnsembleEngine", "EnsembleState", "Observation", "Outcome", "tick_for"]
