"""Inter-deanery transfers (IDTs): two windows a year, placed only into declared vacancies.

Eligible trainees (at least 9 months in programme, at least 12 months to CCT: national IDT rules,
docs/sources.md §4.3) apply with a yearly probability; the destination is the home office when
the trainee trains away from home, else an office drawn by popularity. Offices declare each
vacancy recruitment left with a probability; applicants are placed by a random priority into the
declared vacancies of their destination programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.trainee import EV_IDT
from sim.choice import gumbel_utilities, programme_vacancies, rank_within_groups

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel


def idt_window(m: TraineeFlowModel) -> None:
    """One IDT window (February or August): applications, declared vacancies, placements."""
    t = int(m.time)
    tr, w, p = m.trainees, m.world, m.params
    rows = m.in_training()
    ok = ((t - tr.start_t[rows]) >= 9) & ((tr.cct_due[rows] - t) >= 12)
    rows = rows[ok]
    u = m.streams["idt_apply"].uniform(t, tr.slot[rows])
    apply = rows[u < p.idt_annual_prob / 2.0]
    if len(apply) == 0:
        return
    n_lo, n_spec = w.n_los, m.n_specs
    slots = tr.slot[apply]
    score = gumbel_utilities(m.streams["idt_destination"], t, slots, m.lo_popularity)
    score[np.arange(len(apply)), tr.lo[apply]] = -np.inf
    dest = np.where(tr.home_lo[apply] != tr.lo[apply], tr.home_lo[apply], np.argmax(score, axis=1))
    region = w.trust_region[tr.trust[apply]]
    m.recorder.add("idt_applications", region * n_spec + tr.spec[apply])

    vac = m.posts.vacant()
    declared = m.streams["idt_declare"].uniform(t, m.posts.slot[vac]) < p.idt_declare_prob
    vac, vprog = programme_vacancies(m.posts, w, m.streams["post_choice"], t, vac[declared])
    capacity = np.bincount(vprog, minlength=n_spec * n_lo)

    aprog = tr.spec[apply].astype(np.int64) * n_lo + dest
    priority = m.streams["idt_priority"].uniform(t, slots)
    aorder = np.lexsort((priority, aprog))
    apply, aprog, region = apply[aorder], aprog[aorder], region[aorder]
    rank = rank_within_groups(aprog)
    placed = rank < capacity[aprog]
    movers = apply[placed]
    new_posts = vac[np.searchsorted(vprog, aprog[placed]) + rank[placed]]
    m.recorder.add("idt_placed", region[placed] * n_spec + tr.spec[movers])
    m.posts.holder[tr.post[movers]] = -1
    tr.post[movers] = new_posts
    m.posts.holder[new_posts] = movers
    tr.trust[movers] = m.posts.trust[new_posts]
    tr.lo[movers] = w.trust_lo[tr.trust[movers]]
    tr.idts[movers] += 1
    m.log(movers, t, EV_IDT, tr.trust[movers])
