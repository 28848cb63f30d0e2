"""The consultant market's demand side and its bookkeeping: funded posts, appointments, exits.

Funded consultant posts (establishment) are whole posts per trust x specialty. They grow once a
year (August) by `establishment_growth`, rounded stochastically per cell on the
`establishment_growth` stream, so every cell grows at the stated rate on average and no post is
lost or frozen by truncation. Trusts also create posts for CCT holders waiting near them
(`post_creation_rate`, within a yearly budget): where candidates wait and money allows,
supply creates its own demand. A consultant vacancy is a funded post without a holder.

Appointments fill and exits vacate the trust x specialty cells (`agents/cells.py`), so
`cells.filled` is the count of active consultants after every monthly step. The base year's
consultants go through `add_consultants`; each month's through `appoint_month`, which writes the
CCT holders settlement appointed (`settle_appointments`: their cells fill at once, so
international recruits see the vacancies they leave) and the month's international recruits in
one append, with one draw call for their ages and exit dates. Every exit goes through
`consultant_exits`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from agents.columns import NEVER
from agents.consultant import FROM_CCT, INTERNATIONAL, Settled
from sim.consultant_ages import CCT_AGE_SD, IMG_AGE_SD, exit_months
from sim.rng import cell_slots

if TYPE_CHECKING:
    from sim.context import Context


def add_consultants(
    ctx: Context,
    t: int,
    trust: np.ndarray,
    spec: np.ndarray,
    age: np.ndarray,
    origin: int,
    slots: np.ndarray,
) -> None:
    """Put consultants in post (their exit month drawn now)."""
    if len(trust) == 0:
        return
    u_retire, u_leave = ctx.streams.uniforms(t, slots, ("retirement", "consultant_leave"))
    ctx.cells.fill(trust, spec)
    _write(ctx, t, trust, spec, age, origin, -1, slots, u_retire, u_leave)


def settle_appointments(
    ctx: Context,
    trust: np.ndarray,
    spec: np.ndarray,
    slots: np.ndarray,
    trainee: np.ndarray,
    waited: np.ndarray,
) -> None:
    """CCT holders appointed this month (`waited`: years since CCT): their cells fill now.

    Their rows are written by `appoint_month`, with the month's international recruits.
    """
    ctx.cells.fill(trust, spec)
    ctx.consultants.settled = Settled(trust, spec, slots, trainee, waited)


def appoint_month(
    ctx: Context, t: int, trust: np.ndarray, spec: np.ndarray, slots: np.ndarray
) -> None:
    """Write the month's new consultants: the CCT holders settled, then international recruits.

    `trust`, `spec`, `slots`: the international recruits, whose cells fill here. Ages at
    appointment: Normal(`cct_age_mean`, `CCT_AGE_SD`) plus the wait since CCT, and
    Normal(`img_age_mean`, `IMG_AGE_SD`); exit months are drawn now.
    """
    c, p = ctx.consultants, ctx.params
    if len(trust):
        ctx.cells.fill(trust, spec)
    settled, c.settled = c.settled, None
    n_cct = 0
    if settled is not None:
        n_cct = len(settled.trust)
        trust = np.concatenate((settled.trust, trust))
        spec = np.concatenate((settled.spec, spec))
        slots = np.concatenate((settled.slot, slots))
    n = len(trust)
    if n == 0:
        return
    u_age, u_img, u_retire, u_leave = ctx.streams.uniforms(
        t, slots, ("cct_age", "img_age", "retirement", "consultant_leave")
    )
    u_age[n_cct:] = u_img[n_cct:]  # each group's age from its own stream
    z = ndtri(u_age)
    age = np.empty(n)
    origin = np.full(n, INTERNATIONAL, dtype=np.int8)
    trainee = np.full(n, -1, dtype=np.int64)
    if settled is not None:
        age[:n_cct] = p.cct_age_mean + CCT_AGE_SD * z[:n_cct] + settled.waited
        origin[:n_cct] = FROM_CCT
        trainee[:n_cct] = settled.trainee
    age[n_cct:] = p.img_age_mean + IMG_AGE_SD * z[n_cct:]
    _write(ctx, t, trust, spec, age, origin, trainee, slots, u_retire, u_leave)


def _write(
    ctx: Context,
    t: int,
    trust: np.ndarray,
    spec: np.ndarray,
    age: np.ndarray,
    origin: int | np.ndarray,
    trainee: int | np.ndarray,
    slots: np.ndarray,
    u_retire: np.ndarray,
    u_leave: np.ndarray,
) -> None:
    """Append consultants whose cells are filled, their exit months from the two uniforms."""
    months = exit_months(ctx.params, age, u_retire, u_leave)
    due = t + np.maximum(1, np.ceil(np.minimum(months, NEVER / 4))).astype(np.int64)
    due = np.minimum(due, NEVER).astype(np.int32)
    rows = ctx.consultants.append(
        len(trust),
        trust=trust,
        spec=spec,
        slot=slots,
        origin=origin,
        trainee=trainee,
        start_t=t,
        age_at_start=age,
        exit_due=due,
        active=True,
    )
    ctx.consultants.exit_window.add(rows, due)
    ctx.counts.consultants += len(trust)


def consultant_exits(ctx: Context, t: int) -> None:
    """Consultants whose retirement or leaving month has come leave their posts."""
    c = ctx.consultants
    rows = c.exit_window.due(c.exit_due, c.n, t)
    if len(rows) == 0:
        return
    c.active[rows] = False
    c.exit_due[rows] = NEVER
    trust, spec = c.trust[rows], c.spec[rows]
    ctx.cells.vacate(trust, spec)
    ctx.counts.consultants -= len(rows)
    ctx.recorder.add("consultant_exits", ctx.region_spec(trust, spec))


def grow_establishment(ctx: Context, t: int, rate: float | None = None) -> None:
    """Funded consultant posts grow once a year (August), rounded stochastically per cell.

    `rate` is the year's growth (default `establishment_growth`; a historic run passes its own).
    """
    cells = ctx.cells
    e = cells.establishment
    trust, spec = np.divmod(np.arange(e.size), ctx.n_specs)
    u = ctx.streams["establishment_growth"].uniform(t, cell_slots(spec, trust))
    growth = ctx.params.establishment_growth if rate is None else rate
    change = np.floor(e.ravel() * growth + u).astype(np.int64)
    cells.establishment = np.maximum(e + change.reshape(e.shape), 0)
    added = np.maximum(change, 0)
    keys = ctx.region_spec(trust, spec)
    ctx.recorder.add("consultant_posts_added", np.repeat(keys, added))
    cells.created_this_year = 0


def create_posts(ctx: Context, waiting: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Trusts fund posts for some CCT holders waiting; returns indices (into `waiting`) of those.

    Each waiting holder's last training trust creates a post for them with monthly chance
    `post_creation_rate` (`u`: their `post_creation` draws), until the year's budget
    (`post_creation_budget` x funded posts) is spent; the holder is appointed to it at once.
    """
    p, tr = ctx.params, ctx.trainees
    if len(waiting) == 0 or p.post_creation_rate == 0:
        return np.empty(0, dtype=np.int64)
    picked = np.flatnonzero(u < p.post_creation_rate)
    if len(picked) == 0:
        return picked
    cells = ctx.cells
    budget = int(p.post_creation_budget * cells.establishment.sum()) - cells.created_this_year
    picked = picked[: max(budget, 0)]
    chosen = waiting[picked]
    if len(chosen) == 0:
        return picked
    trust, spec = tr.trust[chosen], tr.spec[chosen]
    np.add.at(ctx.cells.establishment, (trust, spec), 1)
    ctx.cells.created_this_year += len(chosen)
    keys = ctx.region_spec(trust, spec)
    ctx.recorder.add("consultant_posts_added", keys)
    ctx.recorder.add("posts_created", keys)
    return picked
