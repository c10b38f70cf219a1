"""Every problem of a score in one run: its field errors and the cross-references they hid.

pydantic checks the cross-references (unknown milestones, cycles, roles in the wrong
section) only once every field parses, so a score with one bad date would show its broken
references only after that date is fixed. Here the faulty parts are set aside (a bad
optional field is dropped, an item whose field cannot be dropped is dropped whole, a
required top-level field no reference reads gets a stand-in) and the rest is checked
again; references to what was set aside are not reported, since they may well hold.
"""

import copy
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from conductor.errors import Problem
from schemas import Score, format_location

REFERENCE = "score_reference"
"""The error type of the score's cross-reference problems."""

ROUNDS = 5
"""Setting a part aside can reveal another fault inside what remains: a few rounds suffice."""

STAND_INS: dict[str, object] = {
    "score": "score",
    "title": "title",
    "ensemble": "ensemble",
    "timezone": "UTC",
    "starts": date.min.isoformat(),  # no date is before it: no date problem is made up
}
"""For required top-level fields that no cross-reference reads (`starts` only bounds dates)."""


class _Gone:
    """Marks what was set aside, removed once a round's faults are all marked."""


GONE = _Gone()

Location = tuple[str | int, ...]
Shifts = dict[Location, list[int]]


def problems_of(error: ValidationError) -> list[Problem]:
    return [Problem(format_location(tuple(d["loc"])), d["msg"]) for d in error.errors()]


def every_problem(data: dict[str, Any], error: ValidationError) -> list[Problem]:
    """The problems `error` lists, then the cross-reference problems of the rest."""
    found = problems_of(error)
    return found + [p for p in hidden_references(data, error) if p not in found]


def hidden_references(data: dict[str, Any], error: ValidationError) -> list[Problem]:
    remaining = copy.deepcopy(data)
    set_aside: set[str] = set()
    shifts: list[Shifts] = []
    for _ in range(ROUNDS):
        faults = [d for d in error.errors() if d["type"] != REFERENCE]
        if not faults:
            return [
                Problem(format_location(_where_it_was(tuple(d["loc"]), shifts)), d["msg"])
                for d in error.errors()
                if not any(repr(name) in d["msg"] for name in set_aside)
            ]
        if not all(_set_aside(remaining, fault, set_aside) for fault in faults):
            return []
        shifts.append({})
        remaining = _without_gone(remaining, (), shifts[-1])
        try:
            Score.model_validate(remaining)
        except ValidationError as again:
            error = again
        else:
            return []
    return []


def _set_aside(data: dict[str, Any], fault: ErrorDetails, names: set[str]) -> bool:
    """Mark the faulty part of `data` as gone (or stand in for it); False if it cannot be."""
    loc = tuple(fault["loc"])
    if not loc or not isinstance(loc[0], str):
        return False
    if len(loc) == 1:
        return _top_level(data, loc[0])
    path: list[Any] = [data]
    for step in loc[:-1]:
        container = path[-1]
        try:
            path.append(container[step])
        except (KeyError, IndexError, TypeError):
            return _drop_item(path, loc, names) or _top_level(data, loc[0])
    parent, leaf = path[-1], loc[-1]
    if fault["type"] != "missing" and isinstance(parent, dict) and leaf in parent:
        parent[leaf] = GONE
        return True
    if isinstance(parent, list) and isinstance(leaf, int) and leaf < len(parent):
        parent[leaf] = GONE
        return True
    return _drop_item(path, loc, names) or _top_level(data, loc[0])


def _drop_item(path: list[Any], loc: tuple[Any, ...], names: set[str]) -> bool:
    """Mark the innermost list item on `path` as gone, keeping its id (and roles) aside."""
    for depth in range(len(path) - 1, 0, -1):
        container, step = path[depth - 1], loc[depth - 1]
        if isinstance(container, list) and isinstance(step, int):
            item = container[step]
            if isinstance(item, dict):
                roles = item.get("roles")
                named = [item.get("id"), *(roles if isinstance(roles, list) else [])]
                names.update(name for name in named if isinstance(name, str))
            container[step] = GONE
            return True
    return False


def _top_level(data: dict[str, Any], field: str) -> bool:
    if field in STAND_INS:
        data[field] = STAND_INS[field]
        return True
    if field not in Score.model_fields or not Score.model_fields[field].is_required():
        data[field] = GONE
        return True
    return False


def _without_gone(value: Any, at: Location, shifts: Shifts) -> Any:
    """`value` without what is marked gone; `shifts` records, for each list that lost
    items, the former index of each item kept."""
    if isinstance(value, dict):
        return {k: _without_gone(v, (*at, k), shifts) for k, v in value.items() if v is not GONE}
    if isinstance(value, list):
        kept = [index for index, item in enumerate(value) if item is not GONE]
        if len(kept) < len(value):
            shifts[at] = kept
        return [_without_gone(value[old], (*at, new), shifts) for new, old in enumerate(kept)]
    return value


def _where_it_was(loc: Location, shifts: list[Shifts]) -> Location:
    """A location in what remained, as a location in the score as written."""
    for shift in reversed(shifts):
        loc = tuple(
            shift[loc[:i]][step] if isinstance(step, int) and loc[:i] in shift else step
            for i, step in enumerate(loc)
        )
    return loc
