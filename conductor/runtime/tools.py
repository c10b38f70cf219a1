"""The embedded runtime's side of the team's own tools: GitHub deliveries mapped by the scores
its log published, and each ensemble's cadences as a calendar feed."""

from collections.abc import Mapping

from conductor.ingest.github.deliveries import delivery_intake
from conductor.ingest.github.routes import Routes
from conductor.ingest.intake import Intake
from conductor.runtime.calendar import calendar_of
from conductor.runtime.live import LiveRuntime


class GitHubDeliveries:
    """Reads deliveries with the routes of the scores published now (rebuilt only when a
    score is published or revised, or the state is rebuilt)."""

    def __init__(self, runtime: LiveRuntime, secret: bytes | None) -> None:
        self._runtime = runtime
        self._secret = secret
        self._key: tuple[tuple[str, int, int], ...] | None = None
        self._routes = Routes()

    def routes(self) -> Routes:
        engines = self._runtime.session.engines
        key = tuple((name, id(engine), engine.state.generation) for name, engine in engines.items())
        if key != self._key:
            self._routes = Routes.of(engine.plan.score for engine in engines.values())
            self._key = key
        return self._routes

    def intake(self, headers: Mapping[str, str], body: bytes) -> Intake:
        """Raises `conductor.ingest.github.deliveries.Unauthorized` for an unsigned delivery."""
        return delivery_intake(headers, body, self._secret, self.routes())


def calendar_feed(runtime: LiveRuntime, ensemble: str) -> bytes | None:
    """The ensemble's cadences as iCalendar, stamped with the runtime's time; None for an
    ensemble without a score."""
    engine = runtime.session.engines.get(ensemble)
    if engine is None or not engine.has_score:
        return None
    return calendar_of(engine.plan, runtime.now())
