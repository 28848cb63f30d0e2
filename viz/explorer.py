"""The model the browser app drives: a scenario, its main levers, and what the app draws.

`ExplorerModel` is the England model (`sim.model.TraineeFlowModel`, one Mesa step = one month)
built from a scenario with up to five levers overridden. Each lever is "as scenario" or a value,
set through `sim.scenario.with_values`, so it is validated exactly as a scenario file is. No
visualisation library is imported here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from results.metrics import coverage, region_metrics
from sim import calendar as cal
from sim.model import TraineeFlowModel
from sim.paramfile import load_params
from sim.scenario import Scenario, load_scenario, with_values
from sim.world import World

AS_SCENARIO = "as scenario"

LEVERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (dotted scenario key, label, choices offered besides "as scenario")
    "pace": (
        "policy.programme.gap_share_per_year",
        "Pace: share of the fair-share gap closed per year",
        ("0.1", "0.2", "0.33", "0.5", "1.0"),
    ),
    "capacity_growth": (
        "policy.programme.capacity_growth",
        "Training capacity growth per year",
        ("0.0", "0.02", "0.05", "0.1", "0.2"),
    ),
    "deprivation_weight": (
        "policy.programme.deprivation_weight",
        "Deprivation weight in fair shares",
        ("0.0", "0.25", "0.5", "0.75", "1.0"),
    ),
    "settlement_decay": (
        "world.settlement_decay_miles",
        "Settlement distance decay (miles)",
        ("10", "17", "25", "40", "60"),
    ),
    "international_inflow": (
        "world.img_inflow_share",
        "International recruits a year, as a share of funded consultant posts",
        ("0.0", "0.01", "0.017", "0.03", "0.05"),
    ),
}


@cache
def load_world(data: Path | None = None) -> World:
    """A data directory (None: the bundled England data), loaded once per process."""
    return World.load(data)


def lever_values(levers: dict[str, str]) -> dict[str, float]:
    """Dotted scenario keys and values of the levers not left "as scenario"."""
    out = {}
    for name, choice in levers.items():
        if name not in LEVERS:
            raise ValueError(f"unknown lever '{name}' (known: {', '.join(LEVERS)})")
        if choice != AS_SCENARIO:
            out[LEVERS[name][0]] = float(choice)
    return out


class ExplorerModel(TraineeFlowModel):
    """The England model for one scenario and lever setting (one step = one month)."""

    def __init__(
        self,
        scenario_name: str = "msd_programme",
        pace: str = AS_SCENARIO,
        capacity_growth: str = AS_SCENARIO,
        deprivation_weight: str = AS_SCENARIO,
        settlement_decay: str = AS_SCENARIO,
        international_inflow: str = AS_SCENARIO,
        seed: int = 1,
        data: Path | None = None,
        params: Path | None = None,
    ) -> None:
        """Load the scenario (bundled name or path), data and parameter file; apply the levers."""
        world = load_world(data)
        values = lever_values(
            {
                "pace": pace,
                "capacity_growth": capacity_growth,
                "deprivation_weight": deprivation_weight,
                "settlement_decay": settlement_decay,
                "international_inflow": international_inflow,
            }
        )
        self.scenario_spec: Scenario = with_values(
            load_scenario(scenario_name, world, None if params is None else load_params(params)),
            values,
            "levers",
            world,
        )
        super().__init__(world, self.scenario_spec.world, self.scenario_spec.policy, seed=seed)
        self.run_for(cal.OFFSET_SNAPSHOT)  # the base year's August snapshot: charts start there
        self._snapshots_seen = -1
        self._region_year = pd.DataFrame()
        self._coverage = pd.DataFrame()

    # --- what the app shows --------------------------------------------------------------------
    def month_label(self) -> str:
        """The month the model has reached, e.g. 'Sep 2023'."""
        return cal.label(int(self.time), self.base_year)

    def snapshots(self) -> int:
        """Number of August snapshots so far (the yearly charts change only with this)."""
        if self.time < cal.OFFSET_SNAPSHOT:
            return 0
        return int((self.time - cal.OFFSET_SNAPSHOT) // 12) + 1  # August snapshots (sim/model.py)

    def region_year(self) -> pd.DataFrame:
        """All snapshots so far, region x specialty x year (rebuilt only after a new one)."""
        if self._snapshots_seen != self.snapshots():
            self._region_year = self.recorder.region_year()
            self._coverage = _coverage_by_year(self._region_year)
            self._snapshots_seen = self.snapshots()
        return self._region_year

    def trust_posts(self) -> np.ndarray:
        """Training posts held by each trust now."""
        live = self.posts.live()
        return np.bincount(self.posts.trust[live], minlength=self.world.n_trusts)

    def icb_coverage(self) -> np.ndarray:
        """Coverage of each ICB now: its share of consultants / its share of need (overall)."""
        w = self.world
        filled = self.cells.filled.sum(axis=1)
        cons = np.bincount(w.trust_icb, weights=filled, minlength=len(w.icb_codes))
        return np.asarray(coverage(cons, w.icb_need[:, 0]), dtype=float)

    def region_coverage(self) -> pd.DataFrame:
        """Coverage by year and region from the snapshots (results.metrics.region_metrics)."""
        self.region_year()  # refreshes the cache after a new snapshot
        return self._coverage

    def headline(self) -> dict[str, Any]:
        """Numbers for the status line."""
        return {
            "month": self.month_label(),
            "trainees": int(self.counts.trainees),
            "consultants": int(self.counts.consultants),
            "vacant_posts": len(self.posts.vacant()),
            "posts_moved": int(self.recorder.totals["posts_moved_in"].sum()),
        }


def _coverage_by_year(region_year: pd.DataFrame) -> pd.DataFrame:
    frames = [
        region_metrics(region_year, int(y))[["region_code", "coverage"]].assign(year=int(y))
        for y in sorted(region_year["year"].unique())
    ]
    return pd.concat(frames, ignore_index=True)
