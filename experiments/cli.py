"""The `traineeflow` command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from experiments import (
    analyse_cli,
    calibrate_cli,
    compare_cli,
    hindcast_cli,
    optimise_cli,
    sensitivity_cli,
    sweep_cli,
    viz_cli,
)
from experiments.cli_common import (
    DataOpt,
    DbOpt,
    JsonOpt,
    ParamsOpt,
    RepOpt,
    ScenarioOpt,
    SeedOpt,
    YearsOpt,
    check_db,
    fail,
    load_inputs,
    open_store,
    out,
    progress_bar,
    user_errors,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate NHS England's specialty training pipeline.",
)


@app.command()
def run(
    scenario: ScenarioOpt = "baseline",
    years: YearsOpt = 25,
    seed: SeedOpt = 1,
    replicates: RepOpt = 1,
    db: DbOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Run a scenario: store its results, print a summary and draw a figure."""
    from experiments.write_targets import StoredThenFailed, after_storing, check_run_options

    with user_errors():  # the quick checks first, before the heavy imports
        check_run_options(years, seed, replicates, out_dir)
    from experiments.run_summary import summarise_runs
    from experiments.runner import replicate_seeds, run_replicates
    from results.figures import plot_run
    from sim.run import run_key

    with user_errors():
        check_db(db)
        world, sc = load_inputs(data, scenario, params)
        seeds = replicate_seeds(seed, replicates)
        store = open_store(db, out_dir)  # only once every input is known to be valid
    keys = [run_key(sc, x, years, world) for x in seeds]

    def stored() -> str:
        done = sum(store.has_run(k) for k in keys)
        return f"{done} of {len(keys)} run(s) of '{sc.name}' are stored in {store.url}."

    resume = "Free some space and run the same command again: stored runs are read, not re-run."
    start = time.perf_counter()
    try:
        with after_storing("storing the runs or drawing the figure", stored, resume):
            with progress_bar(
                years * replicates, f"{sc.name}: simulated years", sys.stderr.isatty()
            ) as tick:
                results = run_replicates(sc, seeds, years, world, store, tick)
            summary = summarise_runs(results, world)
            summary["wall_seconds"] = time.perf_counter() - start
            summary["db"] = store.url
            out_dir.mkdir(parents=True, exist_ok=True)
            figure = plot_run(results, world, out_dir / f"{sc.name}_regions.png")
    except StoredThenFailed as exc:
        fail(str(exc), code=1)
    finally:
        store.close()
    summary["figure"] = str(figure)
    if as_json:
        print(json.dumps(summary, indent=None))
        return
    print_summary(summary)


def print_summary(s: dict[str, Any]) -> None:
    """A readable summary of a run (or the mean of replicates)."""
    out.print(
        f"[bold]{s['scenario']}[/]: {s['years']} years from August {s['base_year']}, "
        f"{s['replicates']} replicate(s), seed {s['seed']}"
    )
    out.print(
        f"  CCT holders settling within 50 miles of training: {s['settled_within_50_miles']:.1%}"
        f"  (NHSE: about 80%)"
    )
    by_level = "  ".join(f"ST{k}: {v:.1%}" for k, v in sorted(s["fill_rate_by_level"].items()))
    out.print(
        f"  Recruitment fill rate: {s['fill_rate']:.1%} (first round by entry level {by_level})"
        f"   LTFT share: {s['ltft_share_end']:.1%}"
    )
    out.print(
        f"  Trainees at the end: {s['trainees_end']:,.0f}   consultants: "
        f"{s['consultants_end']:,.0f}"
    )
    vac = s["consultant_vacancy_rate"]
    gap = sum(s["consultant_supply_gap"].values())
    out.print(
        f"  Consultant market: vacancy rate {vac['start']:.1%} -> {vac['end']:.1%}, funded posts "
        f"without a consultant at the end {gap:,.0f}, CCT holders still seeking "
        f"{s['cct_seekers_end']:,.0f}, international recruits in the last year "
        f"{s['international_recruits_by_year'][-1]:,.0f}"
    )
    out.print(
        f"  Posts moved by the programme: {s['posts_moved']['total']:,.0f}   fair-share gap: "
        f"{s['fair_share_gap']['start']:.1%} -> {s['fair_share_gap']['end']:.1%}"
    )
    out.print(
        f"  IDT: {s['idt']['placed']:,.0f} placed of {s['idt']['applications']:,.0f} applications"
    )
    table = Table(title="Regions at the end (coverage = consultant share / need share)")
    cols = ("region", "posts", "trainees", "consultants", "need share", "coverage", "years to 5%")
    for col in cols:
        table.add_column(col, justify="right" if col != "region" else "left")
    for name, r in s["regions"].items():
        within = s["years_to_fair_share"][name]
        table.add_row(
            name,
            f"{r['posts']:,.0f}",
            f"{r['trainees']:,.0f}",
            f"{r['consultants']:,.0f}",
            f"{r['need_share']:.1%}",
            f"{r['coverage']:.2f}",
            "not yet" if within is None else f"{within:.0f}",
        )
    out.print(table)
    out.print(
        f"  {s['person_months'] / 1e6:.1f} million agent-months in {s['seconds']:.1f} s; "
        f"results in {s['db']}; figure {s['figure']}"
    )


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    from sim.scenario import bundled_descriptions

    for name, description in bundled_descriptions().items():
        out.print(f"[bold]{name}[/]: {description}", highlight=False)


app.command("calibrate")(calibrate_cli.calibrate)
app.command("compare")(compare_cli.compare)
app.command("sensitivity")(sensitivity_cli.sensitivity)
app.command("sweep")(sweep_cli.sweep)
app.command("viz")(viz_cli.viz)
app.command("analyse")(analyse_cli.analyse)
app.command("optimise")(optimise_cli.optimise)
app.command("hindcast")(hindcast_cli.hindcast)


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
