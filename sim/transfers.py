"""Inter-deanery transfers (IDTs): two windows a year, placed only into declared vacancies.

Eligible trainees (at least 9 months in programme, at least 12 months to CCT: national IDT rules,
docs/sources.md §4.3) apply with a yearly probability; the destination is the home office when
the trainee trains away from home, else an office drawn by popularity. Offices declare each
vacancy recruitment left with a probability; applicants are placed by a random priority into the
declared vacancies of their destination programme. Applicants left unplaced then swap posts where
two of the same specialty ask for each other's office (national IDT swaps, since February 2023:
docs/sources.md §4.3); a swap needs no vacancy.
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
    # the draw is per slot, so drawing before the eligibility test (for every trainee, then the
    # test on the few who would apply) selects the same applicants at a fraction of the work
    u = ctx.streams["idt_apply"].uniform(t, tr.slot[rows])
    apply = rows[np.flatnonzero(u < p.idt_annual_prob / 2.0)]
    months_in, to_cct = t - tr.start_t[apply], tr.cct_due[apply] - t
    apply = apply[(months_in >= IDT_MIN_MONTHS_IN) & (to_cct >= IDT_MIN_TO_CCT)]
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
    _swap(ctx, t, apply[~placed], aprog[~placed] % n_lo, region[~placed])


def _swap(ctx: Context, t: int, rows: np.ndarray, dest: np.ndarray, region: np.ndarray) -> None:
    """Unplaced applicants who ask for each other's office, in one specialty, swap posts."""
    tr, w = ctx.trainees, ctx.world
    a, b = swap_pairs(tr.spec[rows], tr.lo[rows], dest, w.n_los)
    if len(a) == 0:
        return
    first, second = rows[a], rows[b]
    post_first, post_second = tr.post[first], tr.post[second]
    tr.post[first], tr.post[second] = post_second, post_first
    ctx.posts.holder[post_second] = first
    ctx.posts.holder[post_first] = second
    movers = np.concatenate([first, second])
    tr.trust[movers] = ctx.posts.trust[tr.post[movers]]
    tr.lo[movers] = w.trust_lo[tr.trust[movers]]
    tr.idts[movers] += 1
    origin = np.concatenate([region[a], region[b]])
    ctx.recorder.add("idt_placed", origin * ctx.n_specs + tr.spec[movers])
    ctx.history.log(movers, t, EV_IDT, tr.trust[movers])


def swap_pairs(
    spec: np.ndarray, origin: np.ndarray, dest: np.ndarray, n_lo: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (a, b) of applicants who can swap: same specialty, opposite directions.

    Applicant a trains in office `origin[a]` and asks for `dest[a]`; b trains in `dest[a]` and
    asks for `origin[a]`. Within a direction applicants keep their order (the window's
    priority), and the k-th of one direction pairs with the k-th of the other.
    """
    spec = spec.astype(np.int64)
    forward = np.flatnonzero(origin < dest)
    backward = np.flatnonzero(origin > dest)
    # one key for both directions between two offices: (specialty, lower office, higher office)
    key_f = (spec[forward] * n_lo + origin[forward]) * n_lo + dest[forward]
    key_b = (spec[backward] * n_lo + dest[backward]) * n_lo + origin[backward]
    order_f, order_b = np.argsort(key_f, kind="stable"), np.argsort(key_b, kind="stable")
    forward, key_f = forward[order_f], key_f[order_f]
    backward, key_b = backward[order_b], key_b[order_b]
    rank = rank_within_groups(key_f)
    first = np.searchsorted(key_b, key_f, side="left")
    count = np.searchsorted(key_b, key_f, side="right") - first
    ok = rank < count
    return forward[ok], backward[first[ok] + rank[ok]]
