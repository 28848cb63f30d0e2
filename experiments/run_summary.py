"""Summaries of one or more replicate runs of a scenario: the `traineeflow run` JSON."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from results.analysis import years_to_fair_share
from results.metrics import inequality_summary, mean_ci, region_metrics
from results.outcomes import select
from sim.market_outcomes import market_outputs, mean_outputs
from sim.outputs import RunResult
from sim.world import World

SCALARS = select(  # the scalar outcomes the run JSON shows at its top level
    "settled_within_50_miles",
    "trainees_end",
    "consultants_end",
    "fill_rate",
    "ltft_share_end",
    "ccts",
    "cct_unplaced",
    "unplaced_moves",
    "fair_share_gap_start",
    "fair_share_gap_end",
)
INTERVALS = select(  # the scalars given 95% intervals when there are several replicates
    "settled_within_50_miles", "trainees_end", "consultants_end", "fill_rate", "fair_share_gap_end"
)


def region_table(result: RunResult, world: World) -> pd.DataFrame:
    """Per region at the last snapshot: posts, trainees, consultants, need and coverage.

    Need share and coverage as `results.metrics.region_metrics` defines them (each specialty's
    own need component, weighted by its share of consultants), so `run` and `compare` agree.
    """
    ry = result.region_year
    m = region_metrics(ry, int(ry["year"].max())).set_index("region_code")
    cols = [
        "posts",
        "trainees",
        "consultants",
        "fair_share_posts",
        "need_share",
        "consultant_share",
        "coverage",
    ]
    return m.loc[world.region_codes, cols]


def _years_within(results: list[RunResult], names: dict[str, str]) -> dict[str, float | None]:
    """Region name -> median over replicates of the years until it stays within 5% of fair share.

    None when no replicate got there by the horizon.
    """
    table = pd.concat([years_to_fair_share(r) for r in results])
    median = table.groupby("region_code", sort=False)["years_within"].median()
    return {names[str(c)]: None if np.isnan(v) else float(v) for c, v in median.items()}


def _moved_by_region_year(
    results: list[RunResult], names: dict[str, str]
) -> dict[str, dict[str, float]]:
    frames = [
        r.region_year.groupby(["region_code", "year"])["posts_moved_in"].sum()
        - r.region_year.groupby(["region_code", "year"])["posts_moved_out"].sum()
        for r in results
    ]
    mean = pd.concat(frames, axis=1).mean(axis=1)
    out: dict[str, dict[str, float]] = {}
    for (region, year), v in mean.items():
        out.setdefault(names[str(region)], {})[str(year)] = float(v)
    return out


def inequality_end(result: RunResult) -> dict[str, float]:
    """Gini, Theil, deprivation slope and share below 90% coverage, regions and ICBs, at the end.

    See `results.metrics.inequality_summary` (consultants per 100k need-weighted population).
    """
    end = int(result.region_year["year"].max())
    row = inequality_summary(result.region_year, result.icb_year, end).iloc[0]
    return {k: float(v) for k, v in row.items() if k != "year"}


def summarise_runs(results: list[RunResult], world: World) -> dict[str, Any]:
    """Means over replicates (with 95% intervals when there are several)."""
    first = results[0]
    n = len(results)

    def stat(values: list[float]) -> float:
        return float(np.mean(values))

    out: dict[str, Any] = {
        "scenario": first.scenario,
        "seed": first.seed,
        "seeds": [r.seed for r in results],
        "years": first.years,
        "replicates": n,
        "base_year": first.base_year,
    }
    for name in SCALARS:
        out[name] = stat([r.summary[name] for r in results])
    names = dict(zip(world.region_codes, world.data.regions["region_name"], strict=True))
    out["posts_moved"] = {
        "total": stat([r.summary["posts_moved"] for r in results]),
        "net_by_region_year": _moved_by_region_year(results, names),
    }
    out["years_to_fair_share"] = _years_within(results, names)
    out["fair_share_gap"] = {
        "start": out.pop("fair_share_gap_start"),
        "end": out.pop("fair_share_gap_end"),
    }
    out["idt"] = {
        "applications": stat([r.summary["idt_applications"] for r in results]),
        "placed": stat([r.summary["idt_placed"] for r in results]),
    }
    market = mean_outputs([market_outputs(r.region_year, world) for r in results])
    out.update({k: v for k, v in market.items() if k != "years"})
    tables = [region_table(r, world) for r in results]
    mean_table = sum(tables[1:], tables[0]) / n
    out["regions"] = {  # keyed by region name, as every table a reader sees
        names[code]: {"code": code, "name": names[code], **{k: float(v) for k, v in row.items()}}
        for code, row in mean_table.iterrows()
    }
    ineq = [inequality_end(r) for r in results]
    out["inequality_end"] = {k: stat([i[k] for i in ineq]) for k in ineq[0]}
    if n > 1:
        out["intervals_95"] = {
            name: list(mean_ci([r.summary[name] for r in results])[1:]) for name in INTERVALS
        }
        out["intervals_95"]["coverage"] = {
            names[code]: list(mean_ci([t.loc[code, "coverage"] for t in tables])[1:])
            for code in mean_table.index
        }
        out["intervals_95"]["inequality_end"] = {
            k: list(mean_ci([i[k] for i in ineq])[1:]) for k in ineq[0]
        }
    out["person_months"] = int(sum(r.person_months for r in results))
    out["seconds"] = float(sum(r.seconds for r in results))
    out["run_keys"] = [r.run_key for r in results]
    return out
