"""The `optimise` outputs: front and evaluation tables (CSV), two figures and the report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from results import report as rep
from results.metrics import mean_ci
from results.outcomes import OUTCOMES
from sim.calendar import BASE_YEAR

if TYPE_CHECKING:
    from experiments.optimise import Search, SearchResult

FIGURES = {
    "objectives": (
        "optimise_objectives.png",
        "Every candidate (grey) and the Pareto front (coloured by years to fair share) for each "
        "pair of objectives; whiskers on front points: 95% interval of the mean over the seeds. "
        "Down and left is better on both axes.",
    ),
    "levers": (
        "optimise_levers.png",
        "Lever values of the front candidates, each lever scaled to its searched range "
        "(0 = lowest, 1 = highest); one line per candidate, coloured by years to fair share.",
    ),
}


def lever_value(name: str, value: float) -> str:
    """A lever value as a reader sees it."""
    if name == "expansion_posts_per_year":
        return f"{value:,.0f} posts/yr"
    if name == "recruitment_bonus":
        return f"{value:.2f}"
    return f"{100 * value:.1f}%"


def tables(result: SearchResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluations (one row per trial: levers, objective means and 95% bounds) and the front."""
    from experiments.optimise import LEVERS, OBJECTIVES

    rows = []
    for ev in result.evaluations:
        row: dict[str, float | int | bool] = {"trial": ev.trial, "front": ev.trial in result.front}
        row |= {lv.name: ev.levers[lv.name] for lv in LEVERS}
        for k in OBJECTIVES:
            mean, low, high = mean_ci([s[k] for s in ev.per_seed])
            row |= {k: mean, f"{k}_low": low, f"{k}_high": high}
        rows.append(row)
    frame = pd.DataFrame(rows).sort_values("trial", ignore_index=True)
    front = frame[frame["front"]].sort_values(["years_to_fair_share", "icb_gini_end"])
    return frame, front.reset_index(drop=True)


def write_optimise_report(
    result: SearchResult, search: Search, folder: Path, db: str
) -> dict[str, Path]:
    """Write front.csv, evaluations.csv, the figures and report.md / report.html to `folder`."""
    from results.optimise_figures import plot_levers, plot_objectives

    folder.mkdir(parents=True, exist_ok=True)
    evaluations, front = tables(result)
    files = {"evaluations_csv": folder / "evaluations.csv", "front_csv": folder / "front.csv"}
    evaluations.to_csv(files["evaluations_csv"], index=False)
    front.to_csv(files["front_csv"], index=False)
    plot_objectives(evaluations, folder / FIGURES["objectives"][0])
    plot_levers(front, folder / FIGURES["levers"][0])
    blocks = optimise_blocks(result, search, evaluations, front, db)
    md, page = rep.write_report(blocks, f"traineeflow optimise: {search.base.name}", folder)
    return {**files, "markdown": md, "html": page}


def _best(evaluations: pd.DataFrame, k: str) -> str:
    """One sentence: the best candidate on objective k against the median candidate."""
    from experiments.optimise import LEVERS

    o = OUTCOMES[k]
    best = evaluations.loc[evaluations[k].idxmin()]
    median = float(evaluations[k].median())
    levers = ", ".join(f"{lv.short} {lever_value(lv.name, best[lv.name])}" for lv in LEVERS)
    if median and best[k] < median:
        against = (
            f", {(median - best[k]) / median:.1%} below the median candidate ({o.show(median)})"
        )
    else:
        against = ", the same as the median candidate"
    return f"**{o.label}**: best {o.show(best[k])} ({o.unit}){against}; with {levers}."


def _trade_off(front: pd.DataFrame) -> str:
    """Rank correlation on the front between speed and each cost objective."""
    if len(front) < 3:
        return "The front has too few candidates to read a trade-off from."
    parts: list[str] = []
    for k in ("icb_gini_end", "donor_pressure_end", "unplaced_moves"):
        rho = front["years_to_fair_share"].rank().corr(front[k].rank())
        if np.isnan(rho):
            continue
        direction = "rises" if rho > 0 else "falls"
        label = OUTCOMES[k].label
        parts.append(f"{label[0].lower() + label[1:]} {direction} (rank correlation {rho:+.2f})")
    if not parts:
        return "On the front every candidate takes as long to reach fair share: no trade-off shows."
    return (
        "Along the front, as the years to fair share grow: " + "; ".join(parts) + ". A "
        "negative correlation is a trade-off: getting to fair share sooner costs more of it."
    )


