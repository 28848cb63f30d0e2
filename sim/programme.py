"""The Distribution of Medical Specialty Training programme: yearly moves toward fair share.

Each July, for every specialty whose phase has started and that has an area outside the fair-share
tolerance, donor areas (over fair share) release vacant tariff posts, most-over-fair-share trusts
first; receiving areas (under fair share) take them at their most-under trusts, only within
training capacity. Trainees in post are never moved: only vacant posts move. A phase sets the
start year and the pace: with gap_share pacing a donor may have released, after k rounds, the share
min(1, k x pace) of its starting gap, so moves it could not make (no vacancy, or no receiver with
capacity: counted as unplaced, the post stays with its donor) are retried in later rounds; once
the nominal length is over, a donor may release its whole remaining gap. Moves never stop at the
nominal length: they stop when every area is within the tolerance. Expansion posts are added by
the same method and end when their funding does (once vacant).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.columns import NEVER
from agents.post import EXPANSION, TARIFF, TRUST_FUNDED
from sim import calendar as cal
from sim.calendar import calendar_year
from sim.need import trust_fair_shares
from sim.policy import Phase
from sim.rounding import largest_remainder

if TYPE_CHECKING:
    from sim.context import Context


def within_tolerance(current: np.ndarray, target: np.ndarray, tol: float) -> bool:
    """Every area within `tol` of its target, or less than one whole post away from it."""
    off = np.abs(current - target)
    return bool(np.all((off <= tol * target + 1e-9) | (off < 1.0)))


def resolve_specialties(
    codes: tuple[str, ...], world_codes: list[str], groups: list[str]
) -> list[int]:
    """Specialty indices named by codes or 'group:<name>' entries."""
    out: list[int] = []
    for c in codes:
        if c.startswith("group:"):
            out += [i for i, g in enumerate(groups) if g == c[6:]]
        else:
            out.append(world_codes.index(c))
    return out


class Programme:
    """State and yearly actions of the redistribution programme for one run."""

    def __init__(self, ctx: Context, icb_shares: np.ndarray, region_shares: np.ndarray) -> None:
        self.ctx = m = ctx
        self.cfg = m.policy.programme
        self.region_shares = region_shares  # fair shares by region and specialty
        w = m.world
        groups = w.data.specialties["group"].tolist()
        self.phase_of = np.full(m.n_specs, -1)
        for i, phase in enumerate(self.cfg.phases if self.cfg.enabled else ()):
            for s in resolve_specialties(phase.specialties, w.specialty_codes, groups):
                if self.phase_of[s] < 0:
                    self.phase_of[s] = i
        if self.cfg.target == "icb":
            self.area_of_trust = w.trust_icb
            self.n_areas = len(w.icb_codes)
            self.area_shares = icb_shares
        else:
            self.area_of_trust = w.trust_region
            self.n_areas = w.n_regions
            self.area_shares = region_shares.copy()
            if self.cfg.target == "table":
                table = np.array([self.cfg.target_table.get(c, 0.0) for c in w.region_codes])
                self.area_shares = np.repeat(table[:, None], m.n_specs, axis=1)
        self.trust_shares = trust_fair_shares(w, icb_shares)
        self.start_gap = np.zeros((self.n_areas, m.n_specs))
        self.released = np.zeros((self.n_areas, m.n_specs))  # posts released since phase start
        self.unplaced = np.zeros((w.n_regions, m.n_specs))
        self.first_end = NEVER  # earliest month an expansion post's funding ends
        self.expansion_specs = [
            resolve_specialties(e.specialties, w.specialty_codes, groups)
            for e in (self.cfg.expansion if self.cfg.enabled else ())
        ]

    # --- set-up -------------------------------------------------------------------------------
    def start(self) -> None:
        """Training capacity from consultants in post; moves already made before the base year."""
        m, cfg = self.ctx, self.cfg
        posts_now = self._counts()[1]
        supervised = m.cells.filled * cfg.supervisor_share * cfg.trainees_per_supervisor
        m.cells.capacity = np.maximum(posts_now.astype(float), supervised)
        if not cfg.enabled:
            return
        base_year = m.base_year
        for phase_i, phase in enumerate(self.cfg.phases):
            for year in range(phase.start_year, base_year + 1):
                self._move_year(year, phase_filter=phase_i, before_base=True)

    def recruitment_bonus(self) -> np.ndarray:
        """Extra applicant utility of each local office (regions under fair share overall)."""
        m = self.ctx
        w = m.world
        bonus = m.policy.incentives.recruitment_bonus
        if bonus == 0.0 or not self.cfg.enabled:
            return np.zeros(w.n_los)
        posts = np.bincount(w.trust_region[m.posts.trust[m.posts.live()]], minlength=w.n_regions)
        fair = self.region_shares.mean(axis=1) * posts.sum()
        under = posts < fair
        return np.where(under[w.lo_region], bonus, 0.0)

    # --- yearly and monthly actions --------------------------------------------------------------
    def yearly_moves(self, t: int) -> None:
        """July: expansion posts, then moves for every specialty in an active phase."""
        if not self.cfg.enabled:
            return
        year = calendar_year(t, self.ctx.base_year)
        self.unplaced[:] = 0  # before expansion: its unplaced posts count in this round too
        self._expand(year, t)
        self._move_year(year, phase_filter=None, before_base=False)

    def close_ended_posts(self, t: int) -> None:
        """Expansion posts whose funding has ended close once vacant."""
        if t < self.first_end:
            return
        p = self.ctx.posts
        n = p.n
        ended = np.flatnonzero(p.active[:n] & (p.end_t[:n] <= t) & (p.holder[:n] < 0))
        p.active[ended] = False

    def grow_capacity(self) -> None:
        """August: training capacity grows (Creating Educational Capacity)."""
        self.ctx.cells.capacity *= 1.0 + self.cfg.capacity_growth

    # --- queries -------------------------------------------------------------------------------
    def programme_posts_by_spec(self) -> np.ndarray:
        """National programme posts (tariff + expansion, active) by specialty."""
        p = self.ctx.posts
        live = p.live()
        live = live[p.funding[live] != TRUST_FUNDED]
        return np.bincount(p.spec[live], minlength=self.ctx.n_specs).astype(float)

    def area_posts(self) -> np.ndarray:
        """Programme posts (tariff + expansion, active) by (area x specialty) now."""
        out = np.zeros((self.n_areas, self.ctx.n_specs))
        np.add.at(out, self.area_of_trust, self._counts()[0])
        return out

    def fair_share_posts(self) -> np.ndarray:
        """Fair share of programme posts by region and specialty (posts, not shares)."""
        return self.region_shares * self.programme_posts_by_spec()[None, :]

    # --- internals -------------------------------------------------------------------------------
    def _counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Live posts by (trust x specialty): programme posts (tariff + expansion), and all."""
        p, m = self.ctx.posts, self.ctx
        live = p.live()
        n_t, n_s = m.world.n_trusts, m.n_specs
        key = p.trust[live].astype(np.int64) * n_s + p.spec[live]
        key += (p.funding[live] == TRUST_FUNDED) * (n_t * n_s)
        counts = np.bincount(key, minlength=2 * n_t * n_s).reshape(2, n_t, n_s)
        return counts[0], counts[0] + counts[1]

    def _move_year(self, year: int, phase_filter: int | None, before_base: bool) -> None:
        # a specialty's moves change only its own posts, so the counts and tariff posts taken
        # once serve every specialty of the year
        programme, every = self._counts()
        p = self.ctx.posts
        tariff = p.live()
        tariff = tariff[p.funding[tariff] == TARIFF]
        tariff = tariff[np.argsort(p.spec[tariff], kind="stable")]  # by specialty, rows ascending
        bounds = np.searchsorted(p.spec[tariff], np.arange(self.ctx.n_specs + 1))
        for s in range(self.ctx.n_specs):
            phase_i = self.phase_of[s]
            if phase_i < 0 or (phase_filter is not None and phase_i != phase_filter):
                continue
            phase = self.cfg.phases[phase_i]
            if year >= phase.start_year:
                cand = tariff[bounds[s] : bounds[s + 1]]
                args = (cand, programme[:, s], every[:, s])
                self._move_specialty(s, year, phase, before_base, *args)

    def _area_counts(self, by_trust: np.ndarray) -> np.ndarray:
        """Posts by area from posts by trust."""
        return np.bincount(self.area_of_trust, weights=by_trust, minlength=self.n_areas)

    def _move_specialty(
        self,
        s: int,
        year: int,
        phase: Phase,
        before_base: bool,
        cand: np.ndarray,
        by_trust: np.ndarray,
        every: np.ndarray,
    ) -> None:
        """One year's moves of specialty s toward its fair share.

        `cand`: its live tariff posts (rows ascending); `by_trust`: its programme posts by trust;
        `every`: its posts of any funding by trust.
        """
        m, cfg = self.ctx, self.cfg
        current = self._area_counts(by_trust)
        target = self.area_shares[:, s] * current.sum()
        gap = current - target
        if year == phase.start_year:
            self.start_gap[:, s] = gap
        if within_tolerance(current, target, cfg.fair_share_tolerance):
            return
        if cfg.pacing == "gap_share":
            per_year = cfg.gap_share_per_year or 1.0 / phase.years
            rounds = year - phase.start_year + 1
            allowed = np.ceil(np.maximum(self.start_gap[:, s], 0) * rounds * per_year - 1e-9)
            quota = allowed - self.released[:, s]  # moves not made earlier are retried
            if rounds * per_year >= 1.0 - 1e-9:  # nominal length over: the whole remaining gap
                quota = np.maximum(gap, 0)
        else:
            quota = np.full(self.n_areas, cfg.max_posts_per_donor_per_year, float)
        release = np.minimum(np.floor(np.maximum(gap, 0) + 1e-9), quota).astype(np.int64)
        release = np.maximum(release, 0)
        # donors: vacant tariff posts at their most-over-fair-share trusts first
        p = m.posts
        if not before_base:
            cand = cand[p.holder[cand] < 0]
        trust_target = self.trust_shares[:, s] * current.sum()
        cand_area = self.area_of_trust[p.trust[cand]]
        available = np.bincount(cand_area, minlength=self.n_areas)
        release = np.minimum(release, available)
        deficit = np.maximum(-gap, 0)
        spare_trust = self._spare(s, every)
        spare_area = np.bincount(self.area_of_trust, weights=spare_trust, minlength=self.n_areas)
        take = largest_remainder(
            int(release.sum()), deficit, np.minimum(np.ceil(deficit), spare_area)
        )
        placed = int(take.sum())
        # unplaced moves belong to the areas left short (not to those that got their deficit)
        shortfall = largest_remainder(int(release.sum()) - placed, np.maximum(deficit - take, 0))
        np.add.at(self.unplaced[:, s], self._area_region(), shortfall)
        release = largest_remainder(placed, release.astype(float), release)
        self.released[:, s] += release
        chosen = self._donor_posts(cand, cand_area, release, by_trust - trust_target)
        receivers = self._receiving_trusts(s, take, spare_trust, by_trust, trust_target)
        self._relocate(chosen, receivers, s, before_base)

    def _spare(self, s: int, posts: np.ndarray) -> np.ndarray:
        """Training capacity left at each trust for specialty s, given its posts (any funding)."""
        return np.maximum(np.floor(self.ctx.cells.capacity[:, s] + 1e-9) - posts, 0)

    def _area_region(self) -> np.ndarray:
        w = self.ctx.world
        return w.icb_region if self.cfg.target == "icb" else np.arange(w.n_regions)

    def _donor_posts(
        self, cand: np.ndarray, cand_area: np.ndarray, release: np.ndarray, over: np.ndarray
    ) -> np.ndarray:
        """Posts each donor area releases: one at a time from its trust now most over fair share."""
        p = self.ctx.posts
        out: list[int] = []
        for a in np.flatnonzero(release):
            mine = cand[cand_area == a]
            mine = mine[np.lexsort((p.slot[mine], p.trust[mine]))]  # by trust, then slot
            trusts, first, left = np.unique(p.trust[mine], return_index=True, return_counts=True)
            level = over[trusts].astype(float)
            taken = np.zeros(len(trusts), dtype=np.int64)
            for _ in range(int(release[a])):  # rare event: tens of posts a year
                i = int(np.argmax(np.where(taken < left, level, -np.inf)))
                out.append(int(mine[first[i] + taken[i]]))
                taken[i] += 1
                level[i] -= 1.0
        return np.array(out, dtype=np.int64)

    def _receiving_trusts(
        self, s: int, take: np.ndarray, spare: np.ndarray, by_trust: np.ndarray, target: np.ndarray
    ) -> np.ndarray:
        """Trusts receiving each moved post: most under fair share within the area first."""
        out: list[int] = []
        under = by_trust - target
        for a in np.flatnonzero(take):
            trusts = np.flatnonzero((self.area_of_trust == a) & (spare > 0))
            room = spare[trusts].astype(np.int64)
            level = under[trusts].astype(float)
            for _ in range(int(take[a])):  # rare event: tens of posts a year
                i = int(np.argmin(np.where(room > 0, level, np.inf)))
                out.append(int(trusts[i]))
                room[i] -= 1
                level[i] += 1.0
        return np.array(out, dtype=np.int64)

    def _relocate(self, posts: np.ndarray, trusts: np.ndarray, s: int, before_base: bool) -> None:
        m = self.ctx
        if len(posts) == 0:
            return
        p = m.posts
        donors = p.trust[posts].copy()
        p.trust[posts] = trusts
        p.moves[posts] += 1
        if not before_base:
            m.recorder.add("posts_moved_out", m.region_spec(donors, s))
            m.recorder.add("posts_moved_in", m.region_spec(trusts, s))
        replace = int(np.floor(len(posts) * self.cfg.trust_funded_replacement + 1e-9))
        if replace:
            spec = np.full(replace, s)
            p.append(
                replace,
                trust=donors[:replace],
                spec=spec,
                funding=TRUST_FUNDED,
                slot=m.new_slots("post", spec),
            )

    def _expand(self, year: int, t: int) -> None:
        m = self.ctx
        for tranche, specs in zip(self.cfg.expansion, self.expansion_specs, strict=True):
            if not tranche.start_year <= year < tranche.start_year + tranche.years or not specs:
                continue
            intake = m.world.spec_column("intake_per_year")[specs]
            for s, n in zip(specs, largest_remainder(tranche.posts_per_year, intake), strict=True):
                self._add_expansion(int(s), int(n), t, tranche.post_lifetime_years)

    def _add_expansion(self, s: int, n: int, t: int, lifetime: int) -> None:
        if n <= 0:
            return
        m = self.ctx
        programme, every = self._counts()
        by_trust = programme[:, s]
        current = self._area_counts(by_trust)
        total = current.sum() + n
        deficit = np.maximum(self.area_shares[:, s] * total - current, 0)
        spare = self._spare(s, every[:, s])
        spare_area = np.bincount(self.area_of_trust, weights=spare, minlength=self.n_areas)
        take = largest_remainder(n, deficit + 1e-9, spare_area)
        trusts = self._receiving_trusts(s, take, spare, by_trust, self.trust_shares[:, s] * total)
        spec = np.full(len(trusts), s)
        m.posts.append(
            len(trusts),
            trust=trusts,
            spec=spec,
            funding=EXPANSION,
            slot=m.new_slots("post", spec),
            end_t=t + cal.MONTHS_PER_YEAR * lifetime,
        )
        if len(trusts):
            self.first_end = min(self.first_end, t + cal.MONTHS_PER_YEAR * lifetime)
        unplaced = largest_remainder(n - len(trusts), np.maximum(deficit - take, 0) + 1e-9)
        np.add.at(self.unplaced[:, s], self._area_region(), unplaced)
