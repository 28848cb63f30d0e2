"""`traineeflow compare BASE OTHER...`: paired differences between scenarios, with a report.

Every scenario runs on the same replicate seeds (common random numbers); runs already in the
store are read back instead of re-run. The output folder gets ``report.md``, ``report.html``
and the PNG figures; ``--json`` prints the numbers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from experiments.cli_common import (
    DataOpt,
    DbOpt,
    ExecutorOpt,
    JsonOpt,
    ParamsOpt,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    YearsOpt,
    check_db,
    check_executor,
    fail,
    lazy_executor,
    load_params_file,
    open_store,
    out,
    print_json,
    progress_bar,
    user_errors,
)
from sim.inputs import InputError

if TYPE_CHECKING:
    from sim.outputs import RunResult


def compare(
    base: Annotated[str, typer.Argument(help="Base scenario: bundled name or TOML file.")],
    others: Annotated[list[str], typer.Argument(help="Scenarios to compare with the base.")],
    replicates: Annotated[
        int, typer.Option(help="Replicates (shared seeds) per scenario; at least 2.")
    ] = 5,
    years: YearsOpt = 25,
    seed: SeedOpt = 1,
    db: DbOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder (report, figures, default SQLite store).")
    ] = Path("out"),
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Compare scenarios on common random numbers: paired differences and a report."""
    from experiments.write_targets import StoredThenFailed, after_storing, check_run_options

    with user_errors():  # the quick checks first, before the heavy imports
        check_run_options(years, seed, replicates, out_dir)
        if replicates < 2:
            raise InputError("--replicates must be at least 2 to give intervals")
        check_executor(executor, scheduler, workers)
    from experiments.batch import BatchError, Design, run_design
    from experiments.compare_analysis import FIGURES, analyse, draw_figures, provenance
    from experiments.runner import replicate_seeds
    from results.analysis import HEADLINE, canonical
    from results.report import CompareContext, compare_blocks, write_report
    from sim.run import run_key
    from sim.scenario import load_scenario
    from sim.world import World

    with user_errors():
        check_db(db)
        values = load_params_file(params)
        for name in [base, *others]:  # each file's own structure first: quick, needs no data
            load_scenario(name, None, values)
        world = World.load(data)
        scenarios = [load_scenario(name, world, values) for name in [base, *others]]
        names = [s.name for s in scenarios]
        if len(set(names)) != len(names):
            raise InputError(f"scenario names must differ (got {', '.join(names)})")
        seeds = replicate_seeds(seed, replicates)
        store = open_store(db, out_dir)  # only once every input is known to be valid
    keys = [run_key(s, x, years, world) for s in scenarios for x in seeds]

    def stored() -> str:
        done = sum(store.has_run(k) for k in keys)
        return f"{done} of {len(keys)} run(s) are stored in {store.url}."

    resume = "Free some space and run the same command again: stored runs are read, not re-run."
    start = time.perf_counter()
    runs: dict[str, list[RunResult]] = {}
    try:
        with after_storing("storing the runs or writing the report", stored, resume):
            design = Design("compare", scenarios, years, seed, replicates)
            with (
                progress_bar(len(keys), "runs", sys.stderr.isatty()) as tick,
                lazy_executor(executor, scheduler, workers, data) as get,
            ):
                batch = run_design(design, world, store, get, data, tick)
            for i, sc in enumerate(scenarios):
                runs[sc.name] = [canonical(r) for r in batch.runs(i)]
            reused = batch.reused
            run_seconds = time.perf_counter() - start
            regions = dict(zip(world.region_codes, world.data.regions["region_name"], strict=True))
            result = analyse(runs, regions)
            out_dir.mkdir(parents=True, exist_ok=True)
            files = draw_figures(runs, world, out_dir)
            prov = provenance(world, data, store.url, len(keys) - reused, reused)
        first = runs[names[0]][0]
        context = CompareContext(
            base=names[0],
            others=names[1:],
            descriptions={s.name: s.description for s in scenarios},
            master_seed=seed,
            seeds=seeds,
            years=years,
            base_year=first.base_year,
            comparisons={o: c["metrics"] for o, c in result["comparisons"].items()},
            regions=regions,
            coverage_end=result["coverage_end"],
            years_within=result["years_to_fair_share"],
            figures=[(FIGURES[k][0], FIGURES[k][1]) for k in FIGURES],
            provenance=prov,
        )
        md, page = write_report(
            compare_blocks(context), f"traineeflow: {' vs '.join(names)}", out_dir
        )
    except StoredThenFailed as exc:
        fail(str(exc), code=1)
    except BatchError as exc:
        fail(str(exc), code=1)
    finally:
        store.close()
    summary = {
        "base": names[0],
        "others": names[1:],
        "seed": seed,
        "seeds": seeds,
        "replicates": replicates,
        "years": years,
        "base_year": first.base_year,
        "end_year": first.base_year + years,
        "headline_metric": HEADLINE,
        **result,
        "run_keys": {s: [r.run_key for r in rs] for s, rs in runs.items()},
        "runs": {"simulated": len(keys) - reused, "reused": reused},
        "report": {
            "markdown": str(md),
            "html": str(page),
            "figures": [str(out_dir / f) for f in files],
        },
        "provenance": prov,
        "db": store.url,
        "run_seconds": run_seconds,
        "wall_seconds": time.perf_counter() - start,
    }
    if as_json:
        print_json(summary)
        return
    print_comparison(summary)


def print_comparison(s: dict[str, Any]) -> None:
    """The headline table per compared scenario, and where the report is."""
    from results.report import fmt, fmt_ci

    out.print(
        f"[bold]{', '.join(s['others'])}[/] against [bold]{s['base']}[/]: "
        f"{s['replicates']} replicates x {s['years']} years on seeds {s['seeds']}",
        highlight=False,
    )
    for other, comp in s["comparisons"].items():
        table = Table(
            title=f"{other} minus {s['base']} (paired 95% intervals; unpaired ones in the report)"
        )
        for col in ("outcome", "base", "other", "difference", "95% interval"):
            table.add_column(col, justify="left" if col == "outcome" else "right")
        for name, v in comp["metrics"].items():
            table.add_row(
                name,
                fmt(v["mean_base"]),
                fmt(v["mean_other"]),
                fmt(v["diff"]),
                fmt_ci(v["ci_paired"]),
            )
        out.print(table)
    runs = s["runs"]
    out.print(
        f"  {runs['simulated']} runs simulated, {runs['reused']} read from {s['db']} "
        f"in {s['run_seconds']:.1f} s; report {s['report']['html']} (and report.md, "
        f"{len(s['report']['figures'])} figures); {s['wall_seconds']:.1f} s in all",
        highlight=False,
    )
