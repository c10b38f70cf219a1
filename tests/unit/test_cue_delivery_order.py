"""A batch of cues is reported delivered only after every earlier batch of its partition,
so the snapshot of an ensemble need await only the delivery of its last cue."""

import asyncio

from streams.cuebatches import _OpenBatch, _settle


def _chain(count: int) -> list[_OpenBatch]:
    batches: list[_OpenBatch] = []
    for _ in range(count):
        batches.append(_OpenBatch(builder=None, after=batches[-1].delivered if batches else None))
    return batches


def test_a_later_batch_waits_for_the_earlier_ones() -> None:
    async def scenario() -> list[bool]:
        first, second, third = _chain(3)
        _settle(third, None)  # the broker acknowledged the newest batch first
        await asyncio.sleep(0)
        waiting = third.delivered.done()
        _settle(first, None)
        _settle(second, None)
        await third.delivered
        return [waiting, first.delivered.done(), second.delivered.done()]

    assert asyncio.run(scenario()) == [False, True, True]


def test_an_earlier_failure_fails_the_later_deliveries() -> None:
    async def scenario() -> tuple[BaseException | None, BaseException | None]:
        first, second = _chain(2)
        _settle(second, None)
        _settle(first, ConnectionError("broker gone"))
        await asyncio.wait([first.delivered, second.delivered])
        return first.delivered.exception(), second.delivered.exception()

    first_error, second_error = asyncio.run(scenario())
    assert isinstance(first_error, ConnectionError)
    assert second_error is first_error
