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
    from sim.context import Context

IDT_MIN_MONTHS_IN = 9  # national IDT rules (docs/sources.md §4.3): 9 months in programme
IDT_MIN_TO_CCT = 12  # ... and at least 12 months to CCT


def idt_window(ctx: Context, t: int) -> None:
    """One IDT window (February or August): applications, declared vacancies, placements."""
    tr, w, p = ctx.trainees, ctx.world, ctx.params
    rows = tr.in_training()
    ok = ((t - tr.start_t[rows]) >= IDT_MIN_MONTHS_IN) & ((tr.cct_due[rows] - t) >= IDT_MIN_TO_CCT)
    rows = rows[ok]
    u = ctx.streams["idt_apply"].uniform(t, tr.slot[rows])
    apply = rows[u < p.idt_annual_prob / 2.0]
    if len(apply) == 0:
        return
    n_lo, n_spec = w.n_los, ctx.n_specs
    slots = tr.slot[apply]
    score = gumbel_utilities(ctx.streams["idt_destination"], t, slots, ctx.lo_popularity)
    score[np.arange(len(apply)), tr.lo[apply]] = -np.inf
    dest = np.where(tr.home_lo[apply] != tr.lo[apply], tr.home_lo[apply], np.argmax(score, axis=1))
    region = w.trust_region[tr.trust[apply]]
    ctx.recorder.add("idt_applications", region * n_spec + tr.spec[apply])

    vac = ctx.posts.vacant()
    declared = ctx.streams["idt_declare"].uniform(t, ctx.posts.slot[vac]) < p.idt_declare_prob
    vac, vprog = programme_vacancies(ctx.posts, w, ctx.streams["post_choice"], t, vac[declared])
    capacity = np.bincount(vprog, minlength=n_spec * n_lo)

    aprog = tr.spec[apply].astype(np.int64) * n_lo + dest
    priority = ctx.streams["idt_priority"].uniform(t, slots)
    aorder = np.lexsort((priority, aprog))
    apply, aprog, region = apply[aorder], aprog[aorder], region[aorder]
    rank = rank_within_groups(aprog)
    placed = rank < capacity[aprog]
    movers = apply[placed]
    new_posts = vac[np.searchsorted(vprog, aprog[placed]) + rank[placed]]
    ctx.recorder.add("idt_placed", region[placed] * n_spec + tr.spec[movers])
    ctx.posts.holder[tr.post[movers]] = -1
    tr.post[movers] = new_posts
    ctx.posts.holder[new_posts] = movers
    tr.trust[movers] = ctx.posts.trust[new_posts]
    tr.lo[movers] = w.trust_lo[tr.trust[movers]]
    tr.idts[movers] += 1
    ctx.history.log(movers, t, EV_IDT, tr.trust[movers])
