"""Run-level outcomes a researcher reads off a run, and paired comparisons between scenarios.

Every function takes a `RunResult` or its tidy tables (``region_year``, ``icb_year``; one run,
without a run_key column unless a docstring says otherwise) and returns a tidy DataFrame or a
dict. Definitions build on `results.metrics`: coverage = consultant share / need share (regions:
need weighted by each specialty's need component; ICBs: overall need), rates per 100,000
need-weighted population, population-weighted Gini and Theil, deprivation slope on Core20 share.
Flow columns (recruits, IDTs) count the twelve months up to each August snapshot, so they are
empty at the base year and fill rates start one year later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from results.metrics import (
    inequality_summary,
    paired_diff_ci,
    pressure,
    ratio,
    region_metrics,
    unpaired_diff_ci,
    years_to_within,
)
from results.outcomes import OUTCOMES, select
from sim.market_outcomes import fill_rate as offered_fill
from sim.outputs import RunResult

LONDON = ("Y56",)
NORTH = ("Y62", "Y63")  # North West, North East and Yorkshire
FAIR_SHARE_TOL = 0.05  # "within 5% of fair share"
BELOW_FAIR = 0.9  # areas below 90% of their fair share of consultants

# Scalar outcomes of one run, in report order (definitions, labels and units: results.outcomes);
# the first is the comparison's headline.
COMPARED = select(
    "icb_gini_end",
    "icb_theil_end",
    "region_gini_end",
    "icb_deprivation_slope_end",
    "icb_share_below_end",
    "london_coverage_end",
    "north_coverage_end",
    "fair_share_gap_end",
    "regions_within_5pct_end",
    "consultants_end",
    "trainees_end",
    "settled_within_50_miles",
    "fill_rate",
    "idt_placed_share",
    "donor_pressure_end",
    "posts_moved",
)
METRICS: dict[str, str] = {name: OUTCOMES[name].definition for name in COMPARED}
HEADLINE = "icb_gini_end"

type Tables = RunResult | pd.DataFrame


def canonical(run: RunResult) -> RunResult:
    """The run with its tables in key order (year, area, specialty).

    Sums over rows then run in one order whether a run comes fresh from the model or back from
    the store, so both give bit-identical outcomes.
    """
    ry = run.region_year.sort_values(["year", "region_code", "specialty_code"], kind="stable")
    icb = run.icb_year.sort_values(["year", "icb_code"], kind="stable")
    return replace(run, region_year=ry.reset_index(drop=True), icb_year=icb.reset_index(drop=True))


def _region_year(run: Tables) -> pd.DataFrame:
    return run.region_year if isinstance(run, RunResult) else run


def _programme_posts(region_year: pd.DataFrame) -> pd.DataFrame:
    """Programme posts (tariff + expansion) and fair share by year x region."""
    df = region_year.assign(
        programme_posts=region_year["posts_tariff"] + region_year["posts_expansion"]
    )
    return df.groupby(["year", "region_code"], as_index=False)[
        ["programme_posts", "fair_share_posts"]
    ].sum()


def _base_posts(region_year: pd.DataFrame) -> pd.Series:
    """All training posts (any funding) per region at the base year: the rota's slots."""
    first = region_year[region_year["year"] == region_year["year"].min()]
    posts = first["posts_tariff"] + first["posts_expansion"] + first["posts_trust_funded"]
    return posts.groupby(first["region_code"]).sum()


def region_outcomes(run: Tables, year: int) -> pd.DataFrame:
    """One row per region in `year`: `region_metrics` columns plus flows and pressure.

    Adds fill_rate (`sim.market_outcomes.fill_rate`: recruits / posts offered, NaN at the base
    year), idt_applications, idt_placed, idt_placed_share, posts_to_fair_share = programme posts
    / fair share, and pressure = the region's base-year posts (all funding) per trainee in post
    now (`results.metrics.pressure`).
    """
    ry = _region_year(run)
    base = int(ry["year"].min())
    out = region_metrics(ry, year)
    rows = ry[ry["year"] == year]
    now = rows.groupby("region_code")[["idt_applications", "idt_placed"]].sum()
    base_posts = _base_posts(ry)
    codes = out["region_code"]
    rates = offered_fill(rows, "region_code").reindex(codes).to_numpy()
    out["fill_rate"] = np.nan if year == base else rates
    out["idt_applications"] = now["idt_applications"].reindex(codes).to_numpy()
    out["idt_placed"] = now["idt_placed"].reindex(codes).to_numpy()
    out["idt_placed_share"] = ratio(out["idt_placed"], out["idt_applications"])
    out["posts_to_fair_share"] = ratio(out["programme_posts"], out["fair_share_posts"])
    out["pressure"] = pressure(out["trainees"].to_numpy(), base_posts.reindex(codes).to_numpy())
    return out


