"""The numbers and figures of `traineeflow compare`: paired analysis, figures, provenance."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from results.analysis import (
    HEADLINE,
    donor_regions,
    outcomes_table,
    paired_comparison,
    region_series,
    region_table_by_seed,
    years_to_fair_share,
)
from results.metrics import icb_metrics
from sim.outputs import RunResult
from sim.world import World

FIGURES = {
    "regions": (
        "compare_regions_over_time.png",
        "Consultants per 100,000 need-weighted population by region over time "
        "(line: mean over replicates; band: 95% interval of the mean).",
    ),
    "differences": (
        "compare_region_differences.png",
        "Paired differences (other minus base, same seeds) in consultants per "
        "100,000 need-weighted population by region over time, with 95% paired "
        "intervals.",
    ),
    "coverage": (
        "compare_coverage_by_year.png",
        "Need coverage (consultant share / need share) by region at the start, "
        "middle and end of the run; 1 = fair share.",
    ),
    "map": (
        "compare_trust_map.png",
        "Acute trusts at their locations, coloured by their ICB's consultants per 100,000 "
        "need at the end in the base scenario, and the percent change under each other one.",
    ),
    "icb_change": (
        "compare_icb_change.png",
        "Percent change in each ICB's consultants per 100,000 need-weighted population at the "
        "end against the base (same seeds), by the ICB's deprivation, with 95% paired intervals.",
    ),
}


def _stack(results: list[RunResult], table: str) -> pd.DataFrame:
    """One scenario's runs' table with run_key and scenario columns."""
    return pd.concat(
        [getattr(r, table).assign(run_key=r.run_key, scenario=r.scenario) for r in results],
        ignore_index=True,
    )


def _years_within(
    results: list[RunResult], names: dict[str, str]
) -> dict[str, tuple[float | None, int]]:
    """Per region name: median years to within 5% of fair share, and replicates that got there."""
    table = pd.concat([years_to_fair_share(r) for r in results])
    out = {}
    for code, g in table.groupby("region_code", sort=False):
        reached = g["years_within"].dropna()
        out[names[str(code)]] = (float(reached.median()) if len(reached) else None, len(reached))
    return out


def draw_figures(runs: dict[str, list[RunResult]], world: World, folder: Path) -> list[str]:
    """The comparison figures in `folder`; returns their file names."""
    from results.compare_figures import (
        plot_coverage_years,
        plot_icb_change,
        plot_region_differences,
        plot_region_series,
        plot_trust_map,
    )

    names = dict(zip(world.region_codes, world.data.regions["region_name"], strict=True))
    scen = list(runs)
    first = next(iter(runs.values()))[0]
    start, end = first.base_year, first.base_year + first.years
    series = pd.concat(
        [region_series(_stack(rs, "region_year")).assign(scenario=s) for s, rs in runs.items()],
        ignore_index=True,
    )
    seeds = {r.run_key: r.seed for rs in runs.values() for r in rs}
    series["seed"] = series["run_key"].map(seeds)
    icb_end = pd.concat(
        [icb_metrics(_stack(rs, "icb_year"), end).assign(scenario=s) for s, rs in runs.items()],
        ignore_index=True,
    )
    icb_end["seed"] = icb_end["run_key"].map(seeds)
    trusts = world.data.trusts[["trust_code", "lat", "lon", "icb_code", "region_code"]]
    plot_region_series(series, names, scen, folder / FIGURES["regions"][0])
    plot_region_differences(series, names, scen, folder / FIGURES["differences"][0])
    years = sorted({start, start + first.years // 2, end})
    plot_coverage_years(series, names, scen, years, folder / FIGURES["coverage"][0])
    plot_trust_map(trusts, icb_end, names, scen, end, folder / FIGURES["map"][0])
    plot_icb_change(icb_end, names, scen, end, folder / FIGURES["icb_change"][0])
    return [FIGURES[k][0] for k in FIGURES]


def analyse(runs: dict[str, list[RunResult]], names: dict[str, str]) -> dict[str, Any]:
    """Paired comparisons of every other scenario with the first (the base).

    Regions are keyed by name (`names`: code -> name), as in every table a reader sees.
    """
    base, *others = runs
    donors = donor_regions(runs[base][0])  # one donor set for every arm
    tables = {s: outcomes_table(rs, donors) for s, rs in runs.items()}
    coverage = {s: region_table_by_seed(rs).reset_index() for s, rs in runs.items()}
    comparisons, regions = {}, {}
    for other in others:
        metrics = paired_comparison(tables[base], tables[other])
        head = metrics[HEADLINE]
        comparisons[other] = {
            "headline": {
                "metric": HEADLINE,
                "diff": head["diff"],
                "correlation": head["correlation"],
                "paired_ci_width": head["paired_ci_width"],
                "unpaired_ci_width": head["unpaired_ci_width"],
            },
            "metrics": metrics,
        }
        codes = [c for c in coverage[base].columns if c != "seed"]
        by_code = paired_comparison(coverage[base], coverage[other], codes)
        regions[other] = {names[c]: v for c, v in by_code.items()}
    return {
        "donor_regions": [names[c] for c in donors],
        "comparisons": comparisons,
        "coverage_end": regions,
        "years_to_fair_share": {s: _years_within(rs, names) for s, rs in runs.items()},
        "per_run": {s: t.to_dict(orient="records") for s, t in tables.items()},
    }


def provenance(
    world: World, data: Path | None, db: str, simulated: int, reused: int
) -> dict[str, Any]:
    """Where the numbers came from: data, code and store."""
    from sim.provenance import stamp

    code = stamp()
    packages = {**code["package_versions"], "matplotlib": metadata.version("matplotlib")}
    return {
        "data": "bundled England data (sim/england)" if data is None else f"data directory {data}",
        "data_fingerprint": world.fingerprint,
        **code,
        "package_versions": packages,
        "db": db,
        "simulated": simulated,
        "reused": reused,
    }
