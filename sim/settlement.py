"""CCT holders seek a first consultant post: distance decay, a pull to home, vacancies.

Each month every CCT holder still seeking picks a trust with a consultant vacancy in its
specialty with probability proportional to vacancies x exp(-distance / decay) from its last
training trust, x `settlement_home_pull` in its home local office (x a retention bonus in its
training region where a policy sets one), or prefers to wait this month with weight
`settlement_wait_weight` (a vacancy at its own trust weighs 1): few will move far while a post
near home may yet open, so distant vacancies stay open. When more holders pick a trust than it has
vacancies, those with the higher random priority are appointed and the rest choose again (up to
three rounds a month). Those still without a post wait (locum, fellowship): their training
trust may create a post for them (`sim.consultant_market.create_posts`), they leave England's
market with a monthly chance, and at the latest after `settlement_max_wait_months`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.trainee import CONSULTANT, EV_LOST, EV_SETTLE, LOST
from sim import calendar as cal
from sim.choice import rank_within_groups
from sim.consultant_market import create_posts, settle_appointments

if TYPE_CHECKING:
    from sim.context import Context
    from sim.params import WorldParams
    from sim.policy import PolicyParams
    from sim.world import World

MILES_LOCAL = 50.0  # NHSE: "around 80% ... settle within 50 miles of where they trained"
_MAX_ROUNDS = 3  # re-choice rounds per month when trusts are over-subscribed; the rest wait
BLOCK = 16  # trusts per block of the two-step inverse CDF of a seeker's choice
_CHUNK = 256  # seekers whose weights are gathered at once (more spill out of a core's cache)


@dataclass(frozen=True)
class SettlementWeights:
    """Weights of the trusts a CCT holder may choose, trusts padded to whole blocks of `BLOCK`.

    `pull` is the (last trust x home local office) product of distance decay and home pull, in
    double precision (the product of the two single-precision factors is exact there), one row
    per seeker's (last trust, home office) pair, so a seeker's weights are one gathered row times
    its specialty's vacancies. `retention` is the (last trust x trust) retention bonus (None when
    no policy sets one). `decay` (last trust x trust), `home_pull` (home office x trust) and
    `retention_pull` (region x trust) are the single-precision factors of the trusts within the
    chosen block. All are shaped (rows x blocks x `BLOCK`); padded trusts weigh 0.
    """

    pull: np.ndarray
    retention: np.ndarray | None
    decay: np.ndarray
    home_pull: np.ndarray
    retention_pull: np.ndarray
    n_los: int

    @classmethod
    def build(cls, world: World, params: WorldParams, policy: PolicyParams) -> SettlementWeights:
        """The weights of one run's parameters."""
        n_cols = -(-world.n_trusts // BLOCK) * BLOCK
        pad = ((0, 0), (0, n_cols - world.n_trusts))

        def blocks(a: np.ndarray, dtype: type = np.float32) -> np.ndarray:
            return np.pad(a, pad).astype(dtype).reshape(len(a), -1, BLOCK)

        decay = blocks(np.exp(-world.distance_miles / params.settlement_decay_miles))
        bonus = policy.incentives.retention_bonus
        home = np.arange(world.n_los)[:, None] == world.trust_lo[None, :]
        same = np.arange(world.n_regions)[:, None] == world.trust_region[None, :]
        home_pull = blocks(np.where(home, params.settlement_home_pull, 1.0))
        retention_pull = blocks(np.where(same, bonus, 1.0))
        pull = decay.astype(np.float64)[:, None] * home_pull.astype(np.float64)[None, :]
        return cls(
            pull=pull.reshape(-1, *decay.shape[1:]),
            retention=None if bonus == 1.0 else retention_pull[world.trust_region].astype(float),
            decay=decay,
            home_pull=home_pull,
            retention_pull=retention_pull,
            n_los=world.n_los,
        )

    def vacancies(self, vac: np.ndarray) -> np.ndarray:
        """(specialty x blocks x `BLOCK`) vacancies in double precision from (trust x specialty)."""
        out = np.zeros((vac.shape[1], self.decay.shape[1] * BLOCK))
        out[:, : vac.shape[0]] = vac.T
        return out.reshape(vac.shape[1], -1, BLOCK)


def settle(ctx: Context, t: int) -> None:
    """Match seeking CCT holders to vacancies; the rest wait, get a created post, or leave."""
    tr, p = ctx.trainees, ctx.params
    seekers = tr.seeking
    if len(seekers) == 0:
        return
    slots = tr.slot[seekers]
    month = [("settlement_priority", t), ("post_creation", t), ("seeker_leave", t)]
    rounds = [("settlement_choice", t * _MAX_ROUNDS + r) for r in range(_MAX_ROUNDS)]
    u_prio, u_create, u_leave, *u_choice = ctx.streams.keyed(slots, month + rounds)
    vac = ctx.settlement.vacancies(ctx.cells.vacancies())
    seeker_spec = tr.spec[seekers]
    open_ = vac.reshape(len(vac), -1).any(axis=1)  # specialties with a vacancy
    pos = np.flatnonzero(open_[seeker_spec])  # positions in `seekers`
    got = np.full(len(seekers), -1, dtype=np.int64)  # trust each seeker is appointed to
    for r in range(_MAX_ROUNDS):
        if len(pos) == 0:
            break
        choice, has = _choose_trusts(ctx, vac, seekers[pos], seeker_spec[pos], u_choice[r][pos])
        pos, choice = pos[has], choice[has]
        ok = _first_by_priority(ctx, vac, choice, seeker_spec[pos], u_prio[pos])
        got[pos[ok]] = choice[ok]
        pos = pos[~ok]
    still = np.flatnonzero(got < 0)  # positions of those not appointed
    waited = still[tr.seek_since[seekers[still]] < t]  # waiting since an earlier month
    created = waited[create_posts(ctx, seekers[waited], u_create[waited])]
    got[created] = tr.trust[seekers[created]]
    chosen = got >= 0
    if len(created):
        still = np.flatnonzero(~chosen)
    if chosen.any():
        _appoint(ctx, t, seekers[chosen], got[chosen])
    waiting = t - tr.seek_since[seekers[still]]
    gone = (u_leave[still] < p.seeker_leave_rate) | (waiting >= p.settlement_max_wait_months)
    lost = seekers[still[gone]]
    if len(lost):
        tr.status[lost] = LOST
        ctx.history.log(lost, t, EV_LOST, tr.trust[lost])
        ctx.recorder.add("seekers_left", _region_spec(ctx, lost))
    tr.seeking = seekers[still[~gone]]


def _region_spec(ctx: Context, rows: np.ndarray) -> np.ndarray:
    """Recorder keys (region of last training trust x specialty) of trainee rows."""
    tr = ctx.trainees
    return ctx.region_spec(tr.trust[rows], tr.spec[rows])


def _choose_trusts(
    ctx: Context, vac: np.ndarray, seekers: np.ndarray, spec: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's pick among vacancies of its specialty (weights in the module docstring).

    `vac`: (specialty x blocks x `BLOCK`) vacancies (`SettlementWeights.vacancies`). The draw is
    inverted in two steps, first the block of trusts (from the weights summed by block in one
    pass), then the trust within it: the distribution of an inverse CDF over trusts in index
    order, without a cumulative sum over every (seeker, trust) pair. `u`: each seeker's uniform
    draw. Returns the chosen trust per seeker and whether the seeker took one (the rest wait
    this month).

    Arrays are (seeker x block) and (seeker x trust within its block): cumulative sums run
    along short rows in one call, and a row of comparisons, 8 or 16 bytes, is counted as the
    set bits of its 64-bit words (the sums rise along a row: the count is the first index above).
    Those who wait go through every step (their block clipped) and are dropped at the end.
    """
    tr, w = ctx.trainees, ctx.settlement
    n, n_blocks = len(seekers), w.pull.shape[1]
    last, home = tr.trust[seekers], tr.home_lo[seekers]
    cum = np.empty((n, n_blocks + 1))  # column b + 1: weight of blocks 0..b
    cum[:, 0] = 0.0
    _block_sums(ctx, vac, last, home, spec, out=cum[:, 1:])
    np.cumsum(cum[:, 1:], axis=1, out=cum[:, 1:])
    total = cum[:, -1]
    draw = u * (total + ctx.params.settlement_wait_weight)
    able = draw < total  # the rest prefer to wait this month than take any vacancy offered
    block = _count_true(cum[:, 1:] <= draw[:, None])  # blocks wholly at or below the draw
    np.minimum(block, n_blocks - 1, out=block)  # (only those who wait had every block below)
    rest = draw - np.take(cum, np.arange(0, cum.size, n_blocks + 1) + block)
    within = _block_weights(ctx, vac, last, home, spec, block)  # (seekers x BLOCK)
    i = _count_true(np.cumsum(within, axis=1) <= rest[:, None])
    full = np.flatnonzero((i == BLOCK) & able)
    if len(full):  # round-off: all of the block's sums <= rest; take its last weighted trust
        i[full] = BLOCK - 1 - np.argmax(within[full, ::-1] > 0, axis=1)
    return np.where(able, block * BLOCK + i, -1), able


def _count_true(rows: np.ndarray) -> np.ndarray:
    """Number of True in each row of a C-contiguous boolean array (as `rows.sum(axis=1)`).

    Rows of 8k bytes are counted as the set bits of their 64-bit words: one call per word.
    """
    if rows.shape[1] % 8:
        return rows.sum(axis=1)
    bits = np.bitwise_count(rows.view(np.uint64))
    count = bits[:, 0].astype(np.int64)
    for k in range(1, bits.shape[1]):
        count += bits[:, k]
    return count


def _block_sums(
    ctx: Context,
    vac: np.ndarray,
    last: np.ndarray,
    home: np.ndarray,
    spec: np.ndarray,
    out: np.ndarray,
) -> None:
    """Weights summed by block into `out` (seekers x blocks), each block's trusts in index order.

    `last`, `home`: the seekers' last training trusts and home local offices. One pass (einsum)
    per chunk of `_CHUNK` seekers: their gathered weight rows stay in cache.
    """
    w = ctx.settlement
    key = last * np.int64(w.n_los) + home
    for lo in range(0, len(last), _CHUNK):
        chunk = slice(lo, lo + _CHUNK)
        factors = [np.take(w.pull, key[chunk], axis=0), np.take(vac, spec[chunk], axis=0)]
        if w.retention is not None:
            factors.append(np.take(w.retention, last[chunk], axis=0))
        out[chunk] = np.einsum(",".join(["ibk"] * len(factors)) + "->ib", *factors)


def _block_weights(
    ctx: Context,
    vac: np.ndarray,
    last: np.ndarray,
    home: np.ndarray,
    spec: np.ndarray,
    block: np.ndarray,
) -> np.ndarray:
    """(seekers x `BLOCK`) single-precision weights of the trusts of each seeker's block.

    Each factor's row is taken from its table flattened to (rows x blocks, `BLOCK`): one index
    per seeker, cheaper than indexing by (row, block) pairs.
    """
    w = ctx.settlement
    n_blocks = w.decay.shape[1]

    def rows(table: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.take(table.reshape(-1, BLOCK), index * n_blocks + block, axis=0)

    within = np.multiply(rows(w.decay, last), rows(vac, spec), dtype=np.float32)
    within *= rows(w.home_pull, home)
    if w.retention is not None:
        within *= rows(w.retention_pull, ctx.world.trust_region[last])
    return within


def _first_by_priority(
    ctx: Context, vac: np.ndarray, choice: np.ndarray, spec: np.ndarray, u_prio: np.ndarray
) -> np.ndarray:
    """Whether each seeker gets the trust it chose; takes the appointed posts off `vac`.

    Where more seekers chose a (trust, specialty) cell than it has vacancies, those with the
    higher priority (`u_prio`) get them; only those cells are sorted.
    """
    flat = vac.reshape(-1)
    cell = spec * np.int64(flat.size // len(vac)) + choice  # index into `flat`
    chosen = np.bincount(cell, minlength=flat.size)[cell]  # seekers who chose the seeker's cell
    free = flat[cell]  # and its vacancies
    ok = chosen <= free
    over = np.flatnonzero(~ok)
    if len(over):
        key = choice[over] * ctx.n_specs + spec[over] - u_prio[over] * 0.5  # priority first
        order = over[np.argsort(key, kind="stable")]
        ok[order] = rank_within_groups(cell[order]) < free[order]
    flat[cell] = np.maximum(free - chosen, 0)  # the same value for every seeker of a cell
    return ok


def _appoint(ctx: Context, t: int, rows: np.ndarray, trust: np.ndarray) -> None:
    tr, w = ctx.trainees, ctx.world
    if len(rows) == 0:
        return
    tr.status[rows] = CONSULTANT
    tr.consultant_trust[rows] = trust
    ctx.history.log(rows, t, EV_SETTLE, trust)
    dist = w.distance_miles[tr.trust[rows], trust]
    key = _region_spec(ctx, rows)
    ctx.recorder.add("settled_within_50_miles", key[dist <= MILES_LOCAL])
    ctx.recorder.add("settled", key)
    waited = (t - tr.seek_since[rows]) / cal.MONTHS_PER_YEAR  # years
    settle_appointments(ctx, trust, tr.spec[rows], tr.slot[rows], rows, waited)