def region_series(region_year: pd.DataFrame) -> pd.DataFrame:
    """`region_metrics` for every year, stacked (keeps a run_key column if there is one).

    Computed in one call: each (run, year) is passed to `region_metrics` as its own run.
    """
    keys = ["run_key", "year"] if "run_key" in region_year.columns else ["year"]
    codes, groups = pd.MultiIndex.from_frame(region_year[keys]).factorize()
    out = region_metrics(region_year.assign(run_key=codes, year=0), 0)
    labels = pd.DataFrame(list(groups), columns=keys).iloc[out["run_key"].to_numpy()]
    labels = labels.reset_index(drop=True)
    out = pd.concat([labels, out.drop(columns="run_key")], axis=1)
    return out.sort_values([*keys, "region_code"], kind="stable", ignore_index=True)


def group_coverage(regions: pd.DataFrame, codes: Sequence[str]) -> float:
    """Coverage of several regions together: sum of consultant shares / sum of need shares."""
    sel = regions[regions["region_code"].isin(codes)]
    return float(sel["consultant_share"].sum() / sel["need_share"].sum())


def years_to_fair_share(run: Tables, tol: float = FAIR_SHARE_TOL) -> pd.DataFrame:
    """Per region: first year from which programme posts stay within `tol` of fair share.

    Columns region_code, year_within (NaN if the last year is outside the band) and
    years_within = year_within - base year (0 = already within at the start).
    """
    posts = _programme_posts(_region_year(run))
    base = int(posts["year"].min())
    rows = []
    for code, g in posts.groupby("region_code", sort=False):
        year = years_to_within(
            g.set_index("year")["programme_posts"], g.set_index("year")["fair_share_posts"], tol
        )
        rows.append(
            {
                "region_code": code,
                "year_within": np.nan if year is None else float(year),
                "years_within": np.nan if year is None else float(year - base),
            }
        )
    return pd.DataFrame(rows)


def years_to_all_within(run: Tables, tol: float = FAIR_SHARE_TOL) -> float:
    """Years until every region stays within `tol` of fair share (horizon + 1 if one never does)."""
    table = years_to_fair_share(run, tol)
    years = _region_year(run)["year"]
    horizon = float(years.max() - years.min())
    return float(table["years_within"].fillna(horizon + 1).max())


def donor_regions(run: Tables, tol: float = FAIR_SHARE_TOL) -> list[str]:
    """Regions holding more than ``(1 + tol)`` times their fair share of posts at the base year."""
    posts = _programme_posts(_region_year(run))
    first = posts[posts["year"] == posts["year"].min()]
    return first.loc[
        first["programme_posts"] > (1 + tol) * first["fair_share_posts"], "region_code"
    ].tolist()


def donor_pressure(run: Tables, year: int, donors: Sequence[str]) -> float:
    """Base-year posts of the donor regions per trainee remaining there in `year` (NaN if none)."""
    ry = _region_year(run)
    if not donors:
        return float("nan")
    now = ry[(ry["year"] == year) & ry["region_code"].isin(donors)]
    return float(pressure(now["trainees"].sum(), _base_posts(ry).reindex(donors).sum()))


