"""Outcome and inequality metrics: pure functions over pandas and NumPy.

Conventions: "areas" are regions or ICBs; weights are population or need-weighted population and
need not sum to one; NaN in means NaN out unless a docstring says otherwise. Interval functions
return ``(estimate, low, high)`` from Student's t distribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

type Values = Sequence[float] | np.ndarray | pd.Series


def _vector(values: Values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array")
    return arr


def _weighted(values: Values, weights: Values | None) -> tuple[np.ndarray, np.ndarray]:
    """Return values and weights as float arrays; equal weights if None; check they fit."""
    x = _vector(values, "values")
    w = np.ones_like(x) if weights is None else _vector(weights, "weights")
    if w.shape != x.shape:
        raise ValueError(f"values ({x.size}) and weights ({w.size}) differ in length")
    if (w < 0).any() or not w.sum() > 0:
        raise ValueError("weights must be non-negative with a positive sum")
    return x, w


def ratio(num: Any, den: Any, scale: float = 1.0) -> Any:  # noqa: ANN401
    """Return scale * num / den, NaN where den <= 0; keeps a pandas Series' index."""
    n, d = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(n, d).shape, np.nan)
    np.divide(scale * n, d, out=out, where=np.broadcast_to(d > 0, out.shape))
    for arg in (num, den):
        if isinstance(arg, pd.Series):
            return pd.Series(out, index=arg.index)
    return float(out) if out.ndim == 0 else out


def per_100k(count: Any, need_weight: Any) -> Any:  # noqa: ANN401
    """Rate per 100,000 need-weighted population: ``1e5 * count / need_weight`` (NaN if <= 0)."""
    return ratio(count, need_weight, 1e5)


def coverage(consultants_by_area: Any, need_by_area: Any) -> Any:  # noqa: ANN401
    """Need coverage per area: ``(c_i / sum c) / (n_i / sum n)``; 1 = exactly its need share."""
    c_total = float(np.asarray(consultants_by_area, dtype=float).sum())
    n_total = float(np.asarray(need_by_area, dtype=float).sum())
    return ratio(ratio(consultants_by_area, c_total), ratio(need_by_area, n_total))


