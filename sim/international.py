"""International recruits: a limited monthly flow into consultant vacancies.

Each specialty receives on average `img_inflow_share` x its specialty factor x its funded posts
a year, drawn each month by stochastic rounding. Recruits take only vacancies in trust x
specialty cells that have had a vacancy for `img_after_months` (trusts recruit abroad once local
recruitment has failed), a cell with probability in proportion to its vacancies (at most one
recruit per cell and month), so they go where vacancies persist: their regional pattern follows
local shortage. Recruits who find no such vacancy do not come: the flow is a limit, not a filler
of every vacancy.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim import calendar as cal
from sim.consultant_market import appoint_month
from sim.rng import CELL_BASE, cell_slots, img_slots, make_slots

if TYPE_CHECKING:
    from sim.context import Context

_NONE = np.empty(0, dtype=np.int64)


def international_recruits(ctx: Context, t: int) -> None:
    """The month's international recruits take open vacancies of their specialty.

    They are written to the consultants with the CCT holders settled this month (one append).
    """
    appoint_month(ctx, t, *_recruits(ctx, t))


def _recruits(ctx: Context, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trust, specialty and random-number slot of each of the month's international recruits."""
    p, n_specs = ctx.params, ctx.n_specs
    grid = _Grid.of(n_specs, ctx.world.n_trusts)
    vac = ctx.cells.vacancies()
    vac *= ctx.cells.vacant_months >= p.img_after_months  # only long-open vacancies
    per_month = p.img_inflow_share / cal.MONTHS_PER_YEAR
    expected = per_month * ctx.cells.establishment.sum(axis=0) * ctx.specs.img_factor
    u = ctx.streams["img_arrivals"].uniform(t, grid.spec_slots)
    arrivals = np.minimum(np.floor(expected + u).astype(np.int64), vac.sum(axis=0))
    if not arrivals.any():
        return _NONE, _NONE, _NONE.astype(np.uint64)
    # the specialty's recruits take distinct cells, sampled without replacement with weight
    # = open vacancies (exponential race: key = Exp(1) / weight, smallest keys win); the key is
    # drawn per cell and month, so two policies with the same vacancies send recruits alike
    vac *= arrivals > 0  # specialties without a recruit this month need no race
    counts = vac.T.ravel()  # specialty-major cells: s * n_trusts + trust
    cells = np.flatnonzero(counts > 0)  # (a boolean's nonzero is cheaper than an integer's)
    spec = grid.spec[cells]
    race = -np.log(ctx.streams["img_choice"].uniform(t, grid.slots[cells]))
    race /= counts[cells]
    order = np.argsort(spec + race / (1.0 + race))  # by specialty, then key (mapped into [0, 1))
    spec = spec[order]
    first = np.searchsorted(spec, np.arange(n_specs))  # each specialty's first position
    rank = np.arange(len(spec)) - first[spec]  # position within its specialty
    taken = rank < arrivals[spec]
    spec, trust = spec[taken], grid.trust[cells[order[taken]]]
    slots = img_slots(spec, t, rank[taken])
    ctx.recorder.add("international_recruits", ctx.region_spec(trust, spec))
    return trust, spec, slots


class _Grid(NamedTuple):
    """Constants of the specialty-major (specialty x trust) cells: made once per shape."""

    spec: np.ndarray  # each cell's specialty
    trust: np.ndarray  # and trust
    slots: np.ndarray  # its slot in the `img_choice` race
    spec_slots: np.ndarray  # each specialty's slot for `img_arrivals`

    @staticmethod
    @cache
    def of(n_specs: int, n_trusts: int) -> _Grid:
        """The grid of `n_specs` x `n_trusts` cells (read-only arrays, shared between runs)."""
        spec, trust = np.divmod(np.arange(n_specs * n_trusts), n_trusts)
        grid = _Grid(
            spec, trust, cell_slots(spec, trust, CELL_BASE), make_slots(np.arange(n_specs), 0)
        )
        for a in grid:
            a.flags.writeable = False
        return grid
