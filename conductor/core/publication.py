"""The `score.published` assumed when a log does not publish its score itself."""

from zoneinfo import ZoneInfo

from conductor.core.timeutil import local_midnight, to_datetime
from schemas import Score
from schemas.events import ScoreData, ScorePublished


def publication_at_start(score: Score) -> ScorePublished:
    """Published at local midnight of the score's `starts` (rehearsal, `publish --score`, a
    runtime's first start)."""
    at = local_midnight(score.starts, ZoneInfo(score.timezone))
    return ScorePublished(
        id=f"{score.score}:published",
        type="score.published",
        ensemble=score.ensemble,
        occurred_at=to_datetime(at),
        source="rehearsal",
        data=ScoreData(score=score),
    )