def optimise_blocks(
    result: SearchResult,
    search: Search,
    evaluations: pd.DataFrame,
    front: pd.DataFrame,
    db: str,
) -> list[rep.Block]:
    """The report's content: summary first, then the front, figures and method."""
    from experiments.optimise import LEVERS, OBJECTIVES

    n, seeds = len(evaluations), len(search.seeds)
    start = BASE_YEAR
    blocks: list[rep.Block] = [
        rep.Heading(f"Which levers reach fair share, and at what cost: {search.base.name}", 1),
        rep.warning_block(None if search.data is None else f"data directory {search.data}"),
        rep.Heading("Summary"),
        rep.Para(
            f"We searched {n} combinations of five policy levers applied to the "
            f"`{search.base.name}` scenario, each simulated on the same {seeds} random seeds for "
            f"{search.years} years, for the best balance of four goals: reach fair share soon, "
            "even out consultant supply across ICBs, spare trainees in the regions that give "
            "posts up, and avoid moves no receiving trust can take. "
            f"**{len(front)} of the {n} combinations are not beaten on all four goals at once** "
            "(the Pareto front): choosing between them is a judgement about which goal matters "
            "more."
        ),
        rep.Bullets(
            [
                *(_best(evaluations, k) for k in OBJECTIVES[:2]),
                _trade_off(front),
            ]
        ),
        rep.Para(rep.INTERVALS_TEXT),
        rep.Heading("The Pareto front"),
        rep.Para(
            "One row per front candidate, fastest to fair share first; objective values are "
            "means over the seeds with their 95% interval."
        ),
        rep.Table(
            [
                "Trial",
                *(lv.short.capitalize() for lv in LEVERS),
                *(OUTCOMES[k].heading for k in OBJECTIVES),
            ],
            [
                [
                    str(int(r["trial"])),
                    *(lever_value(lv.name, r[lv.name]) for lv in LEVERS),
                    *(_with_ci(r, k) for k in OBJECTIVES),
                ]
                for _, r in front.iterrows()
            ],
        ),
        rep.Heading("Figures"),
        *(rep.Figure(file, caption) for file, caption in FIGURES.values()),
        rep.Heading("Levers searched"),
        rep.Table(
            ["Lever", "Scenario field", "Range searched"],
            [
                [
                    lv.label,
                    f"`{lv.path}`",
                    f"{lever_value(lv.name, lv.low)} to {lever_value(lv.name, lv.high)}",
                ]
                for lv in LEVERS
            ],
        ),
        rep.Heading("Objectives (all minimised)"),
        rep.Bullets([f"**{OUTCOMES[k].heading}**: {OUTCOMES[k].definition}." for k in OBJECTIVES]),
        rep.Heading("Method"),
        rep.Bullets(
            [
                "Search: Optuna's NSGA-II multi-objective sampler; each generation's candidates "
                "are asked at once and run in parallel on the sweep executors (local process "
                "pool or Dask).",
                f"Every candidate runs on seeds {', '.join(map(str, search.seeds))} (common "
                "random numbers), from August " + f"{start} for {search.years} years.",
                f"Every run is in the results store `{db}`; the Optuna study `{result.study}` and "
                "the `optimise_evaluations` table are in the same database, so rerunning the "
                f"command resumes it ({result.resumed} trials were resumed, {result.new} new).",
                f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            ]
        ),
    ]
    return blocks


def _with_ci(row: pd.Series, k: str) -> str:
    o = OUTCOMES[k]
    low, high = row[f"{k}_low"], row[f"{k}_high"]
    if np.isnan(low):
        return o.show(row[k])
    return f"{o.show(row[k])} [{o.show(low)}, {o.show(high)}]"