def run_outcomes(run: RunResult, donors: Sequence[str] | None = None) -> dict[str, float]:
    """The scalar outcomes in `METRICS` for one run (end = the last August snapshot).

    `donors` fixes the donor regions (pass the same list to every arm of a comparison);
    default: `donor_regions(run)`.
    """
    ry, s = run.region_year, run.summary
    end = int(ry["year"].max())
    ineq = inequality_summary(ry, run.icb_year, end, threshold=BELOW_FAIR).iloc[0]
    regions = region_metrics(ry, end)
    within = years_to_fair_share(run)
    out = {
        f"{k}_end": float(ineq[k])
        for k in (
            "icb_gini",
            "icb_theil",
            "region_gini",
            "icb_deprivation_slope",
            "icb_share_below",
        )
    }
    out |= {
        "london_coverage_end": group_coverage(regions, LONDON),
        "north_coverage_end": group_coverage(regions, NORTH),
        "fair_share_gap_end": float(s["fair_share_gap_end"]),
        "regions_within_5pct_end": float(within["year_within"].notna().sum()),
        "consultants_end": float(s["consultants_end"]),
        "trainees_end": float(s["trainees_end"]),
        "settled_within_50_miles": float(s["settled_within_50_miles"]),
        "fill_rate": float(s["fill_rate"]),
        "idt_placed_share": float(ratio(s["idt_placed"], s["idt_applications"])),
        "donor_pressure_end": donor_pressure(
            run, end, donor_regions(run) if donors is None else donors
        ),
        "posts_moved": float(s["posts_moved"]),
    }
    return {k: out[k] for k in METRICS}


def outcomes_table(
    results: Sequence[RunResult], donors: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per run: scenario, seed, run_key and every `run_outcomes` metric."""
    return pd.DataFrame(
        [
            {
                "scenario": r.scenario,
                "seed": r.seed,
                "run_key": r.run_key,
                **run_outcomes(r, donors),
            }
            for r in results
        ]
    )


def _interval(ci: tuple[float, float, float]) -> dict[str, Any]:
    lo, hi = ci[1], ci[2]
    return {"ci": [lo, hi], "width": hi - lo}


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of the two arms over seeds (NaN if either does not vary)."""
    dx, dy = x - x.mean(), y - y.mean()
    den = float(np.sqrt((dx**2).sum() * (dy**2).sum()))
    return float((dx * dy).sum() / den) if den > 0 else float("nan")


def paired_comparison(
    base: pd.DataFrame, other: pd.DataFrame, metrics: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Paired differences other - base per metric, replicates matched by seed.

    Each metric gets mean_base, mean_other, diff, correlation (of the arms over seeds: how much
    the common random numbers couple them), ci_paired (t interval of the per-seed differences),
    ci_unpaired (Welch interval treating the arms as independent) and both widths. Both tables
    need the same seeds (one row each).
    """
    a, b = other.set_index("seed"), base.set_index("seed")
    if sorted(a.index) != sorted(b.index) or a.index.has_duplicates:
        raise ValueError("paired comparison needs the same seeds, once each, in both arms")
    a = a.loc[b.index]
    out = {}
    for m in metrics or [k for k in METRICS if k in b.columns]:
        paired = _interval(paired_diff_ci(a[m], b[m]))
        unpaired = _interval(unpaired_diff_ci(a[m], b[m]))
        out[m] = {
            "mean_base": float(b[m].mean()),
            "mean_other": float(a[m].mean()),
            "diff": float((a[m] - b[m]).mean()),
            "correlation": _correlation(b[m].to_numpy(float), a[m].to_numpy(float)),
            "ci_paired": paired["ci"],
            "ci_unpaired": unpaired["ci"],
            "paired_ci_width": paired["width"],
            "unpaired_ci_width": unpaired["width"],
        }
    return out


def region_table_by_seed(
    results: Sequence[RunResult], year: int | None = None, column: str = "coverage"
) -> pd.DataFrame:
    """Seeds x regions: one `region_outcomes` column per run in `year` (default: last)."""
    rows = {}
    for r in results:
        y = int(r.region_year["year"].max()) if year is None else year
        rows[r.seed] = region_outcomes(r, y).set_index("region_code")[column]
    return pd.DataFrame(rows).T.rename_axis("seed")


def nan_to_none(value: Any) -> Any:  # noqa: ANN401
    """Replace NaN floats by None, recursively (for strict JSON)."""
    if isinstance(value, Mapping):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nan_to_none(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
