"""The consultant market's demand side and its bookkeeping: funded posts, appointments, exits.

Funded consultant posts (establishment) are whole posts per trust x specialty. They grow once a
year (August) by `establishment_growth`, rounded stochastically per cell on the
`establishment_growth` stream, so every cell grows at the stated rate on average and no post is
lost or frozen by truncation. Trusts also create posts for CCT holders waiting near them
(`post_creation_rate`, within a yearly budget): where candidates wait and money allows,
supply creates its own demand. A consultant vacancy is a funded post without a holder.

Every appointment goes through `add_consultants` and every exit through `consultant_exits`,
which fill and vacate the trust x specialty cells (`agents/cells.py`), so `cells.filled` is always
the count of active consultants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.columns import NEVER
from sim.consultant_ages import exit_months
from sim.rng import cell_slots

if TYPE_CHECKING:
    from sim.context import Context


def add_consultants(
    ctx: Context,
    t: int,
    trust: np.ndarray,
    spec: np.ndarray,
    age: np.ndarray,
    origin: int | np.ndarray,
    trainee: np.ndarray | int = -1,
    slots: np.ndarray | None = None,
) -> np.ndarray:
    """Put consultants in post (their exit month drawn now); returns their rows."""
    n = len(trust)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if slots is None:
        slots = ctx.new_slots("consultant", spec)
    u_retire, u_leave = ctx.streams.uniforms(t, slots, ("retirement", "consultant_leave"))
    months = exit_months(ctx.params, age, u_retire, u_leave)
    due = t + np.maximum(1, np.ceil(np.minimum(months, NEVER / 4))).astype(np.int64)
    due = np.minimum(due, NEVER).astype(np.int32)
    rows = ctx.consultants.append(
        n,
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
    ctx.cells.fill(trust, spec)
    ctx.counts.consultants += n
    return rows


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
    cells = ctx.cells
    budget = int(p.post_creation_budget * cells.establishment.sum()) - cells.created_this_year
    picked = np.flatnonzero(u < p.post_creation_rate)[: max(budget, 0)]
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
