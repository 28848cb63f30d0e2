"""Common random numbers: one named, seeded stream per decision, indexed by permanent slot.

Every random number in a run is a pure function of (run seed, decision name, month, slot): a
counter-based generator in the spirit of Random123 / Starsim's per-slot streams. An agent's slot is
stable across policies (specialty x the agent's ordinal within its specialty), so two runs with the
same seed draw the same number for the same agent and decision: they differ only where a policy
acts, and adding an agent changes no other agent's draws.

NumPy's `Generator` cannot draw element-wise from keyed counters without building one generator
per element, so the mixing here is the SplitMix64 finaliser (Steele, Lea & Flood 2014), applied
to the 64-bit key, month and slot with NumPy uint64 arithmetic. The global `random` and
`np.random` states are never used.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO53 = 1.0 / float(1 << 53)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_MASK = (1 << 64) - 1
_GOLDEN_INT, _M1_INT, _M2_INT = int(_GOLDEN), int(_M1), int(_M2)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, element-wise on uint64 arrays, in place (wrapping arithmetic).

    NumPy's uint64 array arithmetic wraps without warnings (only NumPy scalars warn), so no
    error-state context is needed; the caller passes an array it owns.
    """
    tmp = np.right_shift(x, _S30)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M1, out=x)
    np.right_shift(x, _S27, out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M2, out=x)
    np.right_shift(x, _S31, out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    return x


def _mix_int(x: int) -> int:
    """SplitMix64 finaliser on one Python integer (the same function as `_mix`)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * _M1_INT) & _MASK
    x = ((x ^ (x >> 27)) * _M2_INT) & _MASK
    return x ^ (x >> 31)


def stable_hash(name: str) -> int:
    """A 64-bit hash of a decision name that is the same on every machine and Python run."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def make_slots(group: np.ndarray | int, ordinal: np.ndarray | int) -> np.ndarray:
    """Permanent slot of an agent: its group (e.g. specialty) and its ordinal within the group."""
    g = np.asarray(group, dtype=np.uint64)
    o = np.asarray(ordinal, dtype=np.uint64)
    return (g << np.uint64(40)) | o


class Stream:
    """One decision's stream: uniform numbers keyed by (month, slot)."""

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        self._key = _mix_int(_mix_int(seed & _MASK) ^ stable_hash(name))
        self._month_keys: dict[int, np.uint64] = {}

    def uniform(self, t: int, slots: np.ndarray) -> np.ndarray:
        """Uniform(0, 1) numbers for the given slots at month `t` (never exactly 0)."""
        tk = self._month_keys.get(t)
        if tk is None:
            month = int(t) & 0xFFFFFFFF
            tk = self._month_keys[t] = np.uint64(
                _mix_int((month * _GOLDEN_INT + self._key) & _MASK)
            )
        x = np.multiply(slots, _GOLDEN, dtype=np.uint64, casting="unsafe")
        if x.ndim == 0:
            return self.uniform(t, np.reshape(slots, 1))[0]
        np.add(x, tk, out=x)
        _mix(x)
        np.right_shift(x, _S11, out=x)
        out = np.add(x, 0.5, dtype=np.float64)
        out *= _TWO53
        return out

    def gumbel(self, t: int, slots: np.ndarray) -> np.ndarray:
        """Standard Gumbel numbers (for choice among alternatives by the Gumbel-max rule)."""
        return -np.log(-np.log(self.uniform(t, slots)))

    def normal(self, t: int, slots: np.ndarray) -> np.ndarray:
        """Standard normal numbers by inversion."""
        return ndtri(self.uniform(t, slots))


class Streams:
    """The run's named streams; `streams['attrition']` is the attrition decision's stream."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, name)
        return stream
