"""Runs from a past base year, driven year by year by national series of posts and funded posts.

`History` holds, in model units, national training posts and funded consultant posts for every
August from the base year, and the consultants in post in the base year. `scale_world` scales
the 2023 world back to the base year: posts, consultants and funded posts get the base year's
national totals, spread over trusts and specialties as in 2023 (ESTIMATE: the historic
distribution is not public); intake, applications and applicants scale with posts. A model
given a history builds a `HistoryDriver`, which each July opens or closes training posts to the
year's national total (new posts spread as the base year's; surplus posts close once vacant, the
vacant ones first) with applicants scaled alike, and each August grows funded consultant posts
to the year's total
(stochastic rounding per cell, as `grow_establishment` does for a constant rate). Without a
funded-post series, funded posts change only when trusts create posts for waiting CCT holders.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from agents.columns import NEVER
from agents.post import EXPANSION, TARIFF
from sim import calendar as cal
from sim.inputs import InputError
from sim.rounding import largest_remainder
from sim.world import World

if TYPE_CHECKING:
    from sim.context import Context
    from sim.programme import Programme

AGE_OLD = 55.0  # the published age band: consultants aged 55 or over (docs/sources.md §4.4)


@dataclass(frozen=True)
class History:
    """National drivers of a run from `base_year`: one value per August, in model units."""

    base_year: int
    training_posts: tuple[int, ...]  # training posts each August from the base year
    # funded consultant posts each August from the base year; None: not driven (they change
    # only when trusts create posts for waiting CCT holders)
    funded_posts: tuple[int, ...] | None
    consultants: int  # consultants in post in the base year
    funded_base: int = 0  # funded posts in the base year when `funded_posts` is None

    def __post_init__(self) -> None:
        if not 1948 <= self.base_year <= cal.BASE_YEAR:
            raise InputError(f"history base year {self.base_year} outside 1948-{cal.BASE_YEAR}")
        funded = self.funded_posts or (self.funded_base,)
        if not self.training_posts or (
            self.funded_posts is not None and len(self.training_posts) != len(funded)
        ):
            raise InputError("history: training_posts and funded_posts need one value per year")
        if min(self.training_posts) <= 0 or min(funded) <= 0:
            raise InputError("history: posts must be positive in every year")
        if not 0 < self.consultants <= funded[0]:
            raise InputError(
                f"history: base-year consultants {self.consultants} must be positive and at "
                f"most the funded posts {funded[0]}"
            )

    @property
    def base_funded(self) -> int:
        """Funded consultant posts in the base year."""
        return self.funded_posts[0] if self.funded_posts is not None else self.funded_base

    @property
    def years(self) -> int:
        """Years the series can drive (the last August is base year + years)."""
        return len(self.training_posts) - 1

    def fingerprint(self) -> str:
        """Hash of the drivers (enters run keys)."""
        payload = json.dumps(
            [
                self.base_year,
                self.training_posts,
                self.funded_posts,
                self.consultants,
                self.funded_base,
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def check_years(self, years: int) -> None:
        """A run of `years` years must stay within the series."""
        if years > self.years:
            raise InputError(
                f"years: {years} asked, but the history drives only {self.years} years "
                f"({self.base_year}-{self.base_year + self.years})"
            )


def _spread(total: int, weights: np.ndarray) -> np.ndarray:
    """`total` split over cells as `weights` are (largest remainder, deterministic)."""
    return largest_remainder(int(total), weights.astype(float))


@functools.lru_cache(maxsize=8)
def scale_world(world: World, history: History) -> World:
    """The world at the base year: national totals from `history`, 2023's distribution."""
    d = world.data
    posts = d.posts
    cells = np.concatenate([posts["tariff_posts"], posts["trust_funded_posts"]]).astype(float)
    scaled = _spread(history.training_posts[0], cells)
    n = len(posts)
    new_posts = posts.assign(tariff_posts=scaled[:n], trust_funded_posts=scaled[n:])
    cons = d.consultants
    filled = _spread(history.consultants, cons["consultants"].to_numpy())
    vacant = (cons["establishment"] - cons["consultants"]).clip(lower=0).to_numpy()
    open_ = _spread(history.base_funded - history.consultants, vacant)
    new_cons = cons.assign(consultants=filled, establishment=filled + open_)
    post_factor = history.training_posts[0] / max(cells.sum(), 1.0)
    cons_factor = history.consultants / max(float(cons["consultants"].sum()), 1.0)
    s = d.specialties
    specs = s.assign(
        intake_per_year=s["intake_per_year"] * post_factor,
        applications_per_year=s["applications_per_year"] * post_factor,
        applicants_per_year=s["applicants_per_year"] * post_factor,
        consultants_national=np.rint(s["consultants_national"] * cons_factor).astype(np.int64),
    )
    return World(replace(d, posts=new_posts, consultants=new_cons, specialties=specs))


