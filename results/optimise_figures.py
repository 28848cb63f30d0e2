"""Figures of an optimisation: objective trade-offs and the levers of the Pareto front."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402

from results.compare_figures import STYLE  # noqa: E402
from results.outcomes import OUTCOMES  # noqa: E402

CMAP = "viridis"


def _label(k: str) -> str:
    o = OUTCOMES[k]
    return f"{o.label}\n({o.unit})"


def _limits(values: pd.Series) -> tuple[float, float]:
    """The points' range with a margin: wide intervals (few seeds) must not hide the points."""
    low, high = float(values.min()), float(values.max())
    pad = 0.08 * (high - low) or 0.05 * abs(high) or 1.0
    return low - pad, high + pad


def plot_objectives(evaluations: pd.DataFrame, path: Path) -> Path:
    """Each pair of objectives: all candidates in grey, the front coloured, 95% whiskers."""
    from experiments.optimise import OBJECTIVES

    front = evaluations[evaluations["front"]]
    pairs = list(itertools.combinations(OBJECTIVES, 2))
    colour = Normalize(
        evaluations["years_to_fair_share"].min(), evaluations["years_to_fair_share"].max()
    )
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 3, figsize=(17, 10.5), layout="constrained")
        for ax, (x, y) in zip(axes.flat, pairs, strict=True):
            ax.scatter(evaluations[x], evaluations[y], s=18, color="#bbbbbb", label="candidate")
            ax.errorbar(
                front[x],
                front[y],
                xerr=[front[x] - front[f"{x}_low"], front[f"{x}_high"] - front[x]],
                yerr=[front[y] - front[f"{y}_low"], front[f"{y}_high"] - front[y]],
                fmt="none",
                ecolor="#888888",
                elinewidth=0.7,
                alpha=0.6,
            )
            pts = ax.scatter(
                front[x],
                front[y],
                c=front["years_to_fair_share"],
                cmap=CMAP,
                norm=colour,
                s=55,
                edgecolor="black",
                lw=0.5,
                zorder=3,
                label="Pareto front",
            )
            ax.set_xlim(*_limits(evaluations[x]))
            ax.set_ylim(*_limits(evaluations[y]))
            ax.set_xlabel(_label(x), fontsize=9)
            ax.set_ylabel(_label(y), fontsize=9)
            ax.grid(alpha=0.3)
        axes.flat[0].legend(loc="best")
        bar = fig.colorbar(pts, ax=axes, shrink=0.5)
        bar.set_label(_label("years_to_fair_share"))
        fig.suptitle(
            f"Trade-offs between the four objectives: {len(evaluations)} candidates, "
            f"{len(front)} on the Pareto front (lower is better on every axis)\nwhiskers: 95% "
            "interval of the mean over the seeds (wide with few seeds; the axes show the points)"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return path


def plot_levers(front: pd.DataFrame, path: Path) -> Path:
    """Parallel coordinates of the front's levers, each scaled to its searched range."""
    from experiments.optimise import LEVERS

    colour = Normalize(front["years_to_fair_share"].min(), front["years_to_fair_share"].max())
    cmap = plt.get_cmap(CMAP)
    x = range(len(LEVERS))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(13, 6))
        for _, row in front.iterrows():
            scaled = [(row[lv.name] - lv.low) / (lv.high - lv.low) for lv in LEVERS]
            ax.plot(x, scaled, marker="o", color=cmap(colour(row["years_to_fair_share"])), lw=1.8)
        ax.set_xticks(list(x), [lv.short.capitalize() for lv in LEVERS])
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel("Position in the searched range\n(0 = lowest, 1 = highest)")
        ax.grid(alpha=0.3)
        sm = plt.cm.ScalarMappable(norm=colour, cmap=cmap)
        fig.colorbar(sm, ax=ax).set_label(_label("years_to_fair_share"))
        ax.set_title(f"Lever settings of the {len(front)} candidates on the Pareto front")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return path
