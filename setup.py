"""Build hook: with CONDUCTOR_MYPYC=1 the pure core (`conductor/core/`) and rehearsal's
simulated team (`conductor/rehearsal/team.py`, pure too) are compiled with mypyc.

The compiled core gives the same results (the core's and rehearsal's unit tests run on both
builds) and folds events 1.3-1.6x faster; the compiled team makes a simulated run's events
faster; without the variable the build is pure Python, as for an editable
install, where compiled modules would shadow the sources being edited.
"""

import os
from pathlib import Path

from setuptools import setup

ext_modules = []
if os.environ.get("CONDUCTOR_MYPYC") == "1":
    from mypyc.build import mypycify

    # Every module of the core but its package's __init__, whose PEP 562 `__getattr__`
    # (the lazy exports) crashes the interpreter when compiled (mypyc 1.x); it only runs
    # once, at import.
    modules = sorted(
        str(path)
        for path in Path("conductor/core").rglob("*.py")
        if path != Path("conductor/core/__init__.py")
    )
    modules.append("conductor/rehearsal/team.py")  # every simulated run's events
    # (mypy's note about config sections for other packages would fail the build)
    ext_modules = mypycify(["--no-warn-unused-configs", *modules], opt_level="3")

setup(ext_modules=ext_modules)
