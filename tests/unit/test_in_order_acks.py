"""A partition's commit goes up to its first event not done, whatever order they are done
in, and offsets the fetch jumped over are told."""

from streams.acks import InOrderAcks, commit_what_is_done


class SourceEvent:
    def __init__(self, offset: int, acked: list[int]) -> None:
        self.offset = offset
        self._acked = acked

    def ack(self) -> bool:
        self._acked.append(self.offset)
        return True


def test_the_commit_waits_for_the_first_event_not_done() -> None:
    acked: list[int] = []
    acks = InOrderAcks()
    assert acks.committable(0) is None
    zero, one, two, three = (acks.track(0, n, SourceEvent(n, acked)) for n in range(4))
    other = acks.track(1, 100, SourceEvent(100, acked))
    one.ack()  # e.g. a dead letter, done at once
    three.ack()
    other.ack()  # another partition: not held back by partition 0
    assert (acked, acks.committable(0), acks.committable(1)) == ([100], 0, 101)
    zero.ack()  # its ensemble's snapshot is on the broker
    assert (acked, acks.committable(0)) == ([100, 0, 1], 2)
    two.ack()
    assert (acked, acks.committable(0)) == ([100, 0, 1, 2, 3], 4)


def test_a_jump_in_offsets_names_the_offsets_missed() -> None:
    acks = InOrderAcks()
    assert acks.missed(0, 10, committed=10) is None  # where the partition's reading starts
    assert acks.missed(0, 19, committed=10) == (10, 19)  # the first event past the commit
    acks.track(0, 10, SourceEvent(10, []))
    assert acks.missed(0, 11, committed=10) is None
    assert acks.missed(0, 14, committed=10) == (11, 14)
    for offset in (11, 12, 13):  # read from the broker, folded before the one in hand
        acks.track(0, offset, SourceEvent(14, []), own=False).ack()
    assert acks.committable(0) == 10


def test_events_of_a_revoked_partition_are_acknowledged_no_more() -> None:
    acked: list[int] = []
    acks = InOrderAcks()
    before = acks.track(0, 7, SourceEvent(7, acked))
    acks.drop({0})
    before.ack()  # a snapshot that finished after the revocation
    again = acks.track(0, 5, SourceEvent(5, acked))  # assigned again, read from its commit
    again.ack()
    assert acked == [5]
    assert before.revoked and not again.revoked
    assert acks.first_offset(0) == 5


class Consumer:
    """The one method of Faust's consumer that picks the offset to commit."""

    def __init__(self) -> None:
        self.reckoned: list[str] = []

    def _new_offset(self, tp: "TP") -> int | None:
        self.reckoned.append(tp.topic)
        return 99


class TP:
    def __init__(self, topic: str, partition: int) -> None:
        self.topic, self.partition = topic, partition


def test_the_consumer_commits_what_is_done_of_the_events_topic() -> None:
    acks = InOrderAcks()
    acks.track(0, 3, SourceEvent(3, []))
    consumer = Consumer()
    commit_what_is_done(consumer, acks, "events")
    assert consumer._new_offset(TP("events", 0)) == 3
    assert consumer._new_offset(TP("other", 0)) == 99
    assert consumer.reckoned == ["events", "other"]  # Faust still trims its own list
