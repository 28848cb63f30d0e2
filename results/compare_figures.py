"""Figures of a scenario comparison: regional time series, coverage, a trust map, Lorenz curves.

Inputs are tidy frames with a ``scenario`` and a ``run_key`` column (one run per replicate);
every figure shows the mean over replicates, with 95% t intervals of that mean where drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.spatial import ConvexHull  # noqa: E402

from results.metrics import gini  # noqa: E402

BASE_COLOUR = "#3a3a3a"
OTHER_COLOURS = ("#d35400", "#2471a3", "#239b56", "#8e44ad", "#c0392b", "#17a589")
STYLE = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10,
         "xtick.labelsize": 10, "ytick.labelsize": 10, "figure.titlesize": 14}
RATE_LABEL = "Consultants per 100,000\nneed-weighted population"


def scenario_colours(scenarios: Sequence[str]) -> dict[str, str]:
    """The base scenario (first) in dark grey, the others in distinct colours."""
    return {s: BASE_COLOUR if i == 0 else OTHER_COLOURS[(i - 1) % len(OTHER_COLOURS)]
            for i, s in enumerate(scenarios)}


def _mean_ci(values: pd.Series) -> pd.Series:
    """Mean and 95% t interval of the mean (bounds = mean with a single value)."""
    x = values.to_numpy(dtype=float)
    mean = x.mean()
    half = 0.0 if x.size < 2 else stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return pd.Series({"mean": mean, "low": mean - half, "high": mean + half})


def summarise(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Mean, low and high of `column` over runs, per `keys` (which include 'scenario')."""
    return frame.groupby(keys, sort=False)[column].apply(_mean_ci).unstack().reset_index()


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_region_series(series: pd.DataFrame, names: Mapping[str, str],
                       scenarios: Sequence[str], path: Path) -> Path:
    """One panel per region (+ England): consultants per 100k need over time, per scenario.

    `series`: scenario, run_key, year, region_code, consultants, need_weight,
    consultants_per_100k_need (as from `results.analysis.region_series`).
    """
    england = series.groupby(["scenario", "run_key", "year"], as_index=False)[
        ["consultants", "need_weight"]].sum()
    england["consultants_per_100k_need"] = 1e5 * england["consultants"] / england["need_weight"]
    england["region_code"] = "ENG"
    both = pd.concat([series, england], ignore_index=True)
    s = summarise(both, ["scenario", "region_code", "year"], "consultants_per_100k_need")
    codes = [*names, "ENG"]
    label = {**names, "ENG": "England (all regions)"}
    colours = scenario_colours(scenarios)
    n = int(series.groupby("scenario")["run_key"].nunique().min())
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 4, figsize=(16, 8), sharex=True)
        for ax, code in zip(axes.flat, codes, strict=True):
            for sc in scenarios:
                d = s[(s["scenario"] == sc) & (s["region_code"] == code)]
                ax.plot(d["year"], d["mean"], color=colours[sc], lw=2, label=sc)
                ax.fill_between(d["year"], d["low"], d["high"], color=colours[sc], alpha=0.2,
                                lw=0)
            ax.set_title(label[code], fontweight="bold" if code == "ENG" else "normal")
            ax.grid(alpha=0.3)
        for ax in axes[:, 0]:
            ax.set_ylabel(RATE_LABEL)
        for ax in axes[1, :]:
            ax.set_xlabel("Year (August snapshot)")
        axes.flat[-1].legend(title="Scenario (line: mean;\nband: 95% interval)", loc="best")
        fig.suptitle("Consultant supply by NHS England region: consultants per 100,000 "
                     f"need-weighted population ({n} replicates per scenario)")
        fig.tight_layout()
        return _save(fig, path)


def plot_coverage_years(series: pd.DataFrame, names: Mapping[str, str],
                        scenarios: Sequence[str], years: Sequence[int], path: Path) -> Path:
    """Coverage (consultant share / need share) by region at the given years, per scenario."""
    s = summarise(series[series["year"].isin(years)], ["scenario", "year", "region_code"],
                  "coverage")
    colours = scenario_colours(scenarios)
    codes = list(names)
    height = 0.8 / len(scenarios)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(years), figsize=(5.2 * len(years), 6), sharey=True,
                                 sharex=True)
        for ax, year in zip(np.atleast_1d(axes), years, strict=True):
            for k, sc in enumerate(scenarios):
                d = s[(s["scenario"] == sc) & (s["year"] == year)].set_index("region_code")
                d = d.reindex(codes)
                y = np.arange(len(codes)) - 0.4 + height * (k + 0.5)
                ax.barh(y, d["mean"], height=height, color=colours[sc], label=sc,
                        xerr=[d["mean"] - d["low"], d["high"] - d["mean"]],
                        error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "black"})
            ax.axvline(1.0, color="black", lw=1, ls="--")
            ax.set_yticks(np.arange(len(codes)), [names[c] for c in codes])
            ax.invert_yaxis()
            ax.set_title(f"August {year}")
            ax.set_xlabel("Coverage = consultant share / need share\n(1 = fair share)")
            ax.grid(axis="x", alpha=0.3)
            ax.set_xlim(0.7, None)
        np.atleast_1d(axes)[0].legend(title="Scenario", loc="lower right")
        fig.suptitle("Need coverage by region at the start, middle and end "
                     "(bars: mean over replicates; whiskers: 95% interval)")
        fig.tight_layout()
        return _save(fig, path)


