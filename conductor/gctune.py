"""Garbage-collector settings: for long folds, set once when a runtime or a rehearsal starts;
and for loading a score.

Folding a log allocates many short-lived objects (validated events, outcomes) next to a
large, long-lived state (every ensemble's engine). With CPython's default thresholds the
collector scans that whole state over and over: measured on the benchmark log of 1,000
ensembles, default settings fold about half as fast. The state holds no reference cycles
that need prompt collection, so collecting young objects less often is safe.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 100_000
"""Allocations between young-generation collections (CPython's default: 700)."""


def tune_for_folding() -> None:
    """Move everything alive so far (imports, the score) out of the collector's way, and
    collect young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 1000)


@contextmanager
def frozen_after() -> Iterator[None]:
    """No collection inside the block, and what is alive at its end frozen (out of the
    collector's sight for good, as `tune_for_folding` does).

    For loading a score: importing pydantic and building the score's models make some 40,000
    objects the collector tracks, which live as long as the process and leave next to no
    garbage. Collected as they were made, they were scanned over and over for nothing: 10-15
    ms of `conductor validate`, about a twentieth of it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
