"""The `run` figure: consultants per need by region over time, and end-of-run coverage."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from results.metrics import mean_ci, region_metrics  # noqa: E402
from sim.outputs import RunResult  # noqa: E402
from sim.world import World  # noqa: E402


def consultants_per_100k_need(result: RunResult) -> pd.DataFrame:
    """Years x regions: consultants (all specialties) per 100,000 overall need-weighted people."""
    ry = result.region_year
    cons = ry.groupby(["year", "region_code"])["consultants"].sum().unstack()
    need = result.icb_year.groupby(["year", "region_code"])["need_weight"].sum().unstack()
    return cons / need * 1e5


def year_axis(ax: plt.Axes) -> None:
    """Whole years on the x axis, at most about eight ticks whatever the horizon."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))


def plot_run(results: list[RunResult], world: World, path: Path) -> Path:
    """Two panels: the time series with a band over replicates, and coverage at the end."""
    names = dict(zip(world.region_codes, world.data.regions["region_name"], strict=True))
    series = [consultants_per_100k_need(r) for r in results]
    stack = np.stack([s.to_numpy() for s in series])
    years = series[0].index.to_numpy()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [3, 2]})
    for j, code in enumerate(series[0].columns):
        mean = stack[:, :, j].mean(axis=0)
        (line,) = ax1.plot(years, mean, label=names[code], lw=2)
        if len(results) > 1:
            ci = np.array([mean_ci(stack[:, t, j])[1:] for t in range(len(years))])
            ax1.fill_between(years, ci[:, 0], ci[:, 1], color=line.get_color(), alpha=0.2)
    year_axis(ax1)
    ax1.set_xlabel("Year (August)")
    ax1.set_ylabel("Consultants per 100,000 need-weighted population (overall)")
    band = " (band: 95% interval of the mean)" if len(results) > 1 else ""
    ax1.set_title(f"Consultant supply by NHS England region{band}")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8, loc="upper left")

    ends = [region_metrics(r.region_year, int(years[-1])).set_index("region_code") for r in results]
    coverage = np.mean([e.loc[series[0].columns, "coverage"].to_numpy() for e in ends], axis=0)
    order = np.argsort(coverage)
    labels = [names[series[0].columns[i]] for i in order]
    colors = ["#c0392b" if coverage[i] < 0.95 else "#2e86c1" for i in order]
    ax2.barh(labels, coverage[order], color=colors)
    ax2.axvline(1.0, color="black", lw=1)
    ax2.set_xlabel("Coverage: consultant share / need share\n(1 = fair share; red: below 0.95)")
    ax2.set_title(f"Coverage in {int(years[-1])}")
    for y, i in enumerate(order):
        ax2.text(coverage[i] + 0.005, y, f"{coverage[i]:.2f}", va="center", fontsize=8)
    ax2.set_xlim(0, max(1.2, coverage.max() + 0.1))
    scen = results[0].scenario
    fig.suptitle(f"traineeflow: scenario '{scen}', {len(results)} replicate(s)", fontsize=12)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
