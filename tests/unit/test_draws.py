"""The forecast's draws are NumPy's own `Generator.integers` numbers, however they are kept."""

import numpy as np
import pytest

from conductor.core import draws


def _integers(seed: int, *shapes: tuple[int, int]) -> list[np.ndarray]:
    """What a seeded generator draws for each shape in turn, as 32-bit integers."""
    generator = np.random.Generator(np.random.PCG64(seed))
    return [generator.integers(0, 1 << 32, size=shape, dtype=np.uint64) for shape in shapes]


@pytest.mark.parametrize("size", [1, 7, 20, 28])
def test_picks_are_the_generators_draws_mapped_to_places(size: int) -> None:
    seed = draws.seed("billing", 1_772_000_000)
    (expected,) = _integers(seed, (40, 200))
    picked = draws.picks(seed, 0, 40, 200, size)
    assert np.array_equal(picked, (expected * np.uint64(size)) >> np.uint64(32))
    assert picked.min() >= 0 and picked.max() < size


def test_picks_from_an_offset_go_on_where_the_last_ones_stopped() -> None:
    """Sections' bootstraps take one stream in turn, an odd count included (the generator
    keeps the other half of its last 64-bit output for the next draw)."""
    seed = draws.seed("billing", 1_772_000_000, "h")
    first, second = _integers(seed, (3, 7), (200, 5))
    assert np.array_equal(draws.picks(seed, 0, 3, 7, 9), (first * np.uint64(9)) >> np.uint64(32))
    assert np.array_equal(
        draws.picks(seed, 21, 200, 5, 5), (second * np.uint64(5)) >> np.uint64(32)
    )


def test_a_longer_simulation_draws_the_same_first_days() -> None:
    seed = draws.seed("billing", 1_773_000_000)
    short = draws.picks(seed, 0, 10, 200, 20).copy()
    longer = draws.picks(seed, 0, 512, 200, 20)
    assert np.array_equal(longer[:10], short)


def test_spread_picks_place_each_trial_in_its_own_sample() -> None:
    seed = draws.seed("billing", 1_774_000_000)
    spread = draws.spread_picks(seed, 30, 200, 12)
    assert np.array_equal(spread, draws.picks(seed, 0, 30, 200, 12) + np.arange(200) * 12)
    assert np.array_equal(spread // 12, np.broadcast_to(np.arange(200), (30, 200)))


def test_kept_draws_are_read_only_and_bounded() -> None:
    picked = draws.picks(draws.seed("billing", 1), 0, 730, 200, 28)
    with pytest.raises(ValueError):
        picked[0, 0] = 1
    for instant in range(60):  # ~2.3 MB each, beyond the bound
        draws.spread_picks(draws.seed("bounded", instant), 730, 200, 28)
    kept = draws._kept
    assert kept.bytes == sum(array.nbytes for array in kept.arrays.values())
    assert kept.bytes <= draws.KEPT_BYTES
    assert (draws.seed("bounded", 59), 0, 730, 200, 28, True) in kept.arrays
    assert (draws.seed("bounded", 0), 0, 730, 200, 28, True) not in kept.arrays
