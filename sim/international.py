"""International recruits: a limited monthly flow into consultant vacancies.

Each specialty receives on average `img_inflow_share` x its specialty factor x its funded posts
a year, drawn each month by stochastic rounding. Recruits take only vacancies in trust x
specialty cells that have had a vacancy for `img_after_months` (trusts recruit abroad once local
recruitment has failed), each such vacancy equally likely, so they go where vacancies persist:
their regional pattern follows local shortage. Recruits who find no such vacancy do not come:
the flow is a limit, not a filler of every vacancy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.consultant import INTERNATIONAL
from sim.consultant_market import add_consultants, vacancies
from sim.recruitment import rank_within_groups

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel

IMG_BASE = 1 << 38  # slots of international recruits sit above those of trainees
_PER_MONTH = 1 << 16  # most recruits a specialty can have in one month (slot layout)
_VACANCY_BASE = 1 << 37  # slots of vacancy draws: trust x rank of the vacancy in its cell


def international_recruits(m: TraineeFlowModel, t: int) -> None:
    """The month's international recruits take open vacancies of their specialty."""
    p = m.params
    vac = np.where(m.vacant_months >= p.img_after_months, vacancies(m), 0)
    per_spec = vac.sum(axis=0)
    expected = p.img_inflow_share / 12.0 * m.establishment.sum(axis=0) * m.img_factor
    specs = np.arange(m.n_specs)
    u = m.streams["img_arrivals"].uniform(t, m.slots(specs, 0))
    arrivals = np.minimum(np.floor(expected + u).astype(np.int64), per_spec)
    if arrivals.sum() == 0:
        return
    # every vacancy unit of the specialty gets a random key; the lowest `arrivals` are taken
    cells = np.flatnonzero(vac.T.ravel())  # specialty-major: s * n_trusts + trust
    counts = vac.T.ravel()[cells]
    unit = np.repeat(cells, counts)
    spec, trust = np.divmod(unit, m.world.n_trusts)
    k = rank_within_groups(unit)
    key = m.streams["img_choice"].uniform(t, m.slots(spec, _VACANCY_BASE + (trust << 20) + k))
    order = np.lexsort((key, spec))
    spec, trust = spec[order], trust[order]
    taken = rank_within_groups(spec) < arrivals[spec]
    spec, trust = spec[taken], trust[taken]
    slots = m.slots(spec, IMG_BASE + t * _PER_MONTH + rank_within_groups(spec))
    age = p.img_age_mean + 4.0 * m.streams["img_age"].normal(t, slots)
    add_consultants(m, t, trust, spec, age, INTERNATIONAL, slots=slots)
    m.recorder.add("international_recruits", m.world.trust_region[trust] * m.n_specs + spec)
