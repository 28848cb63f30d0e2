"""Analysis of a stored sweep: outcomes against swept parameters, feature scores, PRIM boxes.

Input is one row per completed run (`run_frame`): the run's scenario, point, replicate, the swept
values as columns, and the outcomes analysed. Intervals are 95% t intervals of the mean over the
replicates of a (scenario, point). Feature scoring (extra trees) and PRIM (Patient Rule Induction
Method) come from the EMA workbench; the scenario enters both as its position in the experiment's
list of scenarios (PRIM reads only numeric columns), and the report names it back.
"""

from __future__ import annotations

import operator
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from results.analysis import years_to_all_within
from results.metrics import inequality_summary, mean_ci
from results.outcomes import select
from sim.run import fair_share_gap

ANALYSED = select(  # registry names; *_end ones are taken at the analysis year
    "fair_share_gap_end",
    "years_to_fair_share",
    "icb_gini_end",
    "consultants_end",
    "unplaced_moves",
    "posts_moved",
)
SCENARIO = "scenario_number"  # the scenario as a feature: its position in the experiment
PRIM_DENSITY = 0.8  # the box we report: the widest whose runs cross the threshold this often
PRIM_SEED = 20230801  # random_state of the extra-trees feature scoring (reproducible scores)
_OPS: dict[str, Callable[[float, float], bool]] = {">": operator.gt, "<": operator.lt}


class ThresholdError(ValueError):
    """A threshold that does not parse or names an outcome not analysed."""


@dataclass(frozen=True)
class Threshold:
    """'outcome > value' or 'outcome < value': the runs of interest for PRIM."""

    outcome: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Threshold:
        """Read 'name>value' (or <); raise ThresholdError naming what is wrong."""
        match = re.fullmatch(r"\s*([a-z0-9_]+)\s*([<>])\s*(-?[0-9.]+(?:e-?[0-9]+)?)\s*", text)
        if not match:
            raise ThresholdError(
                f"--threshold must look like 'fair_share_gap_end>0.02' (got {text!r})"
            )
        name, op, value = match.groups()
        if name not in ANALYSED:
            raise ThresholdError(
                f"--threshold names unknown outcome {name!r}; known: {', '.join(ANALYSED)}"
            )
        return cls(name, op, float(value))

    def holds(self, values: pd.Series) -> np.ndarray:
        """Which runs cross the threshold."""
        return np.asarray(_OPS[self.op](values.to_numpy(float), self.value), dtype=bool)

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.value:g}"

    def describe(self, year: int) -> str:
        """The threshold in words, with the outcome's label and unit (results.outcomes)."""
        from results.outcomes import OUTCOMES

        o = OUTCOMES[self.outcome]
        when = f" in {year}" if self.outcome.endswith("_end") else ""
        side = "above" if self.op == ">" else "below"
        return f"{o.label.lower()}{when} {side} {o.show(self.value)}"


def run_outcomes_at(region_year: pd.DataFrame, icb_year: pd.DataFrame, year: int) -> dict:
    """Outcomes of one run taken at `year` (region_year and icb_year of that run)."""
    ry = region_year[region_year["year"] <= year]
    out = {
        "fair_share_gap_end": fair_share_gap(ry, year),
        "years_to_fair_share": years_to_all_within(ry),
        "consultants_end": float(ry.loc[ry["year"] == year, "consultants"].sum()),
    }
    out["icb_gini_end"] = (
        float(inequality_summary(ry, icb_year, year).iloc[0]["icb_gini"])
        if len(icb_year)
        else float("nan")
    )
    return out


