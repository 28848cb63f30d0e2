"""`traineeflow optimise`: the Pareto front of the programme's policy levers, with a report."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from experiments.cli_common import (
    DataOpt,
    DbOpt,
    JsonOpt,
    ParamsOpt,
    SeedOpt,
    YearsOpt,
    check_db,
    check_executor,
    lazy_executor,
    load_params_file,
    out,
    print_json,
    progress_bar,
    user_errors,
)
from sim.inputs import InputError, check_int

MAX_BUDGET = 10_000  # trials one command may ask for


def store_url(db: str | None, out_dir: Path) -> str:
    """The database URL in full (Optuna needs it unmasked): --db, or the SQLite file in --out."""
    if db is not None:
        return db
    return f"sqlite:///{(out_dir / 'results.sqlite').expanduser().resolve()}"


def optimise(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Base scenario the levers are applied to.")
    ] = "msd_programme",
    budget: Annotated[int, typer.Option(help="Candidates (trials) to evaluate in all.")] = 40,
    population: Annotated[
        int | None,
        typer.Option(help="NSGA-II population per generation (default: budget / 4, 4 to 20)."),
    ] = None,
    years: YearsOpt = 15,
    replicates: Annotated[
        int, typer.Option(help="Common seeds every candidate runs on (objectives are means).")
    ] = 2,
    seed: SeedOpt = 1,
    executor: Annotated[
        str, typer.Option(help="local: a process pool; dask: a Dask distributed cluster.")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a LocalCluster).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: CPUs).")] = None,
    db: DbOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder (front, figures, report, SQLite store).")
    ] = Path("out/optimise"),
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Search pace, capacity growth, expansion, incentives and target level for a Pareto front."""
    from experiments.cli_common import open_store
    from experiments.optimise import OBJECTIVES, Search, as_record
    from experiments.optimise import optimise as run_search
    from experiments.runner import replicate_seeds
    from experiments.write_targets import check_run_options
    from sim.scenario import load_scenario
    from sim.world import World

    with user_errors():
        check_int("--budget", budget, 1, MAX_BUDGET)
        check_run_options(years, seed, replicates, out_dir)
        check_db(db)
        if population is not None and population < 2:
            raise InputError(f"--population must be at least 2 (got {population})")
        check_executor(executor, scheduler, workers)
        values = load_params_file(params)
        load_scenario(scenario, None, values)
        world = World.load(data)
        base = load_scenario(scenario, world, values)
        store = open_store(db, out_dir)  # only once every input is known to be valid
    pop = population or max(4, min(20, budget // 4))
    search = Search(base, years, replicate_seeds(seed, replicates), world, data)
    start = time.perf_counter()
    with ExitStack() as stack:
        executor_once = stack.enter_context(lazy_executor(executor, scheduler, workers, data))
        tick = stack.enter_context(
            progress_bar(budget * replicates, "candidate runs", sys.stderr.isatty())
        )
        try:
            result = run_search(
                search, store, store_url(db, out_dir), budget, pop, seed, executor_once, tick
            )
        finally:
            store.close()
    search_seconds = time.perf_counter() - start
    from results.optimise_report import write_optimise_report

    files = write_optimise_report(result, search, out_dir, store.url)
    by_trial = {ev.trial: as_record(ev) for ev in result.evaluations}
    summary = {
        "study": result.study,
        "base": base.name,
        "budget": budget,
        "population": pop,
        "years": years,
        "seeds": search.seeds,
        "objectives": list(OBJECTIVES),
        "front": [by_trial[t] for t in result.front],
        "evaluations": list(by_trial.values()),
        "trials": {"resumed": result.resumed, "new": result.new},
        "report": {k: str(v) for k, v in files.items()},
        "db": store.url,
        "search_seconds": search_seconds,
        "wall_seconds": time.perf_counter() - start,
    }
    if as_json:
        print_json(summary)
        return
    out.print(
        f"[bold]{base.name}[/]: {len(result.evaluations)} candidates ({result.new} new, "
        f"{result.resumed} resumed from the store) on {len(search.seeds)} seeds x {years} years; "
        f"{len(result.front)} on the Pareto front. Report {files['html']}; "
        f"{search_seconds:.0f} s.",
        highlight=False,
    )
