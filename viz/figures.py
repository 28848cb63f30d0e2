"""The app's two figures, drawn with matplotlib's object API (no pyplot state, thread-safe).

- `map_figure`: NHS England regions (ONS outlines, viz/BOUNDARIES.md) shaded by coverage at the
  last August snapshot; trusts at their HQ, sized by training posts, coloured by their ICB's
  coverage now. Coverage = share of consultants / share of need (1 = exactly its need share).
- `charts_figure`: by region and year, coverage, net posts moved by the programme, recruitment
  fill rate, and training-post and consultant vacancies.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PolyCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from sim.market_outcomes import fill_rate
from viz.explorer import ExplorerModel

COVERAGE_NORM = (0.7, 1.0, 1.3)  # colour scale: under-covered (red) .. 1 .. over-covered (blue)
LAT0 = 52.5  # England's mid-latitude: x = longitude x cos(LAT0) keeps the map's proportions


@cache
def region_outlines() -> dict[str, list[np.ndarray]]:
    """Region code -> outer rings (lon, lat arrays) from the bundled simplified GeoJSON."""
    text = (resources.files("viz") / "regions.geojson").read_text()
    out: dict[str, list[np.ndarray]] = {}
    for feature in json.loads(text)["features"]:
        geom = feature["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        out[feature["properties"]["region_code"]] = [np.asarray(p[0]) for p in polys]
    return out


def _xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.column_stack([np.asarray(lon) * np.cos(np.radians(LAT0)), lat])


def map_figure(model: ExplorerModel) -> Figure:
    """England: regions by coverage at the last snapshot, trusts by their ICB's coverage now."""
    w = model.world
    norm = TwoSlopeNorm(vmin=COVERAGE_NORM[0], vcenter=COVERAGE_NORM[1], vmax=COVERAGE_NORM[2])
    fig = Figure(figsize=(5.2, 5.6), dpi=90)  # fixed axes: no layout engine on every frame
    ax = fig.add_axes((0.0, 0.03, 0.8, 0.86))
    cax = fig.add_axes((0.82, 0.2, 0.03, 0.55))
    cov = model.region_coverage()
    last = cov[cov["year"] == cov["year"].max()].set_index("region_code")["coverage"]
    cmap = colormaps["RdBu"]
    rings = [(code, _xy(r[:, 0], r[:, 1])) for code, rs in region_outlines().items() for r in rs]
    shades = [cmap(norm(last[code])) if code in last.index else "0.9" for code, _ in rings]
    ax.add_collection(
        PolyCollection([r for _, r in rings], facecolors=shades, alpha=0.45, ec="0.35", lw=0.6),
        autolim=False,
    )
    allxy = np.concatenate([r for _, r in rings])
    ax.set_xlim(allxy[:, 0].min() - 0.1, allxy[:, 0].max() + 0.1)
    ax.set_ylim(allxy[:, 1].min() - 0.1, allxy[:, 1].max() + 0.1)
    trusts = w.data.trusts
    xy = _xy(trusts["lon"].to_numpy(), trusts["lat"].to_numpy())
    posts = model.trust_posts()
    icb_cov = model.icb_coverage()[w.trust_icb]
    dots = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=4 + posts / 6,
        c=icb_cov,
        cmap=cmap,
        norm=norm,
        edgecolors="0.15",
        linewidths=0.4,
        zorder=3,
    )
    fig.colorbar(dots, cax=cax, label="coverage (consultant share / need share)")
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(
        f"{model.month_label()}: trusts sized by training posts,\n"
        "coloured by their ICB's coverage; regions by coverage last August",
        fontsize=9,
    )
    fig.text(
        0.01,
        0.005,
        "Region outlines: ONS, OGL v3.0; contains OS data, Crown copyright 2022",
        fontsize=6,
        color="0.4",
    )
    return fig


def charts_figure(model: ExplorerModel) -> Figure:
    """Four panels by region and year from the August snapshots."""
    fig = Figure(figsize=(7.0, 6.0), dpi=90)  # fixed layout: a layout engine costs seconds
    axes = fig.subplots(2, 2, sharex=True)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.17, hspace=0.2, wspace=0.22)
    ry = model.region_year()
    names = dict(
        zip(model.world.region_codes, model.world.data.regions["region_name"], strict=True)
    )
    titles = (
        "Coverage (consultant share / need share)",
        "Net posts moved in by the programme (cumulative)",
        "Recruitment fill rate (recruits / posts offered)",
        "Vacancies in August (all England)",
    )
    for ax, title in zip(axes.flat, titles, strict=True):
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    cov = model.region_coverage().pivot(index="year", columns="region_code", values="coverage")
    by = ry.groupby(["year", "region_code"]).sum(numeric_only=True)
    net = (by["posts_moved_in"] - by["posts_moved_out"]).unstack().cumsum()
    fill = fill_rate(ry, ["year", "region_code"]).unstack()
    fill = fill[fill.index > model.base_year]  # the base year's row has no recruitment yet
    for code in model.world.region_codes:
        label = names[code]
        axes[0, 0].plot(cov.index, cov[code], marker=".", label=label)
        axes[0, 1].plot(net.index, net[code], marker=".")
        axes[1, 0].plot(fill.index, fill[code], marker=".")
    axes[0, 0].axhline(1.0, color="0.3", lw=0.8, ls="--")
    totals = ry.groupby("year")[["vacancies", "consultant_vacancies"]].sum()
    axes[1, 1].plot(totals.index, totals["vacancies"], marker=".", label="training posts")
    axes[1, 1].plot(
        totals.index, totals["consultant_vacancies"], marker=".", label="consultant posts"
    )
    axes[1, 1].legend(fontsize=7)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=4, fontsize=7, frameon=False)
    for ax in axes[1]:
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig
