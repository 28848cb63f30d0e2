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

from agents.consultant import FROM_CCT
from agents.trainee import CONSULTANT, EV_LOST, EV_SETTLE, LOST
from sim import calendar as cal
from sim.choice import rank_within_groups
from sim.consultant_market import add_consultants, create_posts

if TYPE_CHECKING:
    from sim.context import Context
    from sim.params import WorldParams
    from sim.policy import PolicyParams
    from sim.world import World

MILES_LOCAL = 50.0  # NHSE: "around 80% ... settle within 50 miles of where they trained"
_MAX_ROUNDS = 3  # re-choice rounds per month when trusts are over-subscribed; the rest wait
BLOCK = 16  # trusts per block of the two-step inverse CDF of a seeker's choice


@dataclass(frozen=True)
class SettlementWeights:
    """Weights of the trusts a CCT holder may choose, in single precision (as the distances).

    (last trust x trust) distance decay, (home local office x trust) home pull and (region of
    last trust x trust) retention bonus; trusts padded to whole blocks of `BLOCK` with weight 0.
    """

    decay: np.ndarray
    home_pull: np.ndarray
    retention_pull: np.ndarray
    retention_bonus: float

    @classmethod
    def build(cls, world: World, params: WorldParams, policy: PolicyParams) -> SettlementWeights:
        """The weights of one run's parameters."""
        n_cols = -(-world.n_trusts // BLOCK) * BLOCK
        pad = ((0, 0), (0, n_cols - world.n_trusts))
        decay = np.exp(-world.distance_miles / params.settlement_decay_miles)
        bonus = policy.incentives.retention_bonus
        home = np.arange(world.n_los)[:, None] == world.trust_lo[None, :]
        same = np.arange(world.n_regions)[:, None] == world.trust_region[None, :]
        return cls(
            decay=np.pad(decay, pad).astype(np.float32),
            home_pull=np.pad(np.where(home, params.settlement_home_pull, 1.0), pad).astype(
                np.float32
            ),
            retention_pull=np.pad(np.where(same, bonus, 1.0), pad).astype(np.float32),
            retention_bonus=bonus,
        )


def settle(ctx: Context, t: int) -> None:
    """Match seeking CCT holders to vacancies; the rest wait, get a created post, or leave."""
    tr, p, w = ctx.trainees, ctx.params, ctx.settlement
    seekers = tr.seeking
    if len(seekers) == 0:
        return
    slots = tr.slot[seekers]
    u_prio, u_create, u_leave = ctx.streams.uniforms(
        t, slots, ("settlement_priority", "post_creation", "seeker_leave")
    )
    rounds = [t * _MAX_ROUNDS + r for r in range(_MAX_ROUNDS)]
    u_choice = ctx.streams["settlement_choice"].uniform_months(rounds, slots)
    vac = ctx.cells.vacancies()
    vac_t = np.zeros((ctx.n_specs, w.decay.shape[1]), np.float32)  # padded: no vacancy
    vac_t[:, : vac.shape[0]] = vac.T
    seeker_spec = tr.spec[seekers]
    pos = np.flatnonzero(vac.sum(axis=0)[seeker_spec] > 0)  # positions in `seekers`
    got = np.full(len(seekers), -1, dtype=np.int64)  # trust each seeker is appointed to
    for r in range(_MAX_ROUNDS):
        if len(pos) == 0:
            break
        spec = seeker_spec[pos]
        choice, has = _choose_trusts(ctx, vac_t, seekers[pos], spec, u_choice[r, pos])
        pos, spec, choice = pos[has], spec[has], choice[has]
        cell = choice * ctx.n_specs + spec
        order = np.argsort(cell - u_prio[pos] * 0.5, kind="stable")  # by cell, priority first
        rank = rank_within_groups(cell[order])
        ok = np.zeros(len(pos), bool)
        ok[order] = rank < vac.ravel()[cell[order]]
        got[pos[ok]] = choice[ok]
        np.subtract.at(vac, (choice[ok], spec[ok]), 1)
        np.subtract.at(vac_t, (spec[ok], choice[ok]), 1)
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
    ctx: Context, vac_t: np.ndarray, seekers: np.ndarray, spec: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's pick among vacancies of its specialty (weights in the module docstring).

    `vac_t` is (specialty x trust) vacancies, trusts padded to whole blocks of `BLOCK` (weight 0).
    The draw is inverted in two steps, first the block of trusts (from the weights summed by
    block in one pass), then the trust within it: the distribution of an inverse CDF over trusts
    in index order, without a cumulative sum over every (seeker, trust) pair. `u`: each seeker's
    uniform draw. Returns the chosen trust per seeker and whether the seeker took one (the rest
    wait this month).
    """
    tr, w = ctx.trainees, ctx.settlement
    n = len(seekers)
    last = tr.trust[seekers]
    factors = [w.decay[last], vac_t[spec], w.home_pull[tr.home_lo[seekers]]]
    if w.retention_bonus != 1.0:
        factors.append(w.retention_pull[ctx.world.trust_region[last]])
    factors = [f.reshape(n, -1, BLOCK) for f in factors]  # (seekers x blocks x BLOCK)
    by_block = np.einsum(",".join(["ibk"] * len(factors)) + "->bi", *factors, dtype=np.float64)
    cum_block = np.cumsum(by_block, axis=0)  # (blocks x seekers)
    total = cum_block[-1]
    draw = u * (total + ctx.params.settlement_wait_weight)
    able = draw < total  # the rest prefer to wait this month than take any vacancy offered
    rows = np.flatnonzero(able)
    cum_block, draw = cum_block[:, rows], draw[rows]
    block = np.count_nonzero(cum_block <= draw, axis=0)
    rest = draw - np.where(block > 0, cum_block[block - 1, np.arange(len(rows))], 0.0)
    within = factors[0][rows, block]  # (able seekers x BLOCK) weights of the chosen block
    for f in factors[1:]:
        within *= f[rows, block]
    i = np.count_nonzero(np.cumsum(within, axis=1) <= rest[:, None], axis=1)
    last_weighted = BLOCK - 1 - np.argmax(within[:, ::-1] > 0, axis=1)  # guards round-off
    choice = np.full(n, -1, dtype=np.int64)
    choice[rows] = block * BLOCK + np.minimum(i, last_weighted)
    return choice, able


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
    age = ctx.params.cct_age_mean + 2.0 * ctx.streams["cct_age"].normal(t, tr.slot[rows]) + waited
    add_consultants(ctx, t, trust, tr.spec[rows], age, FROM_CCT, rows, slots=tr.slot[rows])
