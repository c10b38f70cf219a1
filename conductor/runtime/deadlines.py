"""Which ensembles have a deadline due, without visiting every engine on each batch.

The runtime ticks after every batch and on a timer; asking each engine for its next
deadline made that O(ensembles) per batch (700 ensembles: a tenth of ingest). This is a
heap of (deadline, ensemble) kept current by `note` after each event an engine applies;
an entry that no longer matches the ensemble's latest deadline is dropped when reached.
"""

import heapq
from collections.abc import Iterable
from datetime import datetime


class DeadlineIndex:
    def __init__(self, deadlines: Iterable[tuple[str, datetime | None]] = ()) -> None:
        self._current: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []
        for ensemble, deadline in deadlines:
            self.note(ensemble, deadline)

    def note(self, ensemble: str, deadline: datetime | None) -> None:
        """Record the ensemble's next deadline (None: it has none)."""
        if deadline is None:
            self._current.pop(ensemble, None)
            return
        if self._current.get(ensemble) == deadline:
            return
        self._current[ensemble] = deadline
        heapq.heappush(self._heap, (deadline, ensemble))
        if len(self._heap) > 2 * len(self._current) + 64:
            self._heap = [(at, name) for name, at in self._current.items()]
            heapq.heapify(self._heap)

    def take_due(self, now: datetime) -> list[str]:
        """The ensembles whose deadline is at or before `now`, earliest first, forgotten
        until noted again (after they are ticked)."""
        due = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            deadline, ensemble = heapq.heappop(heap)
            if self._current.get(ensemble) == deadline:
                del self._current[ensemble]
                due.append(ensemble)
        return due

    def earliest(self) -> tuple[datetime, str] | None:
        heap = self._heap
        while heap and self._current.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0] if heap else None
