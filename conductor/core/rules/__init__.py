"""The cue rules: one module per cue kind, each declaring its `RULE` (`conductor.core.hooks`).

The modules are found here, not listed: a new cue kind is a new module in this folder. The
engine asks for `registry()` once the package is imported (a compiled package learns its own
folder only then).
"""

import importlib
import pkgutil
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from conductor.core.hooks import Rule


@dataclass(frozen=True)
class Deadline:
    """Who handles one kind of timer, and whether a revision of the score replaces it."""

    rule: Rule
    from_score: bool


@dataclass(frozen=True)
class Registry:
    rules: tuple[Rule, ...]
    """In their `order`."""
    on_event: dict[str, tuple[Rule, ...]]
    deadlines: dict[str, Deadline]
    kinds: dict[str, StrEnum]
    """Each deadline kind's name and enum member (a restored state gives names back)."""


def rule_modules() -> list[str]:
    package = importlib.import_module(__name__)
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


def deadlines_of(rules: tuple[Rule, ...]) -> tuple[dict[str, Deadline], dict[str, StrEnum]]:
    """Per kind of timer (its name): who handles it, and its enum member."""
    deadlines: dict[str, Deadline] = {}
    kinds: dict[str, StrEnum] = {}
    for rule in rules:
        for kind, from_score in rule.deadlines.items():
            assert kind.value not in deadlines, f"deadline kind {kind.value!r} declared twice"
            deadlines[kind.value] = Deadline(rule, from_score)
            kinds[kind.value] = kind
    return deadlines, kinds


@cache
def registry() -> Registry:
    found: list[Rule] = [
        importlib.import_module(f"{__name__}.{name}").RULE for name in rule_modules()
    ]
    rules = tuple(sorted(found, key=lambda rule: rule.order))
    on_event: dict[str, list[Rule]] = {}
    for rule in rules:
        for event_type in rule.events:
            on_event.setdefault(event_type, []).append(rule)
    deadlines, kinds = deadlines_of(rules)
    return Registry(
        rules=rules,
        on_event={event_type: tuple(found) for event_type, found in on_event.items()},
        deadlines=deadlines,
        kinds=kinds,
    )
