"""The forecast's random numbers: seeded streams of 32-bit draws, mapped to places in a
sample, and kept for the last seeds.

A forecast's numbers depend only on its seed (the ensemble and the instant), and a
rehearsal's runs all forecast at the same instants of one ensemble (from different states):
kept, each instant's draws are made once for all the runs. Live, an instant is forecast
once; what is kept costs only its memory, bounded by `KEPT_BYTES`.
"""

import hashlib
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

_Number = TypeVar("_Number", bound=np.generic)

KEPT_BYTES = 32 * 1024 * 1024
"""At most this much is kept (the oldest goes first); a forecast to the horizon takes about
1.2 MB a section."""


def seed(*parts: object) -> int:
    key = "|".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def picks(seed: int, offset: int, rows: int, trials: int, size: int) -> NDArray[np.int64]:
    """(rows, trials) places in a sample of `size` values, from the seed's draws `offset`
    onward, row after row: a draw d picks place (d * size) >> 32. Read-only (shared)."""
    key = (seed, offset, rows, trials, size, False)
    found = _kept.get(key)
    if found is None:
        found = _kept.keep(key, _places(seed, offset, rows, trials, size))
    return found


def spread_picks(seed: int, rows: int, trials: int, size: int) -> NDArray[np.int64]:
    """`picks` from the seed's first draws, each trial's in its own sample: trial t's place
    p is t * size + p in the trials' samples laid end to end (one flat `take` costs a third
    of a two-dimensional fancy index). Read-only (shared)."""
    key = (seed, 0, rows, trials, size, True)
    found = _kept.get(key)
    if found is None:
        places = _places(seed, 0, rows, trials, size)
        found = _kept.keep(key, places + np.arange(trials) * size)
    return found


def _places(seed: int, offset: int, rows: int, trials: int, size: int) -> NDArray[np.int64]:
    draws = _stream(seed, offset + rows * trials)[offset:].reshape(rows, trials)
    return ((draws * np.uint64(size)) >> np.uint64(32)).view(np.int64)


def _stream(seed: int, count: int) -> NDArray[np.uint64]:
    """The first `count` 32-bit integers of the PCG64 generator seeded with `seed`, in the
    order `Generator.integers(0, 1 << 32)` draws them (each 64-bit output's low half, then
    its high half), as 64-bit integers for the multiply-shift. More draws of a seed begin
    with the same ones: a longer simulation draws the same first days."""
    key = (seed, -1, 0, 0, 0, False)
    stream = _kept.get(key)
    if stream is None or stream.size < count:
        raw = np.random.PCG64(seed).random_raw((count + 1) // 2)
        halves = (raw & np.uint64(0xFFFFFFFF), raw >> np.uint64(32))
        stream = _kept.keep(key, np.stack(halves, axis=1).ravel())
    return stream[:count]


_Key = tuple[int, int, int, int, int, bool]
"""(seed, offset or -1 for the stream itself, rows, trials, size, spread)"""


class _Kept:
    """The last arrays made, oldest first, at most `KEPT_BYTES` of them."""

    def __init__(self) -> None:
        self.arrays: dict[_Key, NDArray[Any]] = {}
        self.bytes = 0

    def get(self, key: _Key) -> NDArray[Any] | None:
        return self.arrays.get(key)

    def keep(self, key: _Key, array: NDArray[_Number]) -> NDArray[_Number]:
        array.flags.writeable = False
        replaced = self.arrays.pop(key, None)
        if replaced is not None:
            self.bytes -= replaced.nbytes
        self.arrays[key] = array
        self.bytes += array.nbytes
        while self.bytes > KEPT_BYTES and len(self.arrays) > 1:
            self.bytes -= self.arrays.pop(next(iter(self.arrays))).nbytes
        return array


_kept = _Kept()
