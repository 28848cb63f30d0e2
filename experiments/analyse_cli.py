"""`traineeflow analyse EXPERIMENT`: tables, figures, feature scores and PRIM for a stored sweep."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from experiments.cli_common import DataOpt, JsonOpt, out, print_json, user_errors
from sim.inputs import InputError

if TYPE_CHECKING:
    import pandas as pd

    from experiments.spec import Experiment
    from results.store import ResultStore
    from results.sweep_analysis import Threshold

DEFAULT_DB = Path("out") / "results.sqlite"  # where `traineeflow sweep` stores by default


def _open_existing(db: str | None) -> ResultStore:
    """The store at --db (or the sweep's default SQLite file); never creates a new file."""
    from results.store import ResultStore

    if db is None:
        if not DEFAULT_DB.is_file():
            raise InputError(
                f"no results database at {DEFAULT_DB} (the sweep default); pass --db URL"
            )
        return ResultStore(path=DEFAULT_DB)
    if db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        if not path.is_file():
            raise InputError(f"--db {db!r}: no such SQLite file {path}")
    return ResultStore(url=db)


def analyse(
    experiment: Annotated[
        str, typer.Argument(help="Experiment TOML file or bundled name (phase_pacing).")
    ],
    db: Annotated[
        str | None,
        typer.Option(help=f"Results database URL of the sweep (default: {DEFAULT_DB})."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: out/analyse-NAME).")
    ] = None,
    threshold: Annotated[
        str,
        typer.Option(help="Runs of interest for PRIM: OUTCOME>VALUE or OUTCOME<VALUE."),
    ] = "fair_share_gap_end>0.02",
    year: Annotated[
        int | None, typer.Option(help="Year the *_end outcomes are read at (default: the end).")
    ] = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """Analyse a stored sweep: outcomes vs parameters, feature scores, scenario discovery."""
    from experiments.spec import load_experiment
    from experiments.write_targets import check_out_dir
    from results.experiment_tables import read_plan
    from results.sweep_analysis import Threshold, ThresholdError
    from sim.world import World

    start = time.perf_counter()
    with user_errors():
        try:
            rule = Threshold.parse(threshold)
        except ThresholdError as exc:
            raise InputError(str(exc)) from None
        world = World.load(data)
        exp = load_experiment(experiment, world)
        check_out_dir(out_dir or Path("out") / f"analyse-{exp.spec.name}")
        store = _open_existing(db)
    name = exp.spec.name
    try:
        plan = read_plan(store, name)
        with user_errors():
            if plan.empty:
                raise InputError(
                    f"{store.url} holds no sweep of experiment {name!r}: run "
                    f"`traineeflow sweep {experiment} --db ...` first"
                )
        keys = plan["run_key"].tolist()
        summary = store.summary(keys)
        region_year, icb_year = store.region_year(keys), store.icb_year(keys)
    finally:
        store.close()
    with user_errors():
        if summary.empty or region_year.empty:
            raise InputError(
                f"the sweep {name!r} in {store.url} has no completed runs with region_year "
                'tables (keep `tables = ["region_year", "icb_year"]` in [outcomes])'
            )
        first, last = int(region_year["year"].min()), int(region_year["year"].max())
        if year is not None and not first <= year <= last:
            raise InputError(f"--year must be within the runs' years {first}..{last} (got {year})")
    folder = out_dir or Path("out") / f"analyse-{name}"
    result = run_analysis(
        exp,
        plan,
        summary,
        region_year,
        icb_year,
        year,
        rule,
        folder,
        store.url,
        None if data is None else str(data),
    )
    result["seconds"] = time.perf_counter() - start
    if as_json:
        print_json(result)
        return
    out.print(
        f"[bold]{name}[/]: {result['runs']} runs analysed; PRIM: {result['prim']['summary']} "
        f"Report {result['report']['html']} ({result['seconds']:.0f} s).",
        highlight=False,
    )


def run_analysis(
    exp: Experiment,
    plan: pd.DataFrame,
    summary: pd.DataFrame,
    region_year: pd.DataFrame,
    icb_year: pd.DataFrame,
    year: int | None,
    rule: Threshold,
    folder: Path,
    db: str,
    data: str | None,
) -> dict[str, Any]:
    """Compute, draw and write everything; return the JSON summary."""
    from results.analyse_figures import (
        plot_feature_scores,
        plot_outcomes_vs_parameters,
        plot_prim,
    )
    from results.analyse_report import (
        FIGURES,
        AnalyseContext,
        analyse_blocks,
        box_text,
        parameter_label,
        write_tables,
    )
    from results.report import write_report
    from results.sweep_analysis import ANALYSED, feature_scores, features, prim_box, run_frame

    scenarios = [s.name for s in exp.scenarios]
    parameters = list(exp.parameters)
    frame, at = run_frame(plan, summary, region_year, icb_year, year)
    x = features(frame, parameters, scenarios)
    y = rule.holds(frame[rule.outcome])
    scores = feature_scores(x, frame, list(ANALYSED))
    prim = prim_box(x, y, rule)
    context = AnalyseContext(
        experiment=exp.spec.name,
        description=exp.spec.description,
        scenarios=scenarios,
        parameters=parameters,
        frame=frame,
        year=at,
        end_year=int(region_year["year"].max()),
        scores=scores,
        prim=prim,
        db=db,
        data=data,
    )
    folder.mkdir(parents=True, exist_ok=True)
    labels = {f: parameter_label(f) for f in x.columns}
    shown = ["fair_share_gap_end", "years_to_fair_share", "icb_gini_end", "unplaced_moves"]
    if rule.outcome not in shown:
        shown[0] = rule.outcome
    plot_outcomes_vs_parameters(
        frame,
        shown,
        {p: labels[p] for p in parameters},
        scenarios,
        at,
        rule,
        folder / FIGURES["outcomes"],
    )
    plot_feature_scores(scores, labels, folder / FIGURES["scores"])
    plot_prim(x, y, prim, labels, scenarios, rule.describe(at), folder / FIGURES["prim"])
    files = write_tables(context, folder)
    md, page = write_report(
        analyse_blocks(context), f"traineeflow analyse: {exp.spec.name}", folder
    )
    return {
        "experiment": exp.spec.name,
        "runs": len(frame),
        "year": at,
        "threshold": str(rule),
        "threshold_text": rule.describe(at),
        "prim": {
            "summary": box_text(context),
            "cases": prim.cases,
            "box": {
                str(k): {"min": float(r["min"]), "max": float(r["max"])}
                for k, r in prim.limits.iterrows()
            },
            "coverage": None
            if prim.chosen is None
            else float(prim.trajectory.loc[prim.chosen, "coverage"]),
            "density": None
            if prim.chosen is None
            else float(prim.trajectory.loc[prim.chosen, "density"]),
        },
        "feature_scores": {str(c): scores[c].to_dict() for c in scores.columns},
        "report": {
            "markdown": str(md),
            "html": str(page),
            "figures": [str(folder / f) for f in FIGURES.values()],
            **{k: str(v) for k, v in files.items()},
        },
        "db": db,
    }
