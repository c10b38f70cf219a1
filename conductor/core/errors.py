"""The root of every error Conductor raises on purpose, here at the bottom of the layers so
the core's errors derive from it too (`conductor.errors` adds the shared layer's)."""


class ConductorError(Exception):
    """Root of every error Conductor raises on purpose."""