def _outline(ax: plt.Axes, lon: np.ndarray, lat: np.ndarray) -> None:
    """Approximate England by the convex hull of the trusts (no external map data)."""
    pts = np.column_stack([lon, lat])
    hull = pts[ConvexHull(pts).vertices]
    ax.fill(hull[:, 0], hull[:, 1], facecolor="#eef2f5", edgecolor="#9aa5ad", ls="--", lw=1,
            zorder=0)


def plot_trust_map(trusts: pd.DataFrame, icb_end: pd.DataFrame, names: Mapping[str, str],
                   scenarios: Sequence[str], year: int, path: Path) -> Path:
    """Trusts at their coordinates, coloured by their ICB's consultants per 100k need at the end.

    `trusts`: trust_code, lat, lon, icb_code, region_code. `icb_end`: scenario, run_key,
    icb_code, consultants_per_100k_need in `year`. One panel per scenario on a shared colour
    scale centred on England's rate in the base scenario, and one panel per other scenario with
    the difference from the base.
    """
    rate = icb_end.groupby(["scenario", "icb_code"])["consultants_per_100k_need"].mean()
    base = scenarios[0]
    eng = icb_end[icb_end["scenario"] == base]
    centre = 1e5 * eng["consultants"].sum() / eng["need_weight"].sum()
    panels = [(sc, rate.loc[sc], False) for sc in scenarios]
    panels += [(sc, rate.loc[sc] - rate.loc[base], True) for sc in scenarios[1:]]
    lo, hi = rate.min(), rate.max()
    span = max(centre - lo, hi - centre)
    norm = TwoSlopeNorm(centre, centre - span, centre + span)
    diff_span = max((abs(p[1]).max() for p in panels if p[2]), default=1.0) or 1.0
    diff_norm = TwoSlopeNorm(0.0, -diff_span, diff_span)
    lon, lat = trusts["lon"].to_numpy(float), trusts["lat"].to_numpy(float)
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(6 * ncols, 7.2 * nrows), squeeze=False)
        for ax, (sc, values, is_diff) in zip(axes.flat, panels, strict=False):
            _outline(ax, lon, lat)
            colour = trusts["icb_code"].map(values).to_numpy(float)
            pts = ax.scatter(lon, lat, c=colour, cmap="PuOr" if is_diff else "RdBu",
                             norm=diff_norm if is_diff else norm, s=45, edgecolor="black",
                             lw=0.4, zorder=2)
            for code, g in trusts.groupby("region_code"):
                ax.text(g["lon"].mean(), g["lat"].mean() + 0.25, names.get(code, code),
                        ha="center", fontsize=9, style="italic", color="#333333", zorder=3,
                        bbox={"facecolor": "white", "alpha": 0.6, "lw": 0, "pad": 1})
            ax.set_aspect(1 / np.cos(np.radians(lat.mean())))
            ax.set_xlabel("Longitude (degrees)")
            ax.set_ylabel("Latitude (degrees)")
            ax.set_title(f"{sc} minus {base}" if is_diff else sc)
            bar = fig.colorbar(pts, ax=ax, shrink=0.75)
            bar.set_label("Difference in consultants per 100,000 need" if is_diff else
                          "Consultants per 100,000 need (trust's ICB);\n"
                          f"white = England average {centre:.0f}")
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        fig.suptitle(f"Acute trusts coloured by their ICB's consultant supply, August {year}\n"
                     "(mean over replicates; grey area: outline of the trusts' locations, "
                     "not a map boundary)")
        fig.tight_layout()
        return _save(fig, path)


def lorenz_points(consultants: np.ndarray, need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: cumulative need share (x) and consultant share (y), areas by rate."""
    c, n = np.asarray(consultants, float), np.asarray(need, float)
    order = np.argsort(c / n, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(n[order]) / n.sum()])
    y = np.concatenate([[0.0], np.cumsum(c[order]) / c.sum()])
    return x, y


def plot_lorenz(icb_end: pd.DataFrame, scenarios: Sequence[str], year: int,
                path: Path) -> Path:
    """Lorenz curves of consultants against need across ICBs at the end, one per scenario.

    `icb_end`: scenario, run_key, icb_code, consultants, need_weight (ICB consultants are
    averaged over replicates first). The legend gives the need-weighted Gini of the mean ICBs.
    """
    colours = scenario_colours(scenarios)
    mean = icb_end.groupby(["scenario", "icb_code"], sort=False)[
        ["consultants", "need_weight"]].mean()
    with plt.rc_context(STYLE):
        fig, (ax, zoom) = plt.subplots(1, 2, figsize=(13, 6))
        for target in (ax, zoom):
            target.plot([0, 1], [0, 1], color="grey", lw=1, ls="--",
                        label="Equal consultants per need")
            for sc in scenarios:
                d = mean.loc[sc]
                x, y = lorenz_points(d["consultants"], d["need_weight"])
                g = gini(d["consultants"] / d["need_weight"], d["need_weight"])
                target.plot(x, y, color=colours[sc], lw=2, marker="o", ms=3,
                            label=f"{sc} (Gini {g:.4f})")
            target.set_xlabel("Cumulative share of need-weighted population\n"
                              "(ICBs from least to best supplied)")
            target.set_ylabel("Cumulative share of consultants")
            target.grid(alpha=0.3)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_title("Whole curve")
        ax.legend(loc="upper left")
        zoom.set_xlim(0.2, 0.6)
        zoom.set_ylim(0.1, 0.5)
        zoom.set_title("Zoom: the middle of the curve")
        fig.suptitle(f"Lorenz curves of consultants against need across the 42 ICBs, August "
                     f"{year} (mean over replicates)")
        fig.tight_layout()
        return _save(fig, path)
