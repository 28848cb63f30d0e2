"""The `analyse` report: a stored sweep read as a policy reader needs it, summary first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from results.metrics import mean_ci
from results.outcomes import OUTCOMES
from results.report import (
    INTERVALS_TEXT,
    Block,
    Bullets,
    Figure,
    Heading,
    Para,
    Table,
    warning_block,
)
from results.sweep_analysis import PRIM_DENSITY, SCENARIO, PrimResult, by_point

FIGURES = {
    "outcomes": "analyse_outcomes_vs_parameters.png",
    "scores": "analyse_feature_scores.png",
    "prim": "analyse_prim.png",
}


def parameter_label(dotted: str) -> str:
    """'policy.programme.capacity_growth' -> 'Capacity growth (policy.programme)'."""
    if dotted == SCENARIO:
        return "Scenario (position in the experiment)"
    head, _, last = dotted.rpartition(".")
    return f"{last.replace('_', ' ').capitalize()} ({head})"


@dataclass
class AnalyseContext:
    """Everything the report shows."""

    experiment: str
    description: str
    scenarios: list[str]
    parameters: list[str]
    frame: pd.DataFrame  # one row per run: plan columns + outcomes
    year: int
    end_year: int
    scores: pd.DataFrame
    prim: PrimResult
    db: str
    data: str | None


def _label(name: str, year: int) -> str:
    o = OUTCOMES[name]
    when = f" in {year}" if name.endswith("_end") else ""
    return f"{o.label}{when} ({o.unit})"


def _mean_text(name: str, values: pd.Series) -> str:
    o = OUTCOMES[name]
    mean, low, high = mean_ci(values.to_numpy(float))
    if np.isnan(low):
        return o.show(mean)
    return f"{o.show(mean)} [{o.show(low)}, {o.show(high)}]"


def box_text(c: AnalyseContext) -> str:
    """One sentence on the PRIM result for the summary."""
    p = c.prim
    what = p.threshold.describe(c.year)
    if p.cases == 0:
        return f"No run has {what}: the programme meets that bar in every run."
    if p.cases == p.runs:
        return f"Every run has {what}: no uncertainty explored rescues it."
    lead = f"{p.cases} of {p.runs} runs ({p.cases / p.runs:.0%}) have {what}."
    if p.chosen is None or p.limits.empty:
        return lead + " PRIM found no region of the parameters where they concentrate."
    row = p.trajectory.loc[p.chosen]
    return (
        f"{lead} They concentrate where {_conditions(c)}: that box holds "
        f"{row['coverage']:.0%} of them (coverage), and {row['density']:.0%} of the runs in it "
        "cross the threshold (density)."
    )


def _conditions(c: AnalyseContext) -> str:
    parts = []
    for feature, r in c.prim.limits.iterrows():
        if feature == SCENARIO:
            names = c.scenarios[int(np.ceil(r["min"] - 1e-9)) : int(np.floor(r["max"] + 1e-9)) + 1]
            parts.append(f"the scenario is {' or '.join(f'`{n}`' for n in names)}")
        else:
            label = parameter_label(str(feature)).split(" (")[0].lower()
            parts.append(f"{label} is between {r['min']:.3g} and {r['max']:.3g}")
    return "; ".join(parts)


def _driver_text(c: AnalyseContext) -> str:
    name = c.prim.threshold.outcome
    if name not in c.scores.columns or c.scores.empty:
        return f"The runs do not vary in {OUTCOMES[name].label.lower()}: no driver to score."
    top = c.scores[name].sort_values(ascending=False)
    first = parameter_label(str(top.index[0])).split(" (")[0]
    return (
        f"**{first}** explains most of the variation in {OUTCOMES[name].label.lower()} "
        f"(feature score {top.iloc[0]:.2f} of 1; next: "
        f"{parameter_label(str(top.index[1])).split(' (')[0].lower()} {top.iloc[1]:.2f})."
        if len(top) > 1
        else f"**{first}** is the only feature scored ({top.iloc[0]:.2f})."
    )


def _scenario_text(c: AnalyseContext) -> str:
    name = c.prim.threshold.outcome
    o = OUTCOMES[name]
    base = c.scenarios[0]
    means = c.frame.groupby("scenario")[name].mean()
    parts = [f"`{base}` {o.show(means[base])}"]
    for sc in c.scenarios[1:]:
        diff = means[sc] - means[base]
        pct = f", {diff / abs(means[base]):+.0%}" if means[base] else ""
        parts.append(f"`{sc}` {o.show(means[sc])} ({o.show_diff(diff)}{pct} against `{base}`)")
    return f"{_label(name, c.year)}, mean over all points: " + ", ".join(parts) + "."


def analyse_blocks(c: AnalyseContext) -> list[Block]:
    """The report's content."""
    n_points = c.frame["point"].nunique()
    reps = int(c.frame.groupby(["scenario", "point"]).size().max())
    outcomes = [k for k in OUTCOMES if k in c.frame.columns]
    blocks: list[Block] = [
        Heading(f"When does the programme miss its goal? Sweep `{c.experiment}`", 1),
        warning_block(c.data),
        Heading("Summary"),
        Para(
            f"{c.description} We analysed {len(c.frame)} stored runs: {len(c.scenarios)} "
            f"scenarios ({', '.join(f'`{s}`' for s in c.scenarios)}) at {n_points} points of "
            f"{len(c.parameters)} uncertain parameters, {reps} replicate seed(s) each, looking at "
            f"{c.year} (the runs end in {c.end_year})."
        ),
        Bullets([box_text(c), _driver_text(c), _scenario_text(c)]),
        Para(INTERVALS_TEXT),
        Heading("Outcomes by scenario"),
        Table(
            ["Outcome", *c.scenarios],
            [
                [
                    _label(k, c.year),
                    *(_mean_text(k, c.frame.loc[c.frame["scenario"] == s, k]) for s in c.scenarios),
                ]
                for k in outcomes
            ],
        ),
        Heading("Scenario discovery (PRIM)"),
        Para(
            f"Runs of interest: {c.prim.threshold.describe(c.year)} (`{c.prim.threshold}`). "
            f"PRIM peels the parameter space to boxes where these runs concentrate; we report "
            f"the widest box in which at least {PRIM_DENSITY:.0%} of runs cross (or the densest "
            "if none does)."
        ),
        _prim_table(c),
        Heading("Feature scores"),
        Para(
            "Extra-trees feature scores (EMA workbench): the share of each outcome's variation "
            "across runs each uncertainty explains (columns sum to 1)."
        ),
        Table(
            ["Uncertainty", *(OUTCOMES[k].label for k in c.scores.columns)],
            [
                [parameter_label(str(f)), *(f"{v:.2f}" for v in row)]
                for f, row in c.scores.iterrows()
            ],
        ),
        Heading("Each outcome against each parameter"),
        *_point_tables(c, outcomes[:4]),
        Heading("Figures"),
        Figure(
            FIGURES["outcomes"],
            "Outcomes at each parameter point by scenario; whiskers: "
            "95% interval of the mean over replicates; red dashes: the threshold.",
        ),
        Figure(FIGURES["scores"], "Feature scores: which uncertainty drives which outcome."),
        Figure(
            FIGURES["prim"],
            "PRIM: the trade-off between coverage and density while "
            "peeling (left) and the runs with the reported box (right).",
        ),
        Heading("Method"),
        Bullets(
            [
                "Runs, swept values and outcomes are read from the results store "
                f"`{c.db}` (tables `summary`, `region_year`, `icb_year`, `experiment_runs`, "
                "`experiment_points`).",
                "PRIM (Friedman and Fisher 1999) and feature scoring from the EMA workbench "
                "(ema_workbench); the scenario enters both as its position in the experiment.",
                f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `traineeflow analyse`.",
            ]
        ),
        Heading("Outcome definitions", 3),
        Bullets([f"**{OUTCOMES[k].label}**: {OUTCOMES[k].definition}." for k in outcomes]),
    ]
    return blocks


