"""Small sections are never shown on their own: they count as the ensemble as a whole."""

from dataclasses import dataclass

from conductor.metrics.catalogue import WHOLE
from schemas import Cue, Score, ToRole, ToSection

DEFAULT_MIN_GROUP_SIZE = 3


@dataclass(frozen=True)
class Rollup:
    """Which sections are shown on their own; the others count as the ensemble as a whole.

    A section is shown unless it declares a `size` below the minimum group size (a section
    that declares no size is the score author's call and is shown). A rolled-up section's
    roles are rolled up with it.
    """

    shown: frozenset[str]
    section_of_role: dict[str, str]

    @classmethod
    def of(cls, score: Score, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> "Rollup":
        shown = frozenset(
            section.id
            for section in score.sections
            if section.size is None or section.size >= min_group_size
        )
        return cls(shown, score.section_of_role())

    def section(self, section: str | None) -> str:
        return section if section is not None and section in self.shown else WHOLE

    def recipient_key(self, key: str) -> tuple[str, str]:
        """(section, role) label values for a recipient key (`role:x`, `section:y`, ...)."""
        kind, _, name = key.partition(":")
        if kind == "role":
            section = self.section(self.section_of_role.get(name))
            return section, name if section != WHOLE else WHOLE
        if kind == "section":
            return self.section(name), WHOLE
        return WHOLE, WHOLE

    def recipient(self, cue: Cue) -> tuple[str, str]:
        """(section, role) label values for a cue's recipient."""
        match cue.to:
            case ToRole(role=role):
                section = self.section(self.section_of_role.get(role))
                return section, role if section != WHOLE else WHOLE
            case ToSection(section=section):
                return self.section(section), WHOLE
        return WHOLE, WHOLE
