"""How a rule plugs into the engine: the events it answers after their fold, what it does when
the score begins and at every cycle boundary, and the deadlines it keeps.

Each module of `conductor.core.rules` declares one `Rule`; the package finds them, so a new
cue kind is a new module and nothing else in the core changes. Rules answering the same
event, the start or a cycle boundary run in the order of their `order` (it decides which cue
comes first at one instant, and so which ones the daily budget folds into a digest).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conductor.core.effects import Effect, Timer
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind

Effects = Sequence[Effect]
EventHook = Callable[[EnsembleState, Plan, Any, int], Effects]
"""(state, plan, the event, its instant) -> effects; runs after the event's fold took effect."""
StartHook = Callable[[EnsembleState, Plan, bool], Effects]
"""(state, plan, whether a revision restarted the score) -> effects."""
CycleHook = Callable[[EnsembleState, Plan, int], Effects]
"""(state, plan, the boundary's cycle number) -> effects."""
DeadlineHook = Callable[[EnsembleState, Plan, Timer], Effects]

NOTHING: Effects = ()


@dataclass(frozen=True)
class Deadline:
    """How one kind of timer is handled."""

    handler: DeadlineHook
    from_score: bool = False
    """Derived from the score (occurrences, boundaries): a revision replaces every timer of
    such a kind, and the new score sets its own."""


@dataclass(frozen=True)
class Rule:
    name: str
    kinds: tuple[CueKind, ...]
    """The cue kinds the rule emits (a test checks every kind has exactly one rule)."""
    order: int
    on_event: Mapping[str, EventHook] = field(default_factory=dict)
    on_start: StartHook | None = None
    on_cycle: CycleHook | None = None
    deadlines: Mapping[StrEnum, Deadline] = field(default_factory=dict)
