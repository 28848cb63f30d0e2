"""Yearly snapshots into tidy tables, and flow counters between snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.post import EXPANSION, TARIFF, TRUST_FUNDED
from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS

if TYPE_CHECKING:
    from sim.context import Context
    from sim.world import World

FLOWS = (
    "recruits",
    "offered",
    "ccts",
    "settled",
    "settled_within_50_miles",
    "idt_applications",
    "idt_placed",
    "posts_moved_in",
    "posts_moved_out",
    "consultant_exits",
    "international_recruits",
    "consultant_posts_added",
    "posts_created",
    "seekers_left",
)


class Recorder:
    """Counts flows by region x specialty and snapshots stocks every August."""

    def __init__(self, n_regions: int, n_specs: int) -> None:
        self.size = n_regions * n_specs
        self.shape = (n_regions, n_specs)
        self._flows = {name: np.zeros(self.size, dtype=np.int64) for name in FLOWS}
        self._totals = {name: np.zeros(self.size, dtype=np.int64) for name in FLOWS}
        self._pending: dict[str, list[np.ndarray]] = {name: [] for name in FLOWS}
        self._region_rows: list[dict[str, np.ndarray]] = []
        self._icb_rows: list[dict[str, np.ndarray]] = []
        self._codes: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, name: str, keys: np.ndarray) -> None:
        """Count one event per key (key = region * n_specs + specialty); counted when read."""
        if len(keys):
            self._pending[name].append(keys)

    @property
    def flows(self) -> dict[str, np.ndarray]:
        """Events by key since the last snapshot."""
        self._count()
        return self._flows

    @property
    def totals(self) -> dict[str, np.ndarray]:
        """Events by key since the start of the run."""
        self._count()
        return self._totals

    def _count(self) -> None:
        for name, chunks in self._pending.items():
            if chunks:
                keys = np.concatenate(chunks).astype(np.int64, copy=False)
                counts = np.bincount(keys, minlength=self.size)
                self._flows[name] += counts
                self._totals[name] += counts
                chunks.clear()

    def snapshot(
        self,
        m: Context,
        year: int,
        fair_share_posts: np.ndarray,
        unplaced_moves: np.ndarray,
    ) -> None:
        """Record stocks now and the flows since the last snapshot.

        fair_share_posts and unplaced_moves: the programme's, by region and specialty. Population
        is the world's (ONS mid-2022), whatever the policy's growth levers.
        """
        w = m.world
        n_s, n_t = m.n_specs, w.n_trusts
        posts, tr = m.posts, m.trainees
        live = posts.live()
        # live posts counted once by (vacant, funding, trust, specialty), trainees by (trust,
        # specialty); regions and ICBs are sums of those trust x specialty counts
        cell = posts.trust[live].astype(np.int64) * n_s + posts.spec[live]
        kind = (posts.holder[live] < 0) * 3 + posts.funding[live]  # 0-2 held, 3-5 vacant
        post_cells = np.bincount(kind * (n_t * n_s) + cell, minlength=6 * n_t * n_s)
        post_cells = post_cells.reshape(2, 3, n_t, n_s)
        trainees = tr.in_training()
        trainee_cells = np.bincount(
            tr.trust[trainees].astype(np.int64) * n_s + tr.spec[trainees], minlength=n_t * n_s
        ).reshape(n_t, n_s)
        region_of_trust = w.region_of_trust  # (regions x trusts) 0/1: sums cells by region

        def by_region(cells: np.ndarray) -> np.ndarray:
            return (region_of_trust @ cells).ravel()

        by_funding = post_cells.sum(axis=0)
        seek = tr.seeking
        seek_key = w.trust_region[tr.trust[seek]] * n_s + tr.spec[seek]
        cols = {
            "year": np.full(self.size, year),
            "region_code": self._key_codes(w)[0],
            "specialty_code": self._key_codes(w)[1],
            "posts_tariff": by_region(by_funding[TARIFF]),
            "posts_expansion": by_region(by_funding[EXPANSION]),
            "posts_trust_funded": by_region(by_funding[TRUST_FUNDED]),
            "trainees": by_region(trainee_cells),
            "vacancies": by_region(post_cells[1].sum(axis=0)),
            "consultants": by_region(m.cells.filled),
            "consultant_vacancies": by_region(m.cells.vacancies()),
            "consultant_posts": by_region(m.cells.establishment),
            "cct_seekers": np.bincount(seek_key, minlength=self.size),
            "unplaced_moves": unplaced_moves.ravel().copy(),
            "fair_share_posts": fair_share_posts.ravel(),
            "need_weight": w.region_spec_need.ravel(),
            "population": np.repeat(w.region_population, n_s),  # the world's, not a lever's
        }
        flows = self.flows
        for name in FLOWS:
            cols[name] = flows[name].copy()
        self._region_rows.append(cols)
        self._icb_rows.append(
            self._icb_snapshot(m, year, by_funding.sum(axis=(0, 2)), trainee_cells.sum(axis=1))
        )
        for arr in flows.values():
            arr[:] = 0

    def _key_codes(self, w: World) -> tuple[np.ndarray, np.ndarray]:
        """Region and specialty code of each key (built once: they never change in a run)."""
        if self._codes is None:
            n_s = len(w.specialty_codes)
            self._codes = (
                np.repeat(np.array(w.region_codes), n_s),
                np.tile(np.array(w.specialty_codes), w.n_regions),
            )
        return self._codes

    def _icb_snapshot(
        self,
        m: Context,
        year: int,
        posts_by_trust: np.ndarray,
        trainees_by_trust: np.ndarray,
    ) -> dict[str, np.ndarray]:
        w = m.world
        n_icb = len(w.icb_codes)
        return {
            "year": np.full(n_icb, year),
            "icb_code": np.array(w.icb_codes),
            "region_code": w.icb_region_codes,
            "posts": np.bincount(w.trust_icb, weights=posts_by_trust, minlength=n_icb),
            "trainees": np.bincount(w.trust_icb, weights=trainees_by_trust, minlength=n_icb),
            "consultants": np.bincount(
                w.trust_icb, weights=m.cells.filled.sum(axis=1), minlength=n_icb
            ),
            "need_weight": w.icb_need[:, 0],  # overall need (NEED_COMPONENTS[0])
            "population": w.icb_population,
            "core20_share": w.icb_core20_share,
        }

    def region_year(self) -> pd.DataFrame:
        """All region x specialty snapshots so far."""
        text_or_real = ("region_code", "specialty_code", "fair_share_posts", "need_weight")
        counts = [c for c in REGION_YEAR_COLUMNS if c not in (*text_or_real, "population")]
        return _frame(self._region_rows, REGION_YEAR_COLUMNS, counts)

    def icb_year(self) -> pd.DataFrame:
        """All ICB snapshots so far."""
        return _frame(self._icb_rows, ICB_YEAR_COLUMNS, ["posts", "trainees", "consultants"])


def _frame(
    snapshots: list[dict[str, np.ndarray]], columns: tuple[str, ...], counts: list[str]
) -> pd.DataFrame:
    """One tidy table from the per-snapshot column arrays, the `counts` columns as int64."""

    def column(c: str) -> np.ndarray:
        values = np.concatenate([snap[c] for snap in snapshots])
        return values.astype(np.int64, copy=False) if c in counts else values

    return pd.DataFrame({c: column(c) for c in columns})
