"""Rotations (August and February) and inter-deanery transfers (two windows a year)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.trainee import EV_IDT, EV_ROTATE
from sim.recruitment import rank_within_groups

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel


def rotate(m: TraineeFlowModel) -> None:
    """A share of trainees swap the posts they hold within their local office and specialty.

    Posts stay with their trusts (and vacancies where they are); trainees move between the
    trusts of their programme, so their history records every trust they trained in.
    """
    t = int(m.time)
    tr = m.trainees
    rows = m.in_training()
    slots = tr.slot[rows]
    movers = rows[m.streams["rotation"].uniform(t, slots) < m.params.rotation_share]
    if len(movers) < 2:
        return
    group = tr.lo[movers].astype(np.int64) * m.n_specs + tr.spec[movers]
    key_a = m.streams["rotation_order"].uniform(t, tr.slot[movers])
    key_b = m.streams["rotation_target"].uniform(t, tr.slot[movers])
    a = movers[np.argsort(group + key_a)]  # keys in [0, 1): sorted by group, shuffled within
    b = movers[np.argsort(group + key_b)]  # the same groups in another order
    new_post = tr.post[b]
    tr.post[a] = new_post
    m.posts.holder[new_post] = a
    old_trust = tr.trust[a].copy()
    tr.trust[a] = m.posts.trust[new_post]
    moved = a[tr.trust[a] != old_trust]
    m.log(moved, t, EV_ROTATE, tr.trust[moved])


def idt_window(m: TraineeFlowModel) -> None:
    """An IDT window: eligible trainees apply; placed only into a declared vacancy.

    Eligible: at least 9 months in programme and at least 12 months to CCT (national IDT
    rules, docs/sources.md §4.3). The destination is the home office when the trainee trains away
    from home, else an office drawn by popularity.
    """
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
    weights = np.exp(m.lo_popularity)
    g = m.streams["idt_destination"].gumbel(
        t,
        np.repeat(slots, n_lo) * np.uint64(n_lo)
        + np.tile(np.arange(n_lo, dtype=np.uint64), len(apply)),
    )
    score = np.log(weights)[None, :] + g.reshape(len(apply), n_lo)
    score[np.arange(len(apply)), tr.lo[apply]] = -np.inf
    dest = np.where(tr.home_lo[apply] != tr.lo[apply], tr.home_lo[apply], np.argmax(score, axis=1))
    region = w.trust_region[tr.trust[apply]]
    m.recorder.add("idt_applications", region * n_spec + tr.spec[apply])

    vac = m.posts.vacant()
    declared = m.streams["idt_declare"].uniform(t, m.posts.slot[vac]) < p.idt_declare_prob
    vac = vac[declared]
    vprog = m.posts.spec[vac].astype(np.int64) * n_lo + w.trust_lo[m.posts.trust[vac]]
    vkey = m.streams["post_choice"].uniform(t, m.posts.slot[vac])
    vorder = np.lexsort((vkey, vprog))
    vac, vprog = vac[vorder], vprog[vorder]
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