class HistoryDriver:
    """Drives a run from a past base year: its posts and funded posts follow `history`.

    The model builds one when given a history and calls it from its July event (training posts),
    its August changeover (funded posts) and its snapshot (the age profile).
    """

    def __init__(self, ctx: Context, programme: Programme, history: History) -> None:
        self.ctx, self.programme, self.history = ctx, programme, history
        self.share_old: list[float] = []  # share of consultants aged 55+ at each snapshot
        self.applicants0 = ctx.specs.applicants.copy()
        trust, spec, _ = ctx.world.baseline_posts
        self.post_weights = np.bincount(
            trust.astype(np.int64) * ctx.n_specs + spec,
            minlength=ctx.world.n_trusts * ctx.n_specs,
        ).astype(float)

    def year_index(self, t: int) -> int:
        """Years since the base year at month `t`."""
        return cal.calendar_year(t, self.history.base_year) - self.history.base_year

    def follow_training_posts(self, t: int) -> None:
        """July: open or close training posts to the year's national total."""
        k = self.year_index(t)
        if k > self.history.years:
            return
        target = self.history.training_posts[k]
        p = self.ctx.posts
        live = p.live()
        marked = (p.end_t[live] != NEVER) & (p.funding[live] != EXPANSION)
        closing, staying = live[marked], int(np.count_nonzero(~marked))
        if target >= staying:
            reopen = closing[: target - staying]
            p.end_t[reopen] = NEVER
            self._open_posts(np.concatenate([live[~marked], reopen]), target)
        else:
            self._close_posts(live[~marked], target, t)
        applicants = self.applicants0 * target / self.history.training_posts[0]
        self.ctx.specs = replace(self.ctx.specs, applicants=applicants)

    def _cell_counts(self, rows: np.ndarray) -> np.ndarray:
        """Posts by trust x specialty cell (cell = trust * n_specs + specialty)."""
        p = self.ctx.posts
        cell = p.trust[rows].astype(np.int64) * self.ctx.n_specs + p.spec[rows]
        return np.bincount(cell, minlength=len(self.post_weights))

    def _toward_base_shares(self, current: np.ndarray, total: int, sign: int) -> np.ndarray:
        """Cell weights for adding (sign 1) or removing (-1) posts toward the base-year shares."""
        gap = sign * (self.post_weights * total / self.post_weights.sum() - current)
        gap = np.maximum(gap, 0.0)
        return gap if gap.sum() > 0 else (self.post_weights if sign > 0 else current)

    def _open_posts(self, open_rows: np.ndarray, target: int) -> None:
        """Open posts up to `target`, where cells are furthest below the base-year shares."""
        n = target - len(open_rows)
        if n <= 0:
            return
        per_cell = _spread(n, self._toward_base_shares(self._cell_counts(open_rows), target, 1))
        cells = np.repeat(np.arange(len(per_cell)), per_cell)
        trust, spec = np.divmod(cells, self.ctx.n_specs)
        self.ctx.posts.append(
            len(cells),
            trust=trust,
            spec=spec,
            funding=TARIFF,
            slot=self.ctx.new_slots("post", spec),
        )

    def _close_posts(self, open_rows: np.ndarray, target: int, t: int) -> None:
        """Close posts down to `target` where cells are furthest above the base-year shares.

        Within a cell the vacant ones first, then the newest; a held post closes when vacated.
        """
        p = self.ctx.posts
        n = len(open_rows) - target
        cell = p.trust[open_rows].astype(np.int64) * self.ctx.n_specs + p.spec[open_rows]
        current = self._cell_counts(open_rows)
        per_cell = np.minimum(_spread(n, self._toward_base_shares(current, target, -1)), current)
        held = (p.holder[open_rows] >= 0).astype(np.int64)
        order = np.lexsort((-open_rows, held, cell))  # by cell, vacant first, newest first
        rows, cell = open_rows[order], cell[order]
        first = np.searchsorted(cell, cell, side="left")
        chosen = rows[(np.arange(len(rows)) - first) < per_cell[cell]]
        p.end_t[chosen] = t  # closes at once if vacant, else when its holder leaves
        self.programme.close_ended_posts(t)

    def funded_growth(self, t: int) -> float | None:
        """August: the growth that takes funded posts to the year's total (None: the default)."""
        k = self.year_index(t)
        if self.history.funded_posts is None:
            return 0.0
        if k <= self.history.years:
            funded = int(self.ctx.cells.establishment.sum())
            return self.history.funded_posts[k] / max(funded, 1) - 1.0
        return None

    def record_ages(self, t: int) -> None:
        """At each snapshot: the share of consultants aged 55 or over."""
        c = self.ctx.consultants
        active = np.flatnonzero(c.active[: c.n])
        age = c.age_at_start[active] + (t - c.start_t[active]) / cal.MONTHS_PER_YEAR
        self.share_old.append(float(np.mean(age >= AGE_OLD)) if len(active) else 0.0)

    def outcomes(self) -> dict[str, float]:
        """Scalar outcomes of the historic run: the 55+ share each year."""
        return {
            f"consultants_55_plus_share_{self.history.base_year + k}": v
            for k, v in enumerate(self.share_old)
        }
