"""The runtime's index of due deadlines: current entries only, earliest first."""

from datetime import UTC, datetime, timedelta

from conductor.runtime.deadlines import DeadlineIndex

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_due_ensembles_come_earliest_first_and_only_once_until_noted_again() -> None:
    index = DeadlineIndex([("b", at(5)), ("a", at(1)), ("c", at(30)), ("d", None)])
    assert index.earliest() == (at(1), "a")
    assert index.take_due(at(5)) == ["a", "b"]
    assert index.take_due(at(5)) == []
    assert index.earliest() == (at(30), "c")
    index.note("a", at(2))  # still due after its tick (its tick had to wait)
    assert index.take_due(at(5)) == ["a"]


def test_a_moved_deadline_replaces_the_old_one() -> None:
    index = DeadlineIndex([("a", at(1))])
    index.note("a", at(10))
    assert index.take_due(at(5)) == [], "the deadline at 1 was replaced by the one at 10"
    assert index.take_due(at(10)) == ["a"]
    index.note("a", at(20))
    index.note("a", None)
    assert index.earliest() is None
    assert index.take_due(at(60)) == []


def test_many_moves_keep_the_heap_small_and_the_answers_right() -> None:
    index = DeadlineIndex()
    for step in range(10_000):
        index.note(f"e{step % 10}", at(step))
    assert len(index._heap) <= 2 * 10 + 64
    assert index.earliest() == (at(9_990), "e0")
    assert index.take_due(at(9_995)) == [f"e{n}" for n in range(6)]
