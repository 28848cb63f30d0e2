"""Figures of a scenario comparison: regional time series, differences, coverage, change maps.

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
from matplotlib.patches import Ellipse  # noqa: E402

from results.figures import year_axis  # noqa: E402
from results.metrics import mean_ci  # noqa: E402

BASE_COLOUR = "#3a3a3a"
OTHER_COLOURS = ("#d35400", "#2471a3", "#239b56", "#8e44ad", "#c0392b", "#17a589")
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "figure.titlesize": 14,
}
RATE_LABEL = "Consultants per 100,000\nneed-weighted population"


def scenario_colours(scenarios: Sequence[str]) -> dict[str, str]:
    """The base scenario (first) in dark grey, the others in distinct colours."""
    return {
        s: BASE_COLOUR if i == 0 else OTHER_COLOURS[(i - 1) % len(OTHER_COLOURS)]
        for i, s in enumerate(scenarios)
    }


def _mean_ci(values: pd.Series) -> pd.Series:
    """Mean and 95% t interval of the mean (`results.metrics.mean_ci`; bounds = mean if n = 1)."""
    mean, low, high = mean_ci(values)
    if len(values) < 2:
        low = high = mean
    return pd.Series({"mean": mean, "low": low, "high": high})


def summarise(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Mean, low and high of `column` over runs, per `keys` (which include 'scenario')."""
    return frame.groupby(keys, sort=False)[column].apply(_mean_ci).unstack().reset_index()


