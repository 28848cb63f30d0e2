"""Consultant-market and recruitment outcomes of a run, from its region x specialty x year table.

Everything here is derived from the stored tidy table (`region_year`), so the same numbers come
out of a fresh run and of a run read back from the results database.

- fill_rate: THE fill-rate definition, used by every table, figure and summary: recruits /
  posts offered at national recruitment (0 where nothing was offered). fill_rate_by_level: the
  same by entry level (keys "1".."4") in the first simulated year (the 2024 round for the 2023
  base year), and fill_rate_by_level_run over the whole run.
- consultant_vacancy_rate: funded posts without a holder / funded posts, at the start, the end,
  and by region at the end.
- vacancies_unfilled_share: of the consultant vacancies open during a year (open at its start or
  opened in it by exits and new posts), the share still open at its end; mean over the years.
- consultant_supply_gap: funded posts minus consultants in post, by region at the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.world import World

YEARLY = {
    "consultants_by_year": "consultants",
    "consultant_exits_by_year": "consultant_exits",
    "international_recruits_by_year": "international_recruits",
}
_BY_REGION = ["consultant_vacancies", "consultant_posts", "consultants"]
_SUMMED = list(YEARLY.values()) + [
    "settled",
    "settled_within_50_miles",
    "consultant_vacancies",
    "consultant_posts",
    "consultant_posts_added",
    "cct_seekers",
]


def market_outputs(region_year: pd.DataFrame, world: World) -> dict[str, Any]:
    """The market outcomes of one run (see module docstring); lists have one value per year."""
    ry = region_year
    names = dict(zip(world.region_codes, world.data.regions["region_name"], strict=True))
    level = dict(zip(world.specialty_codes, world.spec_column("entry_level", int), strict=True))
    by_year = ry.groupby("year")[_SUMMED].sum()
    years = by_year.index.to_numpy()
    start, end = years[0], years[-1]
    later = by_year.loc[years[1:]]
    out: dict[str, Any] = {"years": [int(y) for y in years[1:]]}
    for key, col in YEARLY.items():
        out[key] = [float(v) for v in later[col]]
    settled = later["settled"].to_numpy(dtype=float)
    local = later["settled_within_50_miles"].to_numpy(dtype=float)
    out["settled_within_50_miles_by_year"] = [
        float(x) for x in np.where(settled > 0, local / np.maximum(settled, 1), np.nan)
    ]
    row_year = ry["year"].to_numpy()
    fill = ry["specialty_code"].map(level).to_numpy(), ry["recruits"], ry["offered"]
    out["fill_rate_by_level"] = _fill_by_level(row_year == years[1], *fill)
    out["fill_rate_by_level_run"] = _fill_by_level(row_year > start, *fill)
    rate = by_year["consultant_vacancies"] / by_year["consultant_posts"].clip(lower=1)
    end_rows = ry.loc[row_year == end, ["region_code", *_BY_REGION]].groupby("region_code").sum()
    out["consultant_vacancy_rate"] = {
        "start": float(rate.loc[start]),
        "end": float(rate.loc[end]),
        "by_region_end": {
            names[c]: float(r["consultant_vacancies"] / max(r["consultant_posts"], 1))
            for c, r in end_rows.iterrows()
        },
    }
    opened = later["consultant_exits"] + later["consultant_posts_added"]
    open_during = by_year["consultant_vacancies"].shift(1).loc[years[1:]] + opened
    still = later["consultant_vacancies"] / open_during.clip(lower=1)
    out["vacancies_unfilled_share"] = float(still.clip(upper=1.0).mean())
    out["consultant_supply_gap"] = {
        names[c]: float(r["consultant_posts"] - r["consultants"]) for c, r in end_rows.iterrows()
    }
    out["cct_seekers_end"] = float(by_year.loc[end, "cct_seekers"])
    return out


def fill_rate(rows: pd.DataFrame, by: Any = None) -> Any:  # noqa: ANN401
    """Recruits / posts offered at recruitment over `rows` of a region x specialty x year table.

    A float over all rows, or a Series of rates when grouped `by` (column names or a Series,
    as `DataFrame.groupby` takes them); 0 where nothing was offered.
    """
    if by is None:
        return float(rows["recruits"].sum() / max(rows["offered"].sum(), 1))
    g = rows.groupby(by)[["recruits", "offered"]].sum()
    return g["recruits"] / g["offered"].clip(lower=1)


def _fill_by_level(
    rows: np.ndarray, level: np.ndarray, recruits: pd.Series, offered: pd.Series
) -> dict[str, float]:
    """`fill_rate` of the selected rows by entry level, keys in ascending level."""
    levels, of_row = np.unique(level[rows], return_inverse=True)
    got = np.bincount(of_row, weights=recruits.to_numpy()[rows], minlength=len(levels))
    offers = np.bincount(of_row, weights=offered.to_numpy()[rows], minlength=len(levels))
    return {str(k): float(r / max(o, 1)) for k, r, o in zip(levels, got, offers, strict=True)}


def mean_outputs(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """Element-wise mean of several runs' market outputs (same structure)."""
    first = outputs[0]
    if isinstance(first, dict):
        return {k: mean_outputs([o[k] for o in outputs]) for k in first}
    if isinstance(first, list):
        return [mean_outputs([o[i] for o in outputs]) for i in range(len(first))]
    if isinstance(first, int) and not isinstance(first, bool):
        return first
    return float(np.nanmean([float(o) for o in outputs]))


def market_scalars(outputs: dict[str, Any]) -> dict[str, float]:
    """Flat scalar outcomes for the results store's summary table."""
    out = {
        "consultant_vacancy_rate_start": outputs["consultant_vacancy_rate"]["start"],
        "consultant_vacancy_rate_end": outputs["consultant_vacancy_rate"]["end"],
        "vacancies_unfilled_share": outputs["vacancies_unfilled_share"],
        "cct_seekers_end": outputs["cct_seekers_end"],
    }
    for lvl, v in outputs["fill_rate_by_level"].items():
        out[f"fill_rate_level_{lvl}"] = v
    return out
