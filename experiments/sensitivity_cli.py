"""`traineeflow sensitivity`: Morris or Sobol indices of policy outcomes (SALib, executors)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from experiments.cli_common import (
    DataOpt,
    DbOpt,
    ExecutorOpt,
    JsonOpt,
    ParamsOpt,
    SchedulerOpt,
    WorkersOpt,
    check_db,
    check_executor,
    err,
    fail,
    lazy_executor,
    load_inputs,
    open_store,
    out,
    print_json,
    progress_bar,
    user_errors,
)
from sim.inputs import MAX_TRAJECTORIES, InputError, check_int, check_years

SALIB_MAX_SEED = 2**32 - 1  # SALib seeds NumPy's legacy generator, which takes 32 bits
MAX_SAMPLES = 2**16  # Sobol base samples (x (d + 2) points, x 2 scenarios runs)


def sensitivity(
    method: Annotated[str, typer.Option(help="morris (screening) or sobol (S1, ST).")] = "morris",
    trajectories: Annotated[int, typer.Option(help="Morris trajectories.")] = 4,
    samples: Annotated[int, typer.Option(help="Sobol base samples (a power of 2).")] = 64,
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Programme scenario (the effect's arm).")
    ] = "msd_programme",
    base: Annotated[str, typer.Option(help="Base scenario (no redistribution).")] = "baseline",
    years: Annotated[int, typer.Option(help="Years per run.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the sample and of every run.")] = 1,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    db: DbOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder (indices, figure, SQLite store).")
    ] = Path("out/sensitivity"),
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Which uncertain world parameters move the programme's effect, coverage and inequality."""
    from experiments.write_targets import check_out_dir

    with user_errors():
        if method not in ("morris", "sobol"):
            raise InputError(f"--method must be 'morris' or 'sobol' (got {method!r})")
        check_int("--trajectories", trajectories, 1, MAX_TRAJECTORIES)
        check_int("--samples", samples, 2, MAX_SAMPLES)
        if samples & (samples - 1):
            raise InputError(f"--samples must be a power of 2 (got {samples})")
        check_years(years, "--years")
        check_int("--seed", seed, 0, SALIB_MAX_SEED)
        check_executor(executor, scheduler, workers)
        check_out_dir(out_dir)
        check_db(db)
        world, programme = load_inputs(data, scenario, params)
        _, base_sc = load_inputs(data, base, params)
        store = open_store(db, out_dir)  # only once every input is known to be valid
    from calibration.sensitivity import RANGES, model_evaluator, run_sensitivity
    from calibration.sensitivity_report import write
    from experiments.batch import BatchError

    n = trajectories if method == "morris" else samples
    d = len(RANGES)
    points = n * (d + 1) if method == "morris" else n * (d + 2)
    start = time.perf_counter()
    try:
        with (
            lazy_executor(executor, scheduler, workers, data) as get,
            progress_bar(2 * points, "sensitivity runs", sys.stderr.isatty()) as tick,
        ):
            evaluate = model_evaluator(
                base_sc, programme, years, seed, world, store, get, data, tick
            )
            res, _, _ = run_sensitivity(method, n, seed, evaluate)  # type: ignore[arg-type]
    except BatchError as exc:
        fail(str(exc), code=1)
    finally:
        store.close()
    summary: dict[str, Any] = {
        "method": method,
        "n": n,
        "points": res.evaluations,
        "runs": 2 * res.evaluations,
        "base": base_sc.name,
        "scenario": programme.name,
        "years": years,
        "seed": seed,
        "ranges": {k: [lo, hi] for k, (lo, hi, _) in RANGES.items()},
        "indices": res.rows,
        "ranking": {o: res.ranking(o) for o in dict.fromkeys(r["outcome"] for r in res.rows)},
        "warnings": res.warnings,
        "db": store.url,
        "seconds": time.perf_counter() - start,
    }
    summary["files"] = {k: str(v) for k, v in write(res, summary, out_dir).items()}
    for w in res.warnings:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)
    if as_json:
        print_json(summary)
        return
    _print(summary)


def _print(s: dict[str, Any]) -> None:
    out.print(
        f"[bold]{s['method']}[/]: {s['points']} points x 2 scenarios ({s['base']}, "
        f"{s['scenario']}) x {s['years']} years, seed {s['seed']}; ranges:",
        highlight=False,
    )
    for k, (lo, hi) in s["ranges"].items():
        out.print(f"  {k}: {lo:g} to {hi:g}", highlight=False)
    sobol = s["method"] == "sobol"
    for outcome, order in s["ranking"].items():
        table = Table(title=outcome)
        cols = ("S1", "S1 95%", "ST", "ST 95%") if sobol else ("mu*", "mu* 95%", "sigma")
        for c in ("parameter", *cols):
            table.add_column(c, justify="left" if c == "parameter" else "right")
        rows = {r["parameter"]: r for r in s["indices"] if r["outcome"] == outcome}
        for par in order:
            r = rows[par]
            if sobol:
                cells = [
                    f"{r['S1']:.3f}",
                    f"±{r['S1_conf']:.3f}",
                    f"{r['ST']:.3f}",
                    f"±{r['ST_conf']:.3f}",
                ]
            else:
                cells = [f"{r['mu_star']:.4g}", f"±{r['mu_star_conf']:.3g}", f"{r['sigma']:.4g}"]
            table.add_row(par, *cells)
        out.print(table)
    out.print(f"  figure {s['files']['figure']}; runs in {s['db']}", highlight=False)