def save(fig: plt.Figure, path: Path, dpi: int = 110) -> Path:
    """Write the figure as PNG (making the folder) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def _diff_panels(n: int, width: float, height: float) -> tuple[plt.Figure, np.ndarray]:
    """One panel per compared scenario, side by side, sharing the y axis."""
    return plt.subplots(1, n, figsize=(max(11, width * n), height), squeeze=False, sharey=True)


def plot_region_series(
    series: pd.DataFrame, names: Mapping[str, str], scenarios: Sequence[str], path: Path
) -> Path:
    """One panel per region (+ England): consultants per 100k need over time, per scenario.

    `series`: scenario, run_key, year, region_code, consultants, need_weight,
    consultants_per_100k_need (as from `results.analysis.region_series`).
    """
    england = series.groupby(["scenario", "run_key", "year"], as_index=False)[
        ["consultants", "need_weight"]
    ].sum()
    england["consultants_per_100k_need"] = 1e5 * england["consultants"] / england["need_weight"]
    england["region_code"] = "ENG"
    both = pd.concat([series, england], ignore_index=True)
    s = summarise(both, ["scenario", "region_code", "year"], "consultants_per_100k_need")
    codes = [*names, "ENG"]
    label = {**names, "ENG": "England (all regions)"}
    colours = scenario_colours(scenarios)
    n = int(series.groupby("scenario")["run_key"].nunique().min())
    with plt.rc_context(STYLE):
        nrows = -(-len(codes) // 4)
        fig, axes = plt.subplots(nrows, 4, figsize=(16, 4 * nrows), sharex=True, squeeze=False)
        for ax in axes.flat[len(codes) :]:
            ax.set_visible(False)
        for ax, code in zip(axes.flat, codes, strict=False):
            for sc in scenarios:
                d = s[(s["scenario"] == sc) & (s["region_code"] == code)]
                ax.plot(d["year"], d["mean"], color=colours[sc], lw=2, label=sc)
                ax.fill_between(d["year"], d["low"], d["high"], color=colours[sc], alpha=0.2, lw=0)
            ax.set_title(label[code], fontweight="bold" if code == "ENG" else "normal")
            year_axis(ax)
            ax.grid(alpha=0.3)
        for ax in axes[:, 0]:
            ax.set_ylabel(RATE_LABEL)
        for ax in axes.flat[max(len(codes) - 4, 0) : len(codes)]:
            ax.set_xlabel("Year (August snapshot)")
            ax.xaxis.set_tick_params(labelbottom=True)
        axes.flat[len(codes) - 1].legend(
            title="Scenario (line: mean;\nband: 95% interval)", loc="best"
        )
        fig.suptitle(
            "Consultant supply by NHS England region: consultants per 100,000 "
            f"need-weighted population ({n} replicates per scenario)"
        )
        fig.tight_layout()
        return save(fig, path)


def plot_coverage_years(
    series: pd.DataFrame,
    names: Mapping[str, str],
    scenarios: Sequence[str],
    years: Sequence[int],
    path: Path,
) -> Path:
    """Coverage (consultant share / need share) by region at the given years, per scenario."""
    s = summarise(
        series[series["year"].isin(years)], ["scenario", "year", "region_code"], "coverage"
    )
    colours = scenario_colours(scenarios)
    codes = list(names)
    step = 0.6 / max(len(scenarios) - 1, 1)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, len(years), figsize=(5.2 * len(years), 6), sharey=True, sharex=True, squeeze=False
        )
        for ax, year in zip(axes[0], years, strict=True):
            for k, sc in enumerate(scenarios):
                d = s[(s["scenario"] == sc) & (s["year"] == year)].set_index("region_code")
                d = d.reindex(codes)
                y = (
                    np.arange(len(codes)) - 0.3 + step * k
                    if len(scenarios) > 1
                    else np.arange(len(codes), dtype=float)
                )
                ax.errorbar(
                    d["mean"],
                    y,
                    xerr=[d["mean"] - d["low"], d["high"] - d["mean"]],
                    fmt="o",
                    ms=7,
                    color=colours[sc],
                    label=sc,
                    capsize=3,
                )
            ax.axvline(1.0, color="black", lw=1, ls="--")
            ax.set_yticks(np.arange(len(codes)), [names[c] for c in codes])
            for y in np.arange(len(codes) - 1) + 0.5:
                ax.axhline(y, color="#dddddd", lw=0.8)
            ax.set_ylim(len(codes) - 0.5, -0.5)
            ax.set_title(f"August {year}")
            ax.set_xlabel("Coverage = consultant share / need share\n(1 = fair share)")
            ax.grid(axis="x", alpha=0.3)
        axes[0, -1].legend(title="Scenario", loc="lower right")
        fig.suptitle(
            "Need coverage by region at the start, middle and end "
            "(dot: mean over replicates; whiskers: 95% interval)"
        )
        fig.tight_layout()
        return save(fig, path)


def plot_region_differences(
    series: pd.DataFrame, names: Mapping[str, str], scenarios: Sequence[str], path: Path
) -> Path:
    """Paired differences (other - base, same seed) in consultants per 100k need by region.

    `series` as for `plot_region_series`, with a ``seed`` column to pair the replicates.
    """
    rate = series.pivot_table(
        index=["seed", "year", "region_code"],
        columns="scenario",
        values="consultants_per_100k_need",
    )
    base, others = scenarios[0], scenarios[1:]
    colours = dict(zip(names, plt.get_cmap("tab10").colors, strict=False))
    with plt.rc_context(STYLE):
        fig, axes = _diff_panels(len(others), 9, 6.5)
        for ax, other in zip(axes[0], others, strict=True):
            diff = (rate[other] - rate[base]).rename("diff").reset_index()
            d = summarise(diff.assign(scenario=other), ["scenario", "region_code", "year"], "diff")
            for code, name in names.items():
                g = d[d["region_code"] == code]
                ax.plot(g["year"], g["mean"], color=colours[code], lw=2, label=name)
                ax.fill_between(
                    g["year"], g["low"], g["high"], color=colours[code], alpha=0.2, lw=0
                )
            ax.axhline(0, color="black", lw=1)
            ax.set_title(f"{other} minus {base}")
            year_axis(ax)
            ax.set_xlabel("Year (August snapshot)")
            ax.grid(alpha=0.3)
        axes[0, 0].set_ylabel("Difference in consultants per 100,000\nneed-weighted population")
        axes[0, -1].legend(title="Region (band: 95% paired interval)", loc="upper left", fontsize=9)
        fig.suptitle(
            "Where the policy moves consultant supply: paired differences by region\n"
            "(each replicate compared with the base run on the same seed)"
        )
        fig.tight_layout()
        return save(fig, path)


def _land(ax: plt.Axes, lon: np.ndarray, lat: np.ndarray, miles: float = 25.0) -> None:
    """Approximate England by discs of `miles` around the trusts (no external map data)."""
    r_lat = miles / 69.0  # one degree of latitude is about 69 miles
    for x, y in zip(lon, lat, strict=True):
        ax.add_patch(
            Ellipse(
                (x, y),
                2 * r_lat / np.cos(np.radians(y)),
                2 * r_lat,
                facecolor="#e6ebef",
                edgecolor="none",
                zorder=0,
            )
        )


def _label_positions(trusts: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Region label at the mean of its trusts, nudged down when it would overlap another."""
    out: dict[str, tuple[float, float]] = {}
    centres = trusts.groupby("region_code")[["lon", "lat"]].mean()
    for code, (x, y) in centres.sort_values("lat", ascending=False).iterrows():
        while any(abs(x - px) < 1.6 and abs(y - py) < 0.3 for px, py in out.values()):
            y -= 0.3
        out[str(code)] = (x, y)
    return out


