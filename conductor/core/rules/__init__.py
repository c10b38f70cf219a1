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

from conductor.core.hooks import CycleHook, Deadline, EventHook, Rule, StartHook


@dataclass(frozen=True)
class Registry:
    rules: tuple[Rule, ...]
    """In their `order`."""
    on_event: dict[str, tuple[EventHook, ...]]
    on_start: tuple[StartHook, ...]
    on_cycle: tuple[CycleHook, ...]
    deadlines: dict[str, Deadline]
    kinds: dict[str, StrEnum]
    """Each deadline kind's name and enum member (a restored state gives names back)."""


def rule_modules() -> list[str]:
    package = importlib.import_module(__name__)
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


@cache
def registry() -> Registry:
    found = [importlib.import_module(f"{__name__}.{name}").RULE for name in rule_modules()]
    rules = tuple(sorted(found, key=lambda rule: rule.order))
    on_event: dict[str, list[EventHook]] = {}
    deadlines: dict[str, Deadline] = {}
    kinds: dict[str, StrEnum] = {}
    for rule in rules:
        for event_type, hook in rule.on_event.items():
            on_event.setdefault(event_type, []).append(hook)
        for kind, deadline in rule.deadlines.items():
            assert kind.value not in deadlines, f"deadline kind {kind.value!r} declared twice"
            deadlines[kind.value] = deadline
            kinds[kind.value] = kind
    return Registry(
        rules=rules,
        on_event={event_type: tuple(hooks) for event_type, hooks in on_event.items()},
        on_start=tuple(rule.on_start for rule in rules if rule.on_start is not None),
        on_cycle=tuple(rule.on_cycle for rule in rules if rule.on_cycle is not None),
        deadlines=deadlines,
        kinds=kinds,
    )
