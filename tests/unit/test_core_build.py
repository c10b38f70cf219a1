"""The tests run on the build they were asked to run on.

`make test` runs the core's tests twice: on the sources, then with CONDUCTOR_CORE_BUILD=compiled
on the mypyc build. A compiled module left beside the sources would silently shadow them (an
edit would change nothing), and a compiled run that imported the sources would test nothing
new: either fails here.
"""

import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from conductor.core import engine, handlers, measures, rules
from conductor.core.rules import cadence, registry
from conductor.rehearsal import team

SOURCES = Path(__file__).parents[2] / "conductor" / "core"
TEAM_SOURCES = SOURCES.parent / "rehearsal"


def test_the_core_is_the_build_asked_for() -> None:
    compiled = os.environ.get("CONDUCTOR_CORE_BUILD", "source") == "compiled"
    built = [(module, SOURCES) for module in (engine, measures, handlers, rules, cadence)]
    for module, sources in [*built, (team, TEAM_SOURCES)]:
        assert module.__file__ is not None
        is_extension = any(module.__file__.endswith(suffix) for suffix in EXTENSION_SUFFIXES)
        assert is_extension == compiled, module.__file__
        in_sources = Path(module.__file__).is_relative_to(sources)
        assert in_sources != compiled, module.__file__


def test_every_rule_module_is_found_in_either_build() -> None:
    """The rules are found by listing their package, which a compiled package must allow."""
    files = [path for path in (SOURCES / "rules").glob("*.py") if path.stem != "__init__"]
    assert len(files) > 5
    assert len(registry().rules) == len(files)
    assert {type(rule).__module__ for rule in registry().rules} == {
        f"conductor.core.rules.{path.stem}" for path in files
    }
