"""Progress through training: entry, monthly exits (attrition, CCT), ARCP and LTFT changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.columns import NEVER
from agents.trainee import (
    EV_CCT,
    EV_LEAVE,
    EV_START,
    LEFT,
    SEEKING,
    attrition_months,
    cct_month,
    due_month,
)
from sim import calendar as cal

if TYPE_CHECKING:
    from sim.context import Context


def ltft_stock_to_switch(share: np.ndarray, persistence: float) -> np.ndarray:
    """Yearly FT->LTFT switch probability whose stationary LTFT share is `share`."""
    share = np.clip(share, 0.0, 0.99)
    return np.clip((1.0 - persistence) * share / (1.0 - share), 0.0, 1.0)


def enter(
    ctx: Context,
    t: int,
    spec: np.ndarray,
    post: np.ndarray,
    home_lo: np.ndarray,
    survived: np.ndarray | None = None,
    ltft: np.ndarray | None = None,
    slots: np.ndarray | None = None,
) -> np.ndarray:
    """Create trainees in the given posts at month t; returns their rows.

    `survived` (months already in programme) is used only to initialise the base year; new
    recruits enter with 0. Recruits keep their applicant's slot, so a person draws the same
    attrition, LTFT and later numbers whichever post a policy gives them.
    """
    n = len(spec)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    p, tr = ctx.params, ctx.trainees
    if slots is None:
        slots = ctx.new_slots("trainee", spec)
    a0 = np.zeros(n) if survived is None else survived.astype(float)
    u, u_ltft = ctx.streams.uniforms(t, slots, ("attrition", "ltft_entry"))
    # specialty parameters are combined once per specialty, then looked up for each recruit
    if ltft is None:
        share = np.clip(ctx.specs.ltft_share * p.ltft_entry_factor, 0.0, 1.0)
        ltft = u_ltft < share.take(spec)
    fte = np.where(ltft, p.ltft_fte, 1.0).astype(np.float32)
    required = (ctx.specs.years * cal.MONTHS_PER_YEAR).astype(np.float32).take(spec)
    start = t - np.ceil(a0 / 1.0).astype(np.int64)
    prog = np.minimum(a0 * fte, required - 1.0)
    months = attrition_months(
        u,
        ctx.specs.attrition * p.attrition_multiplier,
        ctx.specs.early * min(p.attrition_multiplier, 1.0),
        spec,
        survived,
    )
    trust = ctx.posts.trust[post]
    attr_due = due_month(start, months)
    cct_due = cct_month(t, prog, required, fte)
    rows = tr.append(
        n,
        spec=spec,
        slot=slots,
        post=post,
        trust=trust,
        lo=ctx.world.trust_lo[trust],
        home_lo=home_lo,
        start_t=start,
        attr_due=attr_due,
        required=required,
        prog=prog,
        prog_t=t,
        fte=fte,
        cct_due=cct_due,
    )
    tr.attr_window.add(rows, attr_due)
    tr.cct_window.add(rows, cct_due)
    ctx.posts.holder[post] = rows
    ctx.history.log(rows, start, EV_START, trust)
    ctx.counts.trainees += n
    return rows


def monthly_exits(ctx: Context, t: int) -> None:
    """Trainees whose attrition or CCT month has come leave their posts."""
    tr = ctx.trainees
    # A trainee who left has no due months (`_vacate`), and one in training has its CCT month
    # ahead (it completes in that month), so a window gives only trainees in training. Those
    # who leave by attrition in their CCT month leave before the CCT window is read: their CCT
    # month is gone and they do not complete.
    first = tr.first_in_training  # rows below it have left
    leaving = tr.attr_window.due(tr.attr_due, tr.n, t, first)
    if len(leaving):
        _vacate(ctx, leaving, t, LEFT, EV_LEAVE)
    completing = tr.cct_window.due(tr.cct_due, tr.n, t, first)
    if len(completing):
        _vacate(ctx, completing, t, SEEKING, EV_CCT)
        tr.seek_since[completing] = t
        tr.seeking = np.sort(np.concatenate([tr.seeking, completing]))  # disjoint sets
        ctx.recorder.add("ccts", ctx.region_spec(tr.trust[completing], tr.spec[completing]))


def _vacate(ctx: Context, rows: np.ndarray, t: int, status: int, event: int) -> None:
    """Rows leave training: their posts fall vacant and their due months become NEVER."""
    tr = ctx.trainees
    tr.status[rows] = status
    tr.end_t[rows] = t
    tr.attr_due[rows] = NEVER
    tr.cct_due[rows] = NEVER
    ctx.posts.holder[tr.post[rows]] = -1
    tr.post[rows] = -1
    ctx.history.log(rows, t, event, tr.trust[rows])
    ctx.counts.trainees -= len(rows)


def arcp(ctx: Context, t: int) -> None:
    """Yearly ARCP: extensions (outcome 3), release (outcome 4) and LTFT changes."""
    tr, p = ctx.trainees, ctx.params
    rows = tr.in_training()
    if len(rows) == 0:
        return
    fte = tr.fte[rows]
    prog = np.subtract(t, tr.prog_t[rows], dtype=float)  # FTE months completed by now
    prog *= fte
    prog += tr.prog[rows]
    tr.prog[rows] = prog.astype(np.float32)  # (casting first is faster than a casting write)
    tr.prog_t[rows] = t
    u_out, u_ltft = ctx.streams.uniforms(t, tr.slot[rows], ("arcp", "ltft"))
    release = u_out < p.arcp_release_prob
    extend = (~release) & (u_out < p.arcp_release_prob + p.arcp_extension_prob)
    extended = rows[np.flatnonzero(extend)]  # a few percent: only their columns are written
    tr.required[extended] += p.arcp_extension_months
    tr.extensions[extended] += 1
    required = tr.required[rows]
    # LTFT trainees stay LTFT with the persistence, full-time ones switch with their
    # specialty's probability: one table, full-time rows by specialty then LTFT rows, looked up
    # with `take` (a gather from a small table is several times faster than `np.where` on a
    # random condition)
    switch_in = ltft_stock_to_switch(ctx.specs.ltft_share, p.ltft_persistence)
    stay = np.concatenate([switch_in, np.full(ctx.n_specs, p.ltft_persistence)])
    now_ltft = u_ltft < stay.take((fte < 1.0) * ctx.n_specs + tr.spec[rows])
    fte = np.array([1.0, p.ltft_fte], dtype=np.float32).take(now_ltft.view(np.int8))
    tr.fte[rows] = fte
    cct_due = cct_month(t, prog, required, fte)
    tr.cct_due[rows] = cct_due
    tr.cct_window.rebuild(rows, cct_due, t + 1)  # exits of this month have run
    released = rows[np.flatnonzero(release)]
    if len(released):
        _vacate(ctx, released, t, LEFT, EV_LEAVE)