def gini(values: Values, weights: Values | None = None) -> float:
    """Population-weighted Gini coefficient of a per-capita rate across areas.

    ``G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)`` with ``W = sum w`` and
    ``mu = sum w x / W`` (no small-sample correction): 0 when every area has the same rate; two
    equal-weight areas with rates 0 and 1 give 0.5. Values must be non-negative; NaN if mu = 0.
    """
    x, w = _weighted(values, weights)
    if (x < 0).any():
        raise ValueError("gini needs non-negative values")
    total = float((w * x).sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    weight_total = w.sum()
    before = np.cumsum(w) - w  # weight of areas with a smaller rate
    spread = 2.0 * (w * x * (2.0 * before + w - weight_total)).sum()  # = sum_ij w_i w_j |x_i-x_j|
    return float(spread / (2.0 * weight_total * total))


def theil(values: Values, weights: Values | None = None) -> float:
    """Population-weighted Theil T index of a per-capita rate across areas.

    ``T = sum_i s_i (x_i / mu) ln(x_i / mu)`` with population shares ``s_i = w_i / sum w`` and
    ``mu = sum s_i x_i``; ``0 ln 0 = 0``. 0 when all rates are equal; ``ln N`` when one of N
    equal-weight areas holds everything. Values must be non-negative; NaN if mu = 0.
    """
    x, w = _weighted(values, weights)
    if (x < 0).any():
        raise ValueError("theil needs non-negative values")
    s = w / w.sum()
    mu = float((s * x).sum())
    if mu <= 0:
        return float("nan")
    r = x / mu
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float((s * terms).sum())


def deprivation_slope(
    coverage: Values, core20_share: Values, weights: Values | None = None
) -> float:
    """Weighted least-squares slope of coverage on the Core20 share across areas.

    ``b = sum w (x - xbar)(y - ybar) / sum w (x - xbar)^2`` with weighted means ``xbar, ybar``,
    x = Core20 share (0..1), y = coverage. Negative: more deprived areas are less covered
    (b = -0.5: an area wholly in the most deprived 20% has 0.5 less coverage than one with none).
    NaN if the Core20 shares do not vary.
    """
    y, w = _weighted(coverage, weights)
    x = _vector(core20_share, "core20_share")
    if x.shape != y.shape:
        raise ValueError("coverage and core20_share differ in length")
    xbar, ybar = np.average(x, weights=w), np.average(y, weights=w)
    sxx = float((w * (x - xbar) ** 2).sum())
    if sxx <= 0:
        return float("nan")
    return float((w * (x - xbar) * (y - ybar)).sum() / sxx)


def share_below(coverage: Values, population: Values, threshold: float = 0.9) -> float:
    """Share of the population living in areas with coverage below `threshold`.

    ``sum(pop_i for coverage_i < threshold) / sum(pop)``; NaN coverage counts as not below.
    """
    c, p = _weighted(coverage, population)
    return float(p[c < threshold].sum() / p.sum())


def years_to_within(
    series_by_year: pd.Series | Mapping[int, float],
    target: float | pd.Series | Mapping[int, float],
    tol: float = 0.05,
) -> int | None:
    """First year from which ``|x_t / target_t - 1| <= tol`` holds for that and all later years.

    `series_by_year` maps year -> value; `target` is a number or maps year -> target. Returns the
    year itself (subtract the base year for a duration), or None if the last year is outside the
    band. A NaN value or a target of 0 counts as outside.
    """
    x = pd.Series(series_by_year, dtype=float).sort_index()
    if x.empty:
        return None
    t = (
        pd.Series(target, dtype=float).reindex(x.index)
        if isinstance(target, pd.Series | Mapping)
        else pd.Series(float(target), index=x.index)
    )
    inside = ((ratio(x, t) - 1.0).abs() <= tol).to_numpy()
    if not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    first = 0 if outside.size == 0 else outside[-1] + 1
    return int(x.index[first])


def pressure(trainees: Any, posts: Any) -> Any:  # noqa: ANN401
    """Rota pressure on trainees in post: ``posts / trainees`` (NaN where no trainees).

    1 means every post is held; 1.25 means each trainee covers a quarter of an empty slot besides
    their own. Pass the rota's service slots as `posts` (e.g. the base-year posts of a donor
    region) to see the load left on remaining trainees after posts move away.
    """
    return ratio(posts, trainees)


def mean_ci(values: Values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean with a t interval: ``mean -/+ t_{(1+level)/2, n-1} * sd / sqrt(n)`` (sd with n-1).

    With one value the bounds are NaN; with zero spread they equal the mean.
    """
    x = _vector(values, "values")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf((1 + level) / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def paired_diff_ci(a: Values, b: Values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean paired difference ``a_i - b_i`` (replicate i of both arms shares a seed), t interval."""
    x, y = _vector(a, "a"), _vector(b, "b")
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    return mean_ci(x - y, level)


def unpaired_diff_ci(a: Values, b: Values, level: float = 0.95) -> tuple[float, float, float]:
    """Welch interval for ``mean(a) - mean(b)`` from independent samples.

    ``se = sqrt(va/na + vb/nb)``, Welch-Satterthwaite df
    ``(va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1))``; NaN bounds if a sample has
    fewer than two values.
    """
    x, y = _vector(a, "a"), _vector(b, "b")
    diff = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return diff, float("nan"), float("nan")
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = float(np.sqrt(va + vb))
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    half = float(stats.t.ppf((1 + level) / 2, df) * se)
    return diff, diff - half, diff + half


def region_metrics(region_year: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per-region outcomes in `year`, summing specialties (per run if a run_key column is given).

    posts = tariff + expansion + trust-funded; programme_posts = tariff + expansion. Need across
    specialties: ``need_share_r = sum_s w_s n_rs / N_s`` with ``N_s = sum_r n_rs`` and ``w_s`` the
    specialty's share of all consultants (equal weights if there are none), so that coverage is 1
    everywhere when each specialty's consultants follow its own need.
    ``need_weight_r = need_share_r * sum_s w_s N_s`` (the need-weighted population when all
    specialties share one need component). consultant_share = ``c_r / sum c``;
    coverage = consultant_share / need_share; ``*_per_100k_need = 1e5 * count / need_weight_r``.
    population is the mean of the specialty rows.
    """
    df, keys = _with_run(region_year, year, "region_year")
    spec = df.groupby([*keys, "specialty_code"], as_index=False).agg(
        c_s=("consultants", "sum"), n_s=("need_weight", "sum")
    )
    total = spec.groupby(keys)["c_s"].transform("sum")
    spec["w_s"] = np.where(
        total > 0,
        spec["c_s"] / total.where(total > 0, 1.0),
        1.0 / spec.groupby(keys)["c_s"].transform("size"),
    )
    spec["_scale"] = spec["w_s"] * spec["n_s"]
    df = df.merge(spec, on=[*keys, "specialty_code"], how="left")
    df = df.assign(
        posts=df["posts_tariff"] + df["posts_expansion"] + df["posts_trust_funded"],
        programme_posts=df["posts_tariff"] + df["posts_expansion"],
        need_share=df["w_s"] * ratio(df["need_weight"], df["n_s"]),
    )
    out = df.groupby([*keys, "region_code"], as_index=False).agg(
        posts=("posts", "sum"),
        programme_posts=("programme_posts", "sum"),
        fair_share_posts=("fair_share_posts", "sum"),
        trainees=("trainees", "sum"),
        consultants=("consultants", "sum"),
        need_share=("need_share", "sum"),
        population=("population", "mean"),
    )
    scale = spec.groupby(keys, as_index=False)["_scale"].sum()
    out = out.merge(scale, on=keys, how="left")
    out["need_weight"] = out.pop("need_share") * out.pop("_scale")
    return _finish(out, keys)


def _with_run(table: pd.DataFrame, year: int, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows of `year`, with a constant ``_run`` key column added when there is no run_key."""
    df = table[table["year"] == year]
    if df.empty:
        raise ValueError(f"{name} has no rows for year {year}")
    if "run_key" in df.columns:
        return df, ["run_key"]
    return df.assign(_run=0), ["_run"]


def _finish(areas: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add shares, coverage and rates per 100k need to a table of areas with need_weight."""
    by_run = areas.groupby(keys)
    areas["need_share"] = ratio(areas["need_weight"], by_run["need_weight"].transform("sum"))
    areas["consultant_share"] = ratio(areas["consultants"], by_run["consultants"].transform("sum"))
    areas["coverage"] = ratio(areas["consultant_share"], areas["need_share"])
    areas["consultants_per_100k_need"] = per_100k(areas["consultants"], areas["need_weight"])
    areas["trainees_per_100k_need"] = per_100k(areas["trainees"], areas["need_weight"])
    return areas.drop(columns=["_run"], errors="ignore").reset_index(drop=True)


def icb_metrics(icb_year: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per-ICB outcomes in `year`: need_share, consultant_share, coverage, rates per 100k need.

    Same formulas as `region_metrics` with the ICB's overall need-weighted population.
    """
    df, keys = _with_run(icb_year, year, "icb_year")
    return _finish(df.copy(), keys)


def _inequality(areas: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Gini/Theil of consultants per 100k need (need-weighted), slope and share below."""
    return {
        "gini": gini(areas["consultants_per_100k_need"], areas["need_weight"]),
        "theil": theil(areas["consultants_per_100k_need"], areas["need_weight"]),
        "deprivation_slope": deprivation_slope(
            areas["coverage"], areas["core20_share"], areas["population"]
        ),
        "share_below": share_below(areas["coverage"], areas["population"], threshold),
    }


def inequality_summary(
    region_year: pd.DataFrame, icb_year: pd.DataFrame, year: int, threshold: float = 0.9
) -> pd.DataFrame:
    """Inequality across regions and across ICBs in `year`, one row per run.

    Columns ``region_*`` and ``icb_*`` for: gini and theil of consultants per 100k need-weighted
    population (weights = need-weighted population), deprivation_slope of coverage on Core20
    share (weights = population; a region's Core20 share is the population-weighted mean of its
    ICBs'), share_below = population share in areas with coverage < `threshold`.
    """
    regions, icbs = region_metrics(region_year, year), icb_metrics(icb_year, year)
    keys = ["run_key"] if "run_key" in regions.columns else []
    core20 = (
        icbs.assign(_w=icbs["core20_share"] * icbs["population"])
        .groupby([*keys, "region_code"], as_index=False)[["_w", "population"]]
        .sum()
    )
    core20["core20_share"] = core20["_w"] / core20["population"]
    regions = regions.merge(
        core20[[*keys, "region_code", "core20_share"]], on=[*keys, "region_code"], how="left"
    )
    rows = []
    for key in regions["run_key"].unique() if keys else [None]:
        reg = regions[regions["run_key"] == key] if keys else regions
        icb = icbs[icbs["run_key"] == key] if keys else icbs
        row: dict[str, Any] = ({"run_key": key} if keys else {}) | {"year": year}
        row |= {f"region_{k}": v for k, v in _inequality(reg, threshold).items()}
        row |= {f"icb_{k}": v for k, v in _inequality(icb, threshold).items()}
        rows.append(row)
    return pd.DataFrame(rows)
