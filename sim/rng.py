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

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE_BITS = np.uint64(0x3FF0000000000000)  # bit pattern of 1.0
_ONE_LESS_HALF_ULP = 1.0 - 2.0**-53
_S30, _S27, _S31, _S12 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(12)
_MASK = (1 << 64) - 1
_GOLDEN_INT, _M1_INT, _M2_INT = int(_GOLDEN), int(_M1), int(_M2)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, element-wise on uint64 arrays, in place (wrapping arithmetic).

    NumPy's uint64 array arithmetic wraps without warnings (only NumPy scalars warn), so no
    error-state context is needed; the caller passes an array it owns. The shifted copies go to
    a scratch buffer kept between calls: a fresh array over ~128 KB costs a page fault per 4 KB.
    """
    tmp = _scratch(x.size).reshape(x.shape)
    np.right_shift(x, _S30, out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M1, out=x)
    np.right_shift(x, _S27, out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M2, out=x)
    np.right_shift(x, _S31, out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    return x


_SCRATCH = [np.empty(0, dtype=np.uint64)]


def _scratch(n: int) -> np.ndarray:
    """A uint64 work buffer of n elements, reused between calls (grown when too small)."""
    if _SCRATCH[0].size < n:
        _SCRATCH[0] = np.empty(max(n, 2 * _SCRATCH[0].size), dtype=np.uint64)
    return _SCRATCH[0][:n]


def _mix_int(x: int) -> int:
    """SplitMix64 finaliser on one Python integer (the same function as `_mix`)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * _M1_INT) & _MASK
    x = ((x ^ (x >> 27)) * _M2_INT) & _MASK
    return x ^ (x >> 31)


