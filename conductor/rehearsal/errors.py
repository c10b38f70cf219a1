"""Rehearsal's usage errors, and the check that a log holds the score's ensemble."""

from conductor.errors import ConductorError
from conductor.shards import line_ensemble


class RehearsalError(ConductorError, ValueError):
    """A rehearsal that cannot run as asked; the message names the option and the problem."""


class EnsembleFilter:
    """`keep` for `read_events`: the lines of one ensemble, and those whose ensemble cannot
    be read (so that they are reported as bad lines, not dropped); the other ensembles'
    lines are skipped unread and their names kept for the error of a log without ours."""

    def __init__(self, ensemble: str) -> None:
        self.ensemble = ensemble
        self.others: set[str] = set()
        self.kept = 0

    def __call__(self, raw: bytes) -> bool:
        found = line_ensemble(raw)
        if found is not None and found != self.ensemble:
            self.others.add(found)
            return False
        self.kept += 1
        return True

    def require_some(self, option: str) -> None:
        """The error of a log with no line of the ensemble (a log of another team)."""
        if self.kept == 0:
            found = ", ".join(repr(e) for e in sorted(self.others)) or "none"
            raise RehearsalError(
                f"{option}: the log has no event of the score's ensemble {self.ensemble!r} "
                f"(ensembles in it: {found})"
            )
