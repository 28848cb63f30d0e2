"""`traineeflow calibrate`: check the targets, or fit named parameters to all of them (Optuna)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from experiments.cli_common import (
    DataOpt,
    DbOpt,
    ExecutorOpt,
    JsonOpt,
    ParamsOpt,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    check_db,
    check_executor,
    fail,
    lazy_executor,
    load_inputs,
    open_store,
    out,
    print_json,
    progress_bar,
    user_errors,
)
from sim.inputs import InputError, check_int, check_seed, check_years

MAX_CALIBRATION_SEEDS = 1_000  # seeds averaged per trial (each one a full run)
MAX_BUDGET = 10_000  # trials one command may ask for


def calibrate(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare the defaults with every target.")
    ] = False,
    budget: Annotated[int, typer.Option(help="Trials (parameter sets) in all.")] = 40,
    fit: Annotated[
        str | None,
        typer.Option(help="Comma-separated parameters to fit (default: all of them)."),
    ] = None,
    batch: Annotated[int, typer.Option(help="Trials run at once on the executor.")] = 4,
    years: Annotated[int, typer.Option(help="Years per run (25 lets O&G cohorts finish).")] = 25,
    seeds: Annotated[int, typer.Option(help="Common seeds every trial runs on.")] = 3,
    seed: SeedOpt = 1,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    db: DbOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder (parameter file, report, SQLite store).")
    ] = Path("out/calibrate"),
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Compare the baseline with every calibration target, or fit parameters to all of them."""
    from experiments.write_targets import check_out_dir

    with user_errors():
        check_years(years, "--years")
        check_int("--seeds", seeds, 1, MAX_CALIBRATION_SEEDS)
        check_int("--budget", budget, 1, MAX_BUDGET)
        check_int("--batch", batch, 1, MAX_BUDGET)
        check_seed(seed, "--seed")
        check_executor(executor, scheduler, workers)
        check_out_dir(out_dir)
        check_db(db)
        chosen = _parameters(fit)
        world, base = load_inputs(data, "baseline", params)
        store = open_store(db, out_dir)  # only once every input is known to be valid
    from calibration.fit import Calibration
    from experiments.batch import BatchError

    cal = Calibration(base, world, chosen, years, seed, seeds, data)
    start = time.perf_counter()
    tty = sys.stderr.isatty()
    try:
        with lazy_executor(executor, scheduler, workers, data) as get:
            if check:
                from calibration.fit import evaluate_batch

                with progress_bar(seeds, "runs", tty) as tick:
                    rows, value, keys = evaluate_batch(cal, [{}], store, get, tick)[0]
                summary: dict[str, Any] = {
                    "targets": rows,
                    "loss": _finite(value),
                    "run_keys": keys,
                }
            else:
                summary = _fit(cal, store, db, out_dir, budget, batch, get, start, tty)
    except BatchError as exc:
        fail(str(exc), code=1)
    finally:
        store.close()
    summary |= {"years": years, "seeds": seeds, "seed": seed, "db": store.url}
    summary["wall_seconds"] = time.perf_counter() - start
    if as_json:
        print_json(summary)
        return
    _print(summary)


def _parameters(fit: str | None) -> list[Any]:
    from calibration.fit import BY_NAME, PARAMETERS

    if fit is None:
        return list(PARAMETERS)
    names = [n.strip() for n in fit.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown or not names:
        raise InputError(
            f"--fit: unknown parameter(s) {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(BY_NAME)}"
        )
    return [BY_NAME[n] for n in dict.fromkeys(names)]


def _fit(
    cal: Any,  # noqa: ANN401
    store: Any,  # noqa: ANN401
    db: str | None,
    out_dir: Path,
    budget: int,
    batch: int,
    get: Any,  # noqa: ANN401
    start: float,
    tty: bool,
) -> dict[str, Any]:
    from calibration.fit import calibrate as run_study
    from calibration.report import write_report
    from experiments.optimise_cli import store_url

    with progress_bar(budget * cal.replicates, "calibration runs", tty) as tick:
        result = run_study(cal, store, store_url(db, out_dir), budget, batch, get, tick)
    files = write_report(cal, result, out_dir, time.perf_counter() - start, store.url)
    best = result.best
    return {
        "study": result.study,
        "trials": {"resumed": result.resumed, "new": result.new},
        "best": {"trial": best.trial, "loss": _finite(best.loss), "params": best.params},
        "defaults_loss": _finite(result.first.loss),
        "targets": best.targets,
        "evaluations": [
            {"trial": e.trial, "params": e.params, "loss": _finite(e.loss)}
            for e in result.evaluations
        ],
        "files": {k: str(v) for k, v in files.items()},
    }


def _finite(value: float) -> float | None:
    """A loss for JSON: None when a target could not be measured (infinite loss)."""
    return value if math.isfinite(value) else None


def _print(s: dict[str, Any]) -> None:
    if "study" in s:
        b = s["best"]
        out.print(
            f"[bold]{s['study']}[/]: {s['trials']['new']} new trials, {s['trials']['resumed']} "
            f"resumed; best trial {b['trial']} loss {b['loss']} (defaults "
            f"{s['defaults_loss']}); parameter file {s['files']['params']}, report "
            f"{s['files']['report']}",
            highlight=False,
        )
    for r in s["targets"]:
        mark = "ok " if r["within_tolerance"] else "OFF"
        lo, hi = r["interval"]
        out.print(
            f"  [{mark}] {r['name']}: {r['simulated']:.3f} (95% {lo:.3f}-{hi:.3f}); observed "
            f"{r['observed']} ± {r['tolerance']} ({r['years']}; {r['url']})",
            highlight=False,
            markup=False,
        )
    loss = s["loss"] if "loss" in s else s["best"]["loss"]
    out.print(f"  loss {'n/a' if loss is None else f'{loss:.3g}'}; {s['db']}", highlight=False)