def stable_hash(name: str) -> int:
    """A 64-bit hash of a decision name that is the same on every machine and Python run."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


# --- slot layout ------------------------------------------------------------------------------
# slot = group << 40 | ordinal; the group is the specialty. Ordinals of a specialty:
#   0, 1, 2...                          trainees, posts and consultants in order of creation, a
#                                       counter per kind (`Context.next_ordinals`); kinds
#                                       draw from different streams, so they may share ordinals
#   trust index                         (specialty, trust) cells: `cell_slots`
#   APPLICANT_BASE + t * 2^17 + k       the k-th applicant of the recruitment round at month t
#   CELL_BASE + trust                   cells whose draws decide where international recruits go
#   IMG_BASE + t * 2^16 + k             the k-th international recruit of the month t
# A choice among n alternatives draws one number per alternative: `choice_slots`.
_GROUP_SHIFT = np.uint64(40)
APPLICANT_BASE = 1 << 30  # applicant ordinals sit above those of base-year trainees
APPLICANTS_PER_ROUND = 1 << 17  # most applicants a specialty can have in one round
CELL_BASE = 1 << 37
IMG_BASE = 1 << 38  # slots of international recruits sit above those of trainees
IMG_PER_MONTH = 1 << 16  # most recruits a specialty can have in one month


def make_slots(group: np.ndarray | int, ordinal: np.ndarray | int) -> np.ndarray:
    """Permanent slot of an agent: its group (e.g. specialty) and its ordinal within the group."""
    g = np.asarray(group, dtype=np.uint64)
    o = np.asarray(ordinal, dtype=np.uint64)
    return (g << _GROUP_SHIFT) | o


def applicant_slots(spec: np.ndarray, t: int, k: np.ndarray) -> np.ndarray:
    """Slots of the k-th applicants of each specialty in the round at month t."""
    return make_slots(spec, APPLICANT_BASE + int(t) * APPLICANTS_PER_ROUND + np.asarray(k))


def img_slots(spec: np.ndarray, t: int, k: np.ndarray) -> np.ndarray:
    """Slots of the k-th international recruits of each specialty at month t."""
    return make_slots(spec, IMG_BASE + int(t) * IMG_PER_MONTH + np.asarray(k))


def cell_slots(spec: np.ndarray, trust: np.ndarray, base: int = 0) -> np.ndarray:
    """Slots of (specialty, trust) cells (base: CELL_BASE for international recruits' race)."""
    return make_slots(spec, base + np.asarray(trust))


def choice_slots(slots: np.ndarray, n_choices: int) -> np.ndarray:
    """(len(slots) x n_choices) slots: one per agent and alternative of a choice."""
    return slots[:, None] * np.uint64(n_choices) + np.arange(n_choices, dtype=np.uint64)


# --- streams -----------------------------------------------------------------------------------
STREAMS = frozenset(
    {
        # base year (sim/initial_state.py)
        "initial_fill", "initial_ltft", "initial_stage", "initial_home", "initial_age",
        # training (sim/training.py)
        "attrition", "ltft_entry", "ltft", "arcp",
        # recruitment (sim/recruitment.py)
        "applicant_merit", "applicant_home", "applicant_preference", "post_choice",
        # rotations and inter-deanery transfers (sim/rotation.py, sim/transfers.py)
        "rotation", "rotation_order", "rotation_target",
        "idt_apply", "idt_destination", "idt_declare", "idt_priority",
        # settlement and the consultant market (sim/settlement.py, sim/consultant_market.py;
        # ages at appointment and exit months are drawn where appointments are written)
        "settlement_priority", "settlement_choice", "post_creation", "seeker_leave", "cct_age",
        "retirement", "consultant_leave", "establishment_growth", "img_age",
        # international recruits (sim/international.py)
        "img_arrivals", "img_choice",
    }
)  # fmt: skip


def _uniforms(keys: list[int], slots: np.ndarray) -> np.ndarray:
    """(len(keys) x n) uniforms in (0, 1): one row per combined (stream, month) key.

    The top 52 bits of each mixed word become the mantissa of a double in [1, 2) (bit pattern
    of 1.0 or'ed in, then viewed as float64); subtracting 1 - 2^-53 (exact, by Sterbenz) maps
    it onto the odd multiples of 2^-53 in (0, 1), in place: no conversion pass or second array.
    """
    x = np.empty((len(keys), np.size(slots)), dtype=np.uint64)
    np.multiply(slots, _GOLDEN, out=x[0], casting="unsafe")
    if len(keys) == 1:
        np.add(x, np.uint64(keys[0]), out=x)
    else:
        np.add(x[0], np.array(keys, dtype=np.uint64)[:, None], out=x)
    _mix(x)
    np.right_shift(x, _S12, out=x)
    np.bitwise_or(x, _ONE_BITS, out=x)
    out = x.view(np.float64)
    out -= _ONE_LESS_HALF_ULP
    return out


class Stream:
    """One decision's stream: uniform numbers keyed by (month, slot)."""

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        self._key = _mix_int(_mix_int(seed & _MASK) ^ stable_hash(name))
        self._month_keys: dict[int, int] = {}

    def key(self, t: int) -> int:
        """The stream's key for month `t` (any integer: rounds within a month use t * k + r)."""
        tk = self._month_keys.get(t)
        if tk is None:
            tk = self._month_keys[t] = _mix_int((int(t) & 0xFFFFFFFF) * _GOLDEN_INT + self._key)
        return tk

    def uniform(self, t: int, slots: np.ndarray) -> np.ndarray:
        """Uniform(0, 1) numbers for the given slots at month `t` (never exactly 0)."""
        if np.ndim(slots) == 0:
            return self.uniform(t, np.reshape(slots, 1))[0]
        return _uniforms([self.key(t)], slots)[0]


class Streams:
    """The run's named streams; `streams['attrition']` is the attrition decision's stream.

    Names are declared in `STREAMS`: an unknown name raises, so a typo cannot open a new stream.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            if name not in STREAMS:
                raise KeyError(f"unknown random stream {name!r}: declare it in sim/rng.py STREAMS")
            stream = self._streams[name] = Stream(self.seed, name)
        return stream

    def uniforms(self, t: int, slots: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        """(len(names) x n) uniforms of several streams for the same slots and month."""
        return self.keyed(slots, [(name, t) for name in names])

    def keyed(self, slots: np.ndarray, keys: list[tuple[str, int]]) -> np.ndarray:
        """(len(keys) x n) uniforms of (stream name, month or round) pairs for the same slots."""
        return _uniforms([self[name].key(t) for name, t in keys], slots)
