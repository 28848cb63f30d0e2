"""The base year in a plausible present.

Posts are filled at realistic rates, trainees spread over stages as intake x survival implies,
consultants have an age profile.

Trainees: a filled post holds a trainee whose time in programme is drawn from the stationary
distribution of a constant-intake cohort, density proportional to survival S(a) on [0, D), where D
is the calendar time to CCT (longer for LTFT trainees). Their attrition date is drawn conditional
on having survived to a.
Consultants: the trust x specialty stock and funded posts of the data directory; ages from the
stationary profile of the exit process (`sim/consultant_ages.py`), so exits are smooth from the
first month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.consultant import INITIAL
from agents.trainee import survival
from sim import calendar as cal
from sim.consultant_ages import stationary_age_cdf
from sim.consultant_market import add_consultants
from sim.training import enter

if TYPE_CHECKING:
    from sim.context import Context
    from sim.programme import Programme


def _stationary_months(
    u: np.ndarray, group: np.ndarray, duration: np.ndarray, rate: np.ndarray, early: np.ndarray
) -> np.ndarray:
    """Months in programme: whole years k < duration / 12 with probability proportional to S(12k).

    Intakes start in August, so a base-year trainee has been in programme a whole number of years.
    `group` labels rows that share (duration, rate, early), e.g. specialty x LTFT.
    """
    out = np.empty(len(u))
    order = np.argsort(group, kind="stable")
    _, starts = np.unique(group[order], return_index=True)
    for rows in np.split(order, starts[1:]):
        d, h, e = duration[rows[0]], rate[rows[0]], early[rows[0]]
        years = np.arange(int(np.ceil(d / 12.0)))
        cdf = np.cumsum(survival(12.0 * years, h, e))
        out[rows] = 12.0 * np.minimum(np.searchsorted(cdf / cdf[-1], u[rows]), len(years) - 1)
    return out


def populate(ctx: Context, programme: Programme) -> None:
    """Fill the base year: posts, trainees in post and consultants."""
    t, p, w = 0, ctx.params, ctx.world
    posts = ctx.posts
    trust, spec, funding = w.baseline_posts
    n = len(trust)
    posts.append(
        n,
        trust=trust,
        spec=spec,
        funding=funding,
        slot=ctx.new_slots("post", spec),
    )
    _consultants(ctx)
    programme.start()  # capacity, and programme moves made before the base year
    n = posts.n
    trust, spec = posts.trust[:n].astype(np.int64), posts.spec[:n].astype(np.int64)
    rows = np.arange(n)
    filled = rows[ctx.streams["initial_fill"].uniform(t, posts.slot[rows]) < p.initial_fill]
    s = spec[filled]
    slots = posts.slot[filled]
    ltft = ctx.streams["initial_ltft"].uniform(t, slots) < ctx.specs.ltft_share[s]
    fte = np.where(ltft, p.ltft_fte, 1.0)
    duration = np.ceil(ctx.specs.years[s] * cal.MONTHS_PER_YEAR / fte)
    rate = ctx.specs.attrition[s] * p.attrition_multiplier
    early = ctx.specs.early[s] * min(p.attrition_multiplier, 1.0)
    u_stage = ctx.streams["initial_stage"].uniform(t, slots)
    months = _stationary_months(u_stage, 2 * s + ltft, duration, rate, early)
    home_draw = ctx.streams["initial_home"].uniform(t, slots)
    lo = w.trust_lo[trust[filled]]
    # ESTIMATE: 60% train in their home office (Goldacre 2013: 48-70%, docs/sources.md §4.4)
    home = np.where(home_draw < 0.6, lo, w.home_office((home_draw - 0.6) / 0.4))
    enter(ctx, t, s, filled, home, survived=months, ltft=ltft)


def _consultants(ctx: Context) -> None:
    """Consultants in post at the base year, with ages from the stationary profile."""
    t = 0
    stock = ctx.world.baseline_consultants
    cells = np.flatnonzero(stock.ravel())
    cell = np.repeat(cells, stock.ravel()[cells])
    c_trust, c_spec = np.divmod(cell, ctx.n_specs)
    c_slots = ctx.new_slots("consultant", c_spec)
    ages, cdf = stationary_age_cdf(ctx.params)
    age = np.interp(ctx.streams["initial_age"].uniform(t, c_slots), cdf, ages)
    add_consultants(ctx, t, c_trust, c_spec, age, INITIAL, slots=c_slots)
