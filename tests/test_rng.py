"""The counter-based random numbers (sim/rng.py): the function they claim, uniformity, and
independence between streams, months and neighbouring slots."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.rng import Stream, Streams, _mix_int, _uniforms, make_slots

GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def reference_uniform(key: int, slot: int) -> float:
    """SplitMix64 of (slot x golden + key) in Python integers, top 52 bits as an odd multiple
    of 2^-53: the documented function, computed without NumPy."""
    bits = _mix_int((slot * GOLDEN + key) & MASK) >> 12
    return (2 * bits + 1) * 2.0**-53


def test_uniforms_are_the_documented_function():
    slots = np.array([0, 1, 2, 7, 12345, (3 << 40) | 99, (1 << 63) + 5], dtype=np.uint64)
    keys = [0, 1, 0xDEADBEEF, MASK]
    got = _uniforms(keys, slots)
    want = [[reference_uniform(k, int(s)) for s in slots] for k in keys]
    assert got.tolist() == want


def test_reused_work_buffer_does_not_leak_between_calls():
    big = np.arange(50_000, dtype=np.uint64)
    small = big[:10].copy()
    first = _uniforms([5], small).copy()
    _uniforms([9, 10, 11], big)  # grows and fills the shared work buffer
    assert np.array_equal(_uniforms([5], small), first)


def test_uniform_in_open_interval_and_uniformly_spread():
    u = Stream(1, "attrition").uniform(3, make_slots(2, np.arange(200_000)))
    assert u.min() > 0.0 and u.max() < 1.0
    # fixed seed: the statistic is deterministic, the bound that of a 1-in-1,000 chance
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    counts = np.bincount((u * 100).astype(int), minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-3


@pytest.mark.parametrize(
    "pair",
    [
        ("neighbouring slots", lambda s: (s.uniform(4, _slots(0)), s.uniform(4, _slots(1)))),
        ("next month", lambda s: (s.uniform(4, _slots(0)), s.uniform(5, _slots(0)))),
    ],
    ids=lambda p: p[0],
)
def test_draws_are_uncorrelated(pair):
    a, b = pair[1](Stream(3, "rotation"))
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(len(a))  # four standard errors


def test_streams_and_seeds_are_independent():
    slots = _slots(0)
    s1, s2 = Streams(1), Streams(2)
    a = s1["arcp"].uniform(10, slots)
    for b in (s1["ltft"].uniform(10, slots), s2["arcp"].uniform(10, slots)):
        assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(len(a))
    both = s1.uniforms(10, slots, ("arcp", "ltft"))
    assert np.array_equal(both[0], a) and np.array_equal(both[1], s1["ltft"].uniform(10, slots))


def test_unknown_stream_name_is_refused():
    with pytest.raises(KeyError, match="declare it"):
        Streams(1)["atrition"]


def _slots(offset: int) -> np.ndarray:
    """Slots 0, 2, 4... (+ offset) of specialty 1."""
    return make_slots(1, 2 * np.arange(50_000) + offset)


def test_keyed_draws_are_each_stream_at_its_own_month():
    streams, slots = Streams(4), _slots(0)[:1000]
    arcp, rotation = streams.keyed(slots, [("arcp", 3), ("rotation", 7)])
    assert np.array_equal(arcp, streams["arcp"].uniform(3, slots))
    assert np.array_equal(rotation, streams["rotation"].uniform(7, slots))
