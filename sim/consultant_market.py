"""Consultant posts: exits, settlement of new CCT holders, international recruits, growth.

Settlement: each CCT holder seeking a post picks a trust with a consultant vacancy in its
specialty with probability proportional to vacancies x exp(-distance / decay) from its last
training trust (x a retention bonus in its training region where a policy sets one). When more
holders pick a trust than it has vacancies, those with the higher random priority are appointed
and the rest choose again. Holders with no post after the maximum wait leave the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.columns import NEVER
from agents.consultant import FROM_CCT, INTERNATIONAL
from agents.trainee import CONSULTANT, EV_LOST, EV_SETTLE, LOST
from sim.recruitment import rank_within_groups

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel

MILES_LOCAL = 50.0  # NHSE: "around 80% ... settle within 50 miles of where they trained"
IMG_BASE = 1 << 38  # slots of international recruits sit above those of trainees
_MAX_ROUNDS = 3  # re-choice rounds per month when trusts are over-subscribed; the rest wait


def exit_months(m: TraineeFlowModel, t: int, slots: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Months until a consultant of the given age retires or leaves (drawn once, at start)."""
    p = m.params
    retire_age = p.retirement_age_mean + p.retirement_age_sd * m.streams["retirement"].normal(
        t, slots
    )
    # past the drawn age already (initial stock): retire within the next two years
    late = retire_age <= age
    soon = age + 2.0 * m.streams["retirement_late"].uniform(t, slots)
    retire_age = np.where(late, soon, retire_age)
    leave = -np.log(m.streams["consultant_leave"].uniform(t, slots)) / max(
        p.consultant_leave_rate, 1e-12
    )
    return np.minimum((retire_age - age) * 12.0, leave * 12.0)


def add_consultants(
    m: TraineeFlowModel,
    t: int,
    trust: np.ndarray,
    spec: np.ndarray,
    age: np.ndarray,
    origin: int | np.ndarray,
    trainee: np.ndarray | int = -1,
    slots: np.ndarray | None = None,
) -> np.ndarray:
    """Put consultants in post; returns their rows."""
    n = len(trust)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if slots is None:
        slots = m.slots(spec, m.next_ordinals("consultant", spec))
    months = exit_months(m, t, slots, age)
    due = t + np.maximum(1, np.ceil(np.minimum(months, NEVER / 4))).astype(np.int64)
    rows = m.consultants.append(
        n,
        trust=trust,
        spec=spec,
        slot=slots,
        origin=origin,
        trainee=trainee,
        start_t=t,
        age_at_start=age,
        exit_due=np.minimum(due, NEVER).astype(np.int32),
        active=True,
    )
    np.add.at(m.filled, (trust, spec), 1)
    m.counts.consultants += n
    return rows


def consultant_exits(m: TraineeFlowModel, t: int) -> None:
    """Consultants whose retirement or leaving month has come leave their posts."""
    c = m.consultants
    rows = np.flatnonzero(c.exit_due[: c.n] == t)
    if len(rows) == 0:
        return
    c.active[rows] = False
    c.exit_due[rows] = NEVER
    np.subtract.at(m.filled, (c.trust[rows], c.spec[rows]), 1)
    m.counts.consultants -= len(rows)


def vacancies(m: TraineeFlowModel) -> np.ndarray:
    """Consultant vacancies by trust and specialty (funded posts without a holder)."""
    return np.maximum(np.floor(m.establishment + 1e-9).astype(np.int64) - m.filled, 0)


