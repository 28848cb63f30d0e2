"""Choice helpers shared by recruitment and inter-deanery transfers.

- `rank_within_groups`: position of each element within its run of equal (sorted) values, the
  building block of every "first k of each group" rule (seats, vacancies, arrivals);
- `stable_order`: a stable sort by several unsigned integer keys (16-bit radix passes, linear in
  the length); `pair_order`, the same for two keys by one sort of packed 64-bit keys; and
  `descending_key`, the order of floats, highest first, as such a key;
- `gumbel_utilities`: utilities of alternatives with Gumbel noise drawn per (agent, alternative)
  slot, so the highest is a multinomial-logit choice and the order a random preference list;
- `gumbel_candidates`: the same draws, kept only where the utility may exceed a floor (most
  alternatives fall below an outside option), drawn in cache-sized blocks;
- `programme_vacancies`: vacant posts ordered by programme (specialty x local office), in a random
  order within each programme that is drawn per post (`post_choice`), so two policies with the
  same vacancies fill them alike.
"""

from __future__ import annotations

import numpy as np

from agents.post import Posts
from sim.rng import Stream, choice_slots
from sim.world import World

_DIGIT_BITS = 16  # NumPy's stable sort of 16-bit integers is a radix sort
_BLOCK = 1 << 14  # draws per block: a block's temporaries stay in the CPU cache
# draws whose utility may be within this of the floor are kept: far above the rounding error of
# `base - log(-log u)` for utilities and floors of the size the parameters allow; the threshold
# on u is also lowered by a relative 1e-12, far above its own rounding error
_FLOOR_SLACK = 1e-6
_CUT_SLACK = 1.0 - 1e-12


def rank_within_groups(groups_sorted: np.ndarray) -> np.ndarray:
    """0,1,2... position of each element within its run of equal values (input sorted)."""
    n = len(groups_sorted)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(groups_sorted[1:], groups_sorted[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    run_index = np.cumsum(new_run) - 1
    return np.arange(n) - starts[run_index]


def stable_order(*keys: np.ndarray) -> np.ndarray:
    """Indices that sort by keys[0], then keys[1]..., ties in input order (unsigned integers).

    The same order as `np.lexsort(keys[::-1])`, by least-significant-digit radix sort: one
    stable 16-bit pass per digit a key uses, from the last key's lowest digit up.
    """
    order = np.arange(len(keys[0]))
    for key in reversed(keys):
        top = int(key.max()) if len(key) else 0
        shift = 0
        while True:
            digit = (key[order] >> np.uint64(shift)).astype(np.uint16)  # wraps: the low 16 bits
            order = order[np.argsort(digit, kind="stable")]
            shift += _DIGIT_BITS
            if top >> shift == 0:
                break
    return order


def pair_order(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """`stable_order(major, minor)` (unsigned 64-bit integers) by one sort of packed keys.

    Each element's key packs its major value, the top bits of its minor value and its index,
    and NumPy sorts 64-bit integers several times faster than the radix passes. Where two
    elements tie in the kept bits their index decides; if their full minor values disagree
    (rare: the top 30-odd bits are kept), the radix passes give the order instead.
    """
    n = len(major)
    index_bits = (n - 1).bit_length() if n else 0
    major_bits = int(major.max()).bit_length() if n else 0
    minor_bits = 64 - index_bits - major_bits
    if minor_bits < _DIGIT_BITS:
        return stable_order(major, minor)
    key = minor >> np.uint64(64 - minor_bits)
    key <<= np.uint64(index_bits)
    key |= np.arange(n, dtype=np.uint64)
    if major_bits:
        key |= major << np.uint64(64 - major_bits)
    key.sort()
    order = (key & np.uint64((1 << index_bits) - 1)).view(np.int64)
    key >>= np.uint64(index_bits)  # the kept bits: equal ones are ties
    tie = np.flatnonzero(key[1:] == key[:-1])
    if len(tie) and (minor[order[tie + 1]] < minor[order[tie]]).any():
        return stable_order(major, minor)
    return order


def descending_key(x: np.ndarray) -> np.ndarray:
    """Unsigned integers in the order of the float64 values `x`, highest first (-0.0 = 0.0)."""
    bits = (x + 0.0).view(np.uint64)  # a copy; + 0.0 turns -0.0 into 0.0
    # non-negative floats order as their bits: flip all bits but the sign; negative ones order
    # as their bits reversed, which puts them after every non-negative one
    flip = bits >> np.uint64(63)
    flip -= np.uint64(1)
    flip >>= np.uint64(1)
    bits ^= flip
    return bits


def _minus_gumbel(u: np.ndarray) -> np.ndarray:
    """log(-log u): minus the Gumbel noise of uniforms `u` (overwritten)."""
    x = np.log(u, out=u)
    np.negative(x, out=x)
    return np.log(x, out=x)


def gumbel_utilities(stream: Stream, t: int, slots: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(agents x alternatives) utilities: `base` (one per alternative) plus Gumbel noise."""
    x = _minus_gumbel(stream.uniform(t, choice_slots(slots, len(base)).ravel()))
    return np.subtract(base[None, :], x.reshape(len(slots), len(base)))


def gumbel_candidates(
    stream: Stream, t: int, slots: np.ndarray, base: np.ndarray, floor: float, always: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The draws of `gumbel_utilities` where the utility may exceed `floor`, and `always`.

    Returns flat indices (agent x n_alternatives + alternative), in that order, and minus the
    noise there: the utility is `base[alternative] - x`, bit for bit as in `gumbel_utilities`.
    Each agent's alternative `always` is kept whatever its draw (an agent-specific pull may lift
    it over the floor). A draw is kept when u > exp(-exp(base - floor + slack)), a little less:
    every utility above the floor, and a few just below it, which the caller's own test removes.
    """
    n_alt = len(base)
    with np.errstate(over="ignore"):  # exp overflows to inf where every draw is kept
        cut = np.exp(-np.exp(base - floor + _FLOOR_SLACK)) * _CUT_SLACK
    per_block = max(_BLOCK // n_alt, 1)
    index, kept = [], []
    for start in range(0, len(slots), per_block):
        block = slots[start : start + per_block]
        u = stream.uniform(t, choice_slots(block, n_alt).ravel())
        keep = u.reshape(len(block), n_alt) > cut
        keep[np.arange(len(block)), always[start : start + per_block]] = True
        flat = np.flatnonzero(keep)
        kept.append(u[flat])
        index.append(flat + start * n_alt)
    if not index:
        return np.empty(0, dtype=np.int64), np.empty(0)
    return np.concatenate(index), _minus_gumbel(np.concatenate(kept))


def programme_vacancies(
    posts: Posts, world: World, stream: Stream, t: int, vac: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vacant posts sorted by programme id (specialty x n_los + local office), and their ids.

    Within a programme the order is random, by the post's draw on `stream` (`post_choice`).
    """
    prog = posts.spec[vac].astype(np.int64) * world.n_los + world.trust_lo[posts.trust[vac]]
    draw = stream.uniform(t, posts.slot[vac])  # in (0, 1): its bits order as the numbers
    order = pair_order(prog.view(np.uint64), draw.view(np.uint64))
    return vac[order], prog[order]
