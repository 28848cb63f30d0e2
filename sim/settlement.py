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

from typing import TYPE_CHECKING

import numpy as np

from agents.consultant import FROM_CCT
from agents.trainee import CONSULTANT, EV_LOST, EV_SETTLE, LOST
from sim.consultant_market import add_consultants, create_posts, vacancies
from sim.recruitment import rank_within_groups

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel

MILES_LOCAL = 50.0  # NHSE: "around 80% ... settle within 50 miles of where they trained"
_MAX_ROUNDS = 3  # re-choice rounds per month when trusts are over-subscribed; the rest wait


def settle(m: TraineeFlowModel, t: int) -> None:
    """Match seeking CCT holders to vacancies; the rest wait, get a created post, or leave."""
    tr, p = m.trainees, m.params
    seekers = m.seeking
    if len(seekers) == 0:
        return
    vac = vacancies(m)
    able = seekers[vac.sum(axis=0)[tr.spec[seekers]] > 0]
    prio = m.streams["settlement_priority"].uniform(t, tr.slot[able])
    chosen_rows, chosen_trust = [], []
    for r in range(_MAX_ROUNDS):
        if len(able) == 0:
            break
        spec = tr.spec[able]
        choice, has = _choose_trusts(m, vac, able, spec, t * _MAX_ROUNDS + r)
        able, prio, spec, choice = able[has], prio[has], spec[has], choice[has]
        cell = choice.astype(np.int64) * m.n_specs + spec
        order = np.argsort(cell - prio * 0.5, kind="stable")  # by cell, higher priority first
        rank = rank_within_groups(cell[order])
        ok = np.zeros(len(able), bool)
        ok[order] = rank < vac.ravel()[cell[order]]
        chosen_rows.append(able[ok])
        chosen_trust.append(choice[ok])
        np.subtract.at(vac, (choice[ok], spec[ok]), 1)
        able, prio = able[~ok], prio[~ok]
    still = seekers
    if chosen_rows:
        appointed = np.concatenate(chosen_rows)
        _appoint(m, t, appointed, np.concatenate(chosen_trust))
        still = np.setdiff1d(still, appointed, assume_unique=True)
    waited = still[tr.seek_since[still] < t]  # waiting since an earlier month
    created = create_posts(m, t, waited)
    if len(created):
        _appoint(m, t, created, tr.trust[created])
        still = np.setdiff1d(still, created, assume_unique=True)
    u = m.streams["seeker_leave"].uniform(t, tr.slot[still])
    gone = (u < p.seeker_leave_rate) | ((t - tr.seek_since[still]) >= p.settlement_max_wait_months)
    lost = still[gone]
    if len(lost):
        tr.status[lost] = LOST
        m.log(lost, t, EV_LOST, tr.trust[lost])
        m.recorder.add("seekers_left", _region_spec(m, lost))
    m.seeking = still[~gone]


def _region_spec(m: TraineeFlowModel, rows: np.ndarray) -> np.ndarray:
    """Recorder keys (region of last training trust x specialty) of trainee rows."""
    tr = m.trainees
    return m.world.trust_region[tr.trust[rows]] * m.n_specs + tr.spec[rows]


def _choose_trusts(
    m: TraineeFlowModel, vac: np.ndarray, seekers: np.ndarray, spec: np.ndarray, key: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's pick among vacancies of its specialty (weights in the module docstring).

    Sparse over the (seeker, trust with a vacancy in the seeker's specialty) pairs; returns the
    chosen trust per seeker and whether the seeker took one (the rest wait this month).
    """
    tr, w = m.trainees, m.world
    n_t = w.n_trusts
    vac_t = vac.T.ravel()  # specialty-major cells: s * n_trusts + trust
    cells = np.flatnonzero(vac_t)
    per_spec = np.bincount(cells // n_t, minlength=m.n_specs)
    first = np.cumsum(per_spec) - per_spec
    n_pairs = per_spec[spec]
    seeker_of = np.repeat(np.arange(len(seekers)), n_pairs)
    offset = np.cumsum(n_pairs) - n_pairs
    pair_cell = cells[np.repeat(first[spec] - offset, n_pairs) + np.arange(n_pairs.sum())]
    trust = pair_cell % n_t
    last = tr.trust[seekers][seeker_of]
    weight = m.settlement_decay[last, trust] * vac_t[pair_cell]
    home = w.trust_lo[trust] == tr.home_lo[seekers][seeker_of]
    weight = np.where(home, weight * m.params.settlement_home_pull, weight)
    if m.retention_bonus != 1.0:
        same = w.trust_region[trust] == w.trust_region[last]
        weight = np.where(same, weight * m.retention_bonus, weight)
    cum = np.cumsum(weight)
    total = np.bincount(seeker_of, weights=weight, minlength=len(seekers))
    before = np.concatenate(([0.0], cum))[offset]  # cumulative weight before each seeker
    u = m.streams["settlement_choice"].uniform(key, tr.slot[seekers])
    draw = u * (total + m.params.settlement_wait_weight)
    able = draw < total  # the rest prefer to wait this month than take any vacancy offered
    idx = np.searchsorted(cum, before + draw, side="right")
    idx = np.clip(idx, offset, offset + n_pairs - 1)  # guard round-off at a seeker's ends
    choice = np.full(len(seekers), -1, dtype=np.int64)
    choice[able] = trust[idx[able]]
    return choice, able


def _appoint(m: TraineeFlowModel, t: int, rows: np.ndarray, trust: np.ndarray) -> None:
    tr, w = m.trainees, m.world
    if len(rows) == 0:
        return
    tr.status[rows] = CONSULTANT
    tr.consultant_trust[rows] = trust
    m.log(rows, t, EV_SETTLE, trust)
    dist = w.distance_miles[tr.trust[rows], trust]
    key = _region_spec(m, rows)
    m.recorder.add("settled_within_50_miles", key[dist <= MILES_LOCAL])
    m.recorder.add("settled", key)
    waited = (t - tr.seek_since[rows]) / 12.0
    age = m.params.cct_age_mean + 2.0 * m.streams["cct_age"].normal(t, tr.slot[rows]) + waited
    add_consultants(m, t, trust, tr.spec[rows], age, FROM_CCT, rows, slots=tr.slot[rows])