def plot_trust_map(
    trusts: pd.DataFrame,
    icb_end: pd.DataFrame,
    names: Mapping[str, str],
    scenarios: Sequence[str],
    year: int,
    path: Path,
) -> Path:
    """Trusts at their coordinates, coloured by their ICB's consultants per 100k need at the end.

    `trusts`: trust_code, lat, lon, icb_code, region_code. `icb_end`: scenario, run_key,
    icb_code, consultants, need_weight, consultants_per_100k_need in `year`. One panel per
    base scenario centred on England's rate, and one panel per other scenario with the percent
    change from the base (the absolute maps of similar scenarios look the same).
    """
    rate = icb_end.groupby(["scenario", "icb_code"])["consultants_per_100k_need"].mean()
    base = scenarios[0]
    eng = icb_end[icb_end["scenario"] == base]
    centre = 1e5 * eng["consultants"].sum() / eng["need_weight"].sum()
    panels = [(base, rate.loc[base], False)]  # the others' absolute maps look the same
    panels += [(sc, 100 * (rate.loc[sc] / rate.loc[base] - 1), True) for sc in scenarios[1:]]
    span = max(centre - rate.min(), rate.max() - centre)
    norm = TwoSlopeNorm(centre, centre - span, centre + span)
    diff_span = max((float(abs(p[1]).max()) for p in panels if p[2]), default=1.0) or 1.0
    diff_norm = TwoSlopeNorm(0.0, -diff_span, diff_span)
    lon, lat = trusts["lon"].to_numpy(float), trusts["lat"].to_numpy(float)
    labels = _label_positions(trusts)
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(6.3 * ncols, 7 * nrows), squeeze=False, layout="constrained"
        )
        for ax, (sc, values, is_diff) in zip(axes.flat, panels, strict=False):
            _land(ax, lon, lat)
            colour = trusts["icb_code"].map(values).to_numpy(float)
            pts = ax.scatter(
                lon,
                lat,
                c=colour,
                cmap="PuOr" if is_diff else "RdBu",
                norm=diff_norm if is_diff else norm,
                s=45,
                edgecolor="black",
                lw=0.4,
                zorder=2,
            )
            for code, (x, y) in labels.items():
                ax.text(
                    x,
                    y,
                    names.get(code, code),
                    ha="center",
                    va="center",
                    fontsize=9,
                    style="italic",
                    color="#222222",
                    zorder=3,
                    bbox={"facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 1},
                )
            ax.set_aspect(1 / np.cos(np.radians(lat.mean())))
            ax.set_xlim(lon.min() - 0.6, lon.max() + 0.6)
            ax.set_ylim(lat.min() - 0.5, lat.max() + 0.5)
            ax.set_xlabel("Longitude (degrees)")
            ax.set_ylabel("Latitude (degrees)")
            ax.set_title(f"{sc} against {base}: change" if is_diff else f"{sc}: consultant supply")
            bar = fig.colorbar(pts, ax=ax, shrink=0.8)
            bar.set_label(
                "Change in consultants per 100,000 need (%)\n(purple: more, orange: fewer)"
                if is_diff
                else "Consultants per 100,000 need (trust's ICB)\n"
                f"white = England average ({centre:.0f})"
            )
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        fig.suptitle(
            f"Acute trusts coloured by their ICB's consultant supply, August {year} "
            "(mean over replicates)\nGrey land: 25-mile discs around the trusts, "
            "an approximation of England drawn without map data"
        )
        return save(fig, path)


def plot_icb_change(
    icb_end: pd.DataFrame,
    regions: Mapping[str, str],
    scenarios: Sequence[str],
    year: int,
    path: Path,
) -> Path:
    """Per ICB: percent change in consultants per 100k need against deprivation (Core20 share).

    Changes are other vs base on the same seed, with 95% paired intervals; one panel per other
    scenario.
    `icb_end`: scenario, run_key, seed, icb_code, region_code, core20_share,
    consultants_per_100k_need in `year`.
    """
    rate = icb_end.pivot_table(
        index=["seed", "icb_code"], columns="scenario", values="consultants_per_100k_need"
    )
    info = icb_end.drop_duplicates("icb_code").set_index("icb_code")[
        ["region_code", "core20_share"]
    ]
    base, others = scenarios[0], scenarios[1:]
    colours = dict(zip(regions, plt.get_cmap("tab10").colors, strict=False))
    with plt.rc_context(STYLE):
        fig, axes = _diff_panels(len(others), 8.5, 6.2)
        for ax, other in zip(axes[0], others, strict=True):
            change = (100 * (rate[other] / rate[base] - 1)).rename("change").reset_index()
            d = summarise(change.assign(scenario=other), ["scenario", "icb_code"], "change")
            d = d.join(info, on="icb_code")
            for code, name in regions.items():
                g = d[d["region_code"] == code]
                ax.errorbar(
                    100 * g["core20_share"],
                    g["mean"],
                    yerr=[g["mean"] - g["low"], g["high"] - g["mean"]],
                    fmt="o",
                    ms=6,
                    capsize=2,
                    color=colours[code],
                    label=name,
                )
            ax.axhline(0, color="black", lw=1)
            ax.set_xlabel("ICB population in the most deprived 20% of England (Core20, %)")
            ax.set_title(f"{other} against {base}")
            ax.grid(alpha=0.3)
        axes[0, 0].set_ylabel(
            f"Change in consultants per 100,000 need-weighted\npopulation by August {year} (%)"
        )
        axes[0, -1].legend(title="Region", fontsize=9, loc="best")
        fig.suptitle(
            "Which ICBs gain consultant supply, by deprivation: percent change against the base "
            "on the same seeds\n(dot: mean over replicates; whiskers: 95% paired interval)"
        )
        fig.tight_layout()
        return save(fig, path)