def settle(m: TraineeFlowModel, t: int) -> None:
    """Match CCT holders seeking a first consultant post to vacancies (distance decay)."""
    tr, p = m.trainees, m.params
    seekers = m.seeking
    if len(seekers) == 0:
        return
    vac = vacancies(m)
    seekers = seekers[vac.sum(axis=0)[tr.spec[seekers]] > 0]
    prio = m.streams["settlement_priority"].uniform(t, tr.slot[seekers])
    chosen_rows, chosen_trust = [], []
    for r in range(_MAX_ROUNDS):
        if len(seekers) == 0:
            break
        spec = tr.spec[seekers]
        choice, able = _choose_trusts(m, vac, seekers, spec, t * _MAX_ROUNDS + r)
        seekers, prio, spec, choice = seekers[able], prio[able], spec[able], choice[able]
        cell = choice.astype(np.int64) * m.n_specs + spec
        order = np.argsort(cell - prio * 0.5, kind="stable")  # by cell, higher priority first
        rank = rank_within_groups(cell[order])
        ok = np.zeros(len(seekers), bool)
        ok[order] = rank < vac.ravel()[cell[order]]
        chosen_rows.append(seekers[ok])
        chosen_trust.append(choice[ok])
        np.subtract.at(vac, (choice[ok], spec[ok]), 1)
        seekers, prio = seekers[~ok], prio[~ok]
    still = m.seeking
    if chosen_rows:
        appointed = np.concatenate(chosen_rows)
        _appoint(m, t, appointed, np.concatenate(chosen_trust))
        still = np.setdiff1d(still, appointed, assume_unique=True)
    gave_up = (t - tr.seek_since[still]) >= p.settlement_max_wait_months
    lost = still[gave_up]
    if len(lost):
        tr.status[lost] = LOST
        m.log(lost, t, EV_LOST, tr.trust[lost])
    m.seeking = still[~gave_up]


def _choose_trusts(
    m: TraineeFlowModel, vac: np.ndarray, seekers: np.ndarray, spec: np.ndarray, key: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's pick among vacancies of its specialty, weight vacancies x distance decay.

    Sparse over the (seeker, trust with a vacancy in the seeker's specialty) pairs; returns the
    chosen trust per seeker and whether the seeker had any vacancy to choose from.
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
    if m.retention_bonus != 1.0:
        same = w.trust_region[trust] == w.trust_region[last]
        weight = np.where(same, weight * m.retention_bonus, weight)
    cum = np.cumsum(weight)
    total = np.bincount(seeker_of, weights=weight, minlength=len(seekers))
    before = np.concatenate(([0.0], cum))[offset]  # cumulative weight before each seeker
    u = m.streams["settlement_choice"].uniform(key, tr.slot[seekers])
    able = total > 0
    idx = np.searchsorted(cum, before + u * total, side="right")
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
    key = w.trust_region[tr.trust[rows]] * m.n_specs + tr.spec[rows]
    m.recorder.add("settled_within_50_miles", key[dist <= MILES_LOCAL])
    m.recorder.add("settled", key)
    age = m.params.cct_age_mean + 2.0 * m.streams["cct_age"].normal(t, tr.slot[rows])
    add_consultants(m, t, trust, tr.spec[rows], age, FROM_CCT, rows, slots=tr.slot[rows])


def international_recruits(m: TraineeFlowModel, t: int) -> None:
    """Each remaining consultant vacancy is filled from abroad with a small monthly chance."""
    vac = vacancies(m)
    cells = np.flatnonzero(vac.ravel())
    if len(cells) == 0:
        return
    counts = vac.ravel()[cells]
    cell = np.repeat(cells, counts)
    k = rank_within_groups(cell)
    trust, spec = np.divmod(cell, m.n_specs)
    # a vacancy's slot: its trust, its rank there and the month (same in every policy)
    slots = m.slots(spec, IMG_BASE + (int(t) * 1024 + trust) * 1024 + k)
    hire = m.streams["img_fill"].uniform(t, slots) < m.params.img_monthly_fill
    age = m.params.img_age_mean + 4.0 * m.streams["img_age"].normal(t, slots[hire])
    add_consultants(m, t, trust[hire], spec[hire], age, INTERNATIONAL, slots=slots[hire])


def grow_establishment(m: TraineeFlowModel) -> None:
    """Funded consultant posts grow once a year (August)."""
    m.establishment *= 1.0 + m.params.establishment_growth