def run_frame(
    plan: pd.DataFrame,
    summary: pd.DataFrame,
    region_year: pd.DataFrame,
    icb_year: pd.DataFrame,
    year: int | None,
) -> tuple[pd.DataFrame, int]:
    """One row per completed run of the plan with the ANALYSED outcomes; and the year used.

    `summary` as `ResultStore.summary`, `region_year` / `icb_year` with a run_key column.
    """
    done = plan[plan["run_key"].isin(summary["run_key"])].copy()
    last = int(region_year["year"].max())
    at = last if year is None else year
    by_run_icb = dict(tuple(icb_year.groupby("run_key"))) if len(icb_year) else {}
    rows = []
    for key, ry in region_year.groupby("run_key"):
        icb = by_run_icb.get(key, icb_year.iloc[:0])
        rows.append({"run_key": key, **run_outcomes_at(ry.drop(columns="run_key"), icb, at)})
    outcomes = pd.DataFrame(rows)
    flows = summary[["run_key", "unplaced_moves", "posts_moved"]]
    done = done.merge(outcomes, on="run_key", how="inner").merge(flows, on="run_key")
    return done.reset_index(drop=True), at


def by_point(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Mean and 95% interval of `outcome` per scenario and point (over replicates)."""
    rows = []
    for (scenario, point), g in frame.groupby(["scenario", "point"], sort=False):
        mean, low, high = mean_ci(g[outcome].to_numpy(float))
        rows.append(
            {
                "scenario": scenario,
                "point": point,
                "n": len(g),
                "mean": mean,
                "low": low,
                "high": high,
            }
        )
    return pd.DataFrame(rows)


def features(frame: pd.DataFrame, parameters: list[str], scenarios: list[str]) -> pd.DataFrame:
    """The uncertainties PRIM and feature scoring see: swept values and the scenario number."""
    x = frame[parameters].astype(float).copy()
    if len(scenarios) > 1:
        x[SCENARIO] = frame["scenario"].map({s: i for i, s in enumerate(scenarios)}).astype(float)
    return x


def feature_scores(x: pd.DataFrame, frame: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Extra-trees feature scores (EMA workbench) of every feature for every outcome."""
    y = {k: frame[k].to_numpy(float) for k in outcomes if frame[k].notna().all()}
    varying = {k: v for k, v in y.items() if np.ptp(v) > 0}
    if not varying or x.shape[1] == 0:
        return pd.DataFrame(index=x.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns about optional extras on import
        from ema_workbench.analysis import feature_scoring

        return feature_scoring.get_feature_scores_all(x, varying, random_state=PRIM_SEED)


@dataclass
class PrimResult:
    """The PRIM box reported, its trajectory, and how it was chosen."""

    threshold: Threshold
    cases: int  # runs crossing the threshold
    runs: int
    trajectory: pd.DataFrame  # coverage, density, mass, n, res_dim per peeling step
    chosen: int | None  # the step reported (None: no run crosses, or every run does)
    limits: pd.DataFrame  # rows: restricted features; columns: min, max, (full) low, high


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: Threshold) -> PrimResult:
    """PRIM on the runs crossing `threshold`: the widest box with density >= PRIM_DENSITY.

    If no step reaches that density, the densest step is reported.
    """
    empty = pd.DataFrame(columns=["min", "max", "low", "high"])
    cases = int(y.sum())
    if cases == 0 or cases == len(y):
        return PrimResult(threshold, cases, len(y), pd.DataFrame(), None, empty)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns about optional extras on import
        from ema_workbench.analysis import prim

        box = prim.Prim(x, y, peel_alpha=0.1, mass_min=0.05).find_box()
    trajectory = box.peeling_trajectory.copy()
    dense = trajectory.index[trajectory["density"] >= PRIM_DENSITY]
    chosen = int(dense[0]) if len(dense) else int(trajectory["density"].idxmax())
    lims, init = box.box_lims[chosen], box.box_lims[0]
    rows = {
        c: {
            "min": lims.loc[0, c],
            "max": lims.loc[1, c],
            "low": init.loc[0, c],
            "high": init.loc[1, c],
        }
        for c in lims.columns
        if lims.loc[0, c] > init.loc[0, c] or lims.loc[1, c] < init.loc[1, c]
    }
    limits = pd.DataFrame.from_dict(rows, orient="index") if rows else empty
    return PrimResult(threshold, cases, len(y), trajectory, chosen, limits)
