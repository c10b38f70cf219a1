"""How a rule plugs into the engine: a `Rule` answers the events it names after their fold,
the moment the score begins, every cycle boundary, and the deadlines it sets.

Each module of `conductor.core.rules` declares one `RULE`, an instance of a `Rule` subclass
overriding the hooks it needs; the package finds them, so a new cue kind is a new module and
nothing else in the core changes. Rules answering the same event, the start or a cycle
boundary run in the order of their `order` (it decides which cue comes first at one instant,
and so which ones the daily budget folds into a digest). Hooks are methods, not functions in
a table: the compiled core calls them natively, without boxing their arguments.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum

from conductor.core.effects import Effect, Timer
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind
from schemas.events import Event

Effects = Sequence[Effect]

NOTHING: Effects = ()


class Rule:
    def __init__(
        self,
        *,
        name: str,
        kinds: tuple[CueKind, ...],
        order: int,
        events: tuple[str, ...] = (),
        deadlines: Mapping[StrEnum, bool] | None = None,
    ) -> None:
        self.name = name
        self.kinds = kinds
        """The cue kinds the rule emits (a test checks every kind has exactly one rule)."""
        self.order = order
        self.events = events
        """The event types `on_event` answers."""
        self.deadlines: Mapping[StrEnum, bool] = deadlines or {}
        """The kinds of timer the rule sets, each with whether it is derived from the score
        (occurrences, boundaries): a revision replaces every timer of such a kind."""

    def on_event(self, state: EnsembleState, plan: Plan, event: Event, at: int) -> Effects:
        """After the fold of an event of a type in `events` took effect."""
        return NOTHING

    def on_start(self, state: EnsembleState, plan: Plan, revision: bool) -> Effects:
        """When the score begins, and again when a revision restarts it."""
        return NOTHING

    def on_cycle(self, state: EnsembleState, plan: Plan, index: int) -> Effects:
        """At the boundary that begins cycle `index`."""
        return NOTHING

    def on_deadline(self, state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
        """When a timer of one of its `deadlines` kinds is due."""
        return NOTHING