def _prim_table(c: AnalyseContext) -> Block:
    p = c.prim
    if p.chosen is None or p.limits.empty:
        return Para(box_text(c))
    rows = []
    for feature, r in p.limits.iterrows():
        if feature == SCENARIO:
            names = c.scenarios[int(np.ceil(r["min"] - 1e-9)) : int(np.floor(r["max"] + 1e-9)) + 1]
            rows.append([parameter_label(SCENARIO), ", ".join(names), ", ".join(c.scenarios)])
        else:
            rows.append(
                [
                    parameter_label(str(feature)),
                    f"{r['min']:.3g} to {r['max']:.3g}",
                    f"{r['low']:.3g} to {r['high']:.3g}",
                ]
            )
    return Table(["Uncertainty", "Box", "Whole sweep"], rows)


def _point_tables(c: AnalyseContext, outcomes: list[str]) -> list[Block]:
    points = c.frame.drop_duplicates("point").set_index("point")[c.parameters]
    blocks: list[Block] = []
    for k in outcomes:
        stats = by_point(c.frame, k).sort_values(["scenario", "point"], kind="stable")
        o = OUTCOMES[k]
        rows = []
        for _, r in stats.iterrows():
            values = [f"{points.loc[r['point'], p]:.3g}" for p in c.parameters]
            ci = "n/a" if np.isnan(r["low"]) else f"[{o.show(r['low'])}, {o.show(r['high'])}]"
            rows.append([f"`{r['scenario']}`", *values, o.show(r["mean"]), ci])
        blocks += [
            Heading(_label(k, c.year), 3),
            Table(
                [
                    "Scenario",
                    *(parameter_label(p).split(" (")[0] for p in c.parameters),
                    "Mean",
                    "95% interval",
                ],
                rows,
            ),
        ]
    return blocks


def write_tables(c: AnalyseContext, folder: Path) -> dict[str, Path]:
    """CSV files: per-run outcomes, per-point intervals, feature scores and the PRIM box."""
    files = {
        "runs_csv": folder / "runs.csv",
        "points_csv": folder / "points.csv",
        "feature_scores_csv": folder / "feature_scores.csv",
        "prim_box_csv": folder / "prim_box.csv",
    }
    c.frame.to_csv(files["runs_csv"], index=False)
    outcomes = [k for k in OUTCOMES if k in c.frame.columns]
    pd.concat([by_point(c.frame, k).assign(outcome=k) for k in outcomes]).to_csv(
        files["points_csv"], index=False
    )
    c.scores.to_csv(files["feature_scores_csv"])
    c.prim.limits.to_csv(files["prim_box_csv"])
    return files
