"""Figures of a sweep analysis: outcomes against parameters, feature scores, the PRIM box."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from results.compare_figures import STYLE, save, scenario_colours  # noqa: E402
from results.outcomes import OUTCOMES  # noqa: E402
from results.sweep_analysis import (  # noqa: E402
    PRIM_DENSITY,
    PrimResult,
    Threshold,
    by_point,
)


def _axis_label(name: str, year: int) -> str:
    o = OUTCOMES[name]
    when = f" in {year}" if name.endswith("_end") else ""
    return f"{o.label}{when}\n({o.unit})"


def plot_outcomes_vs_parameters(
    frame: pd.DataFrame,
    outcomes: Sequence[str],
    parameters: Mapping[str, str],
    scenarios: Sequence[str],
    year: int,
    threshold: Threshold,
    path: Path,
) -> Path:
    """One panel per outcome x parameter: point means with 95% intervals, one colour a scenario."""
    colours = scenario_colours(scenarios)
    points = frame.drop_duplicates("point").set_index("point")
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(outcomes),
            len(parameters),
            figsize=(5.5 * len(parameters) + 1, 3.4 * len(outcomes)),
            squeeze=False,
        )
        for i, name in enumerate(outcomes):
            stats = by_point(frame, name)
            for j, (param, label) in enumerate(parameters.items()):
                ax = axes[i, j]
                for k, sc in enumerate(scenarios):
                    d = stats[stats["scenario"] == sc]
                    x = points.loc[d["point"], param].to_numpy(float)
                    span = np.ptp(points[param].to_numpy(float)) or 1.0
                    x = x + (k - (len(scenarios) - 1) / 2) * 0.012 * span  # dodge
                    low = (d["mean"] - d["low"]).fillna(0).clip(lower=0)
                    high = (d["high"] - d["mean"]).fillna(0).clip(lower=0)
                    ax.errorbar(
                        x,
                        d["mean"],
                        yerr=[low, high],
                        fmt="o",
                        ms=6,
                        capsize=3,
                        color=colours[sc],
                        label=sc,
                    )
                if name == threshold.outcome:
                    ax.axhline(
                        threshold.value,
                        color="#c0392b",
                        ls="--",
                        lw=1.2,
                        label=f"threshold ({threshold.op} {threshold.value:g})",
                    )
                ax.grid(alpha=0.3)
                if i == len(outcomes) - 1:
                    ax.set_xlabel(label)
                if j == 0:
                    ax.set_ylabel(_axis_label(name, year), fontsize=9)
        axes[0, -1].legend(title="Scenario", fontsize=9, loc="best")
        fig.suptitle(
            "Outcomes at each sampled parameter point (dot: mean over replicates; "
            "whiskers: 95% interval of the mean)"
        )
        fig.tight_layout()
        return save(fig, path, dpi=100)


def plot_feature_scores(scores: pd.DataFrame, labels: Mapping[str, str], path: Path) -> Path:
    """Heat map of feature scores (rows: features, columns: outcomes), values written in."""
    data = scores.to_numpy(float)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(2.3 * scores.shape[1] + 3.5, 0.8 * scores.shape[0] + 2.4))
        im = ax.imshow(data, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for (r, c), v in np.ndenumerate(data):
            ax.text(
                c, r, f"{v:.2f}", ha="center", va="center", color="white" if v > 0.6 else "black"
            )
        ax.set_xticks(
            range(scores.shape[1]),
            [OUTCOMES[c].label.replace(" ", "\n", 2) for c in scores.columns],
            fontsize=9,
        )
        ax.set_yticks(range(scores.shape[0]), [labels.get(f, f) for f in scores.index])
        fig.colorbar(im, ax=ax).set_label(
            "Feature score (share of the outcome's\nvariation explained)"
        )
        ax.set_title("Which uncertainty drives each outcome (extra-trees feature scores)")
        fig.tight_layout()
        return save(fig, path, dpi=100)


def plot_prim(
    x: pd.DataFrame,
    y: np.ndarray,
    result: PrimResult,
    labels: Mapping[str, str],
    scenarios: Sequence[str],
    what: str,
    path: Path,
) -> Path:
    """Left: PRIM's peeling trajectory (coverage vs density). Right: the box on two features."""
    traj = result.trajectory
    restricted = list(result.limits.index)
    shown = (restricted + [c for c in x.columns if c not in restricted])[:2]
    with plt.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.8))
        if traj.empty:  # no run crosses, or every run does: nothing to peel
            traj = pd.DataFrame({"coverage": [], "density": [], "res_dim": []})
            left.text(
                0.5,
                0.5,
                f"{result.cases} of {result.runs} runs cross:\nno box to find",
                ha="center",
                va="center",
                transform=left.transAxes,
                fontsize=13,
            )
        pts = left.scatter(
            traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=40, zorder=2
        )
        left.plot(traj["coverage"], traj["density"], color="#999999", lw=1, zorder=1)
        if result.chosen is not None:
            row = traj.loc[result.chosen]
            left.scatter(
                [row["coverage"]],
                [row["density"]],
                s=200,
                facecolor="none",
                edgecolor="#c0392b",
                lw=2,
                zorder=3,
                label="box reported",
            )
            left.legend(loc="lower left")
        left.axhline(PRIM_DENSITY, color="#c0392b", ls=":", lw=1)
        left.set_xlabel("Coverage: share of all crossing runs inside the box")
        left.set_ylabel("Density: share of runs in the box that cross")
        left.set_title("PRIM peeling trajectory (each dot a candidate box)")
        left.grid(alpha=0.3)
        fig.colorbar(pts, ax=left).set_label("Parameters restricted")
        a = shown[0]
        b = shown[1] if len(shown) > 1 else shown[0]
        right.scatter(x.loc[~y, a], x.loc[~y, b], s=30, color="#7f8c8d", label="does not cross")
        right.scatter(
            x.loc[y, a],
            x.loc[y, b],
            s=40,
            color="#c0392b",
            marker="^",
            label=f"crosses: {result.threshold}",
        )
        lim = result.limits
        if result.chosen is not None and len(lim):
            lo_a, hi_a = (
                (lim.loc[a, "min"], lim.loc[a, "max"])
                if a in lim.index
                else (x[a].min(), x[a].max())
            )
            lo_b, hi_b = (
                (lim.loc[b, "min"], lim.loc[b, "max"])
                if b in lim.index
                else (x[b].min(), x[b].max())
            )
            right.add_patch(
                Rectangle(
                    (lo_a, lo_b),
                    hi_a - lo_a,
                    hi_b - lo_b,
                    fill=False,
                    ec="#c0392b",
                    lw=2,
                    ls="--",
                    label="PRIM box",
                )
            )
        right.set_xlabel(labels.get(a, a))
        right.set_ylabel(labels.get(b, b))
        right.set_title("Runs on the two features the box restricts first")
        right.legend(loc="best", fontsize=9)
        right.grid(alpha=0.3)
        fig.suptitle(f"Scenario discovery: where do runs end with {what}?")
        fig.tight_layout()
        return save(fig, path, dpi=100)
