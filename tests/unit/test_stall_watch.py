"""A partition is told stalled only after waiting `patience` seconds at one offset while
the broker holds more, and then only once per `patience`."""

from streams.stalls import StallWatch


def test_a_partition_waiting_at_one_offset_with_more_on_the_broker_is_told_stalled() -> None:
    watch = StallWatch(patience=5.0)
    assert not watch.stalled(3, following=115, highwater=149, now=100.0)
    assert not watch.stalled(3, following=115, highwater=149, now=104.9)
    assert watch.stalled(3, following=115, highwater=149, now=105.0)
    assert not watch.stalled(3, following=115, highwater=149, now=106.0)  # just sought back
    assert watch.stalled(3, following=115, highwater=149, now=110.0)


def test_progress_or_nothing_more_on_the_broker_is_no_stall() -> None:
    watch = StallWatch(patience=5.0)
    assert not watch.stalled(0, following=10, highwater=20, now=0.0)
    assert not watch.stalled(0, following=11, highwater=20, now=6.0)  # moved: a fresh wait
    assert not watch.stalled(0, following=11, highwater=20, now=10.0)
    assert not watch.stalled(0, following=20, highwater=20, now=30.0)  # at the end
    assert not watch.stalled(0, following=20, highwater=21, now=31.0)
    assert not watch.stalled(1, following=5, highwater=9, now=35.0)  # each partition its own
    assert watch.stalled(0, following=20, highwater=21, now=36.0)


def test_a_revoked_partition_starts_a_fresh_watch() -> None:
    watch = StallWatch(patience=5.0)
    watch.stalled(2, following=7, highwater=9, now=0.0)
    watch.forget([2])
    assert not watch.stalled(2, following=7, highwater=9, now=6.0)
    assert watch.stalled(2, following=7, highwater=9, now=11.0)
