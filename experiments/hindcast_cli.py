"""`traineeflow hindcast`: England from a past base year against the consultant series."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from experiments.cli_common import (
    DataOpt,
    JsonOpt,
    ParamsOpt,
    load_params_file,
    make_executor,
    out,
    print_json,
    user_errors,
)
from sim.inputs import InputError, check_int

MAX_HINDCAST_SEEDS = 1_000  # seeds 1..N, one run each (a run of 23 years takes seconds)
MAX_WORKERS = 1_024


def hindcast(
    seeds: Annotated[int, typer.Option(help="Seeds 1..N to average over.")] = 3,
    base_year: Annotated[
        int, typer.Option(help="Base year (a year of the consultant series).")
    ] = 1994,
    end_year: Annotated[
        int, typer.Option(help="Last year (a year of the consultant series).")
    ] = 2017,
    establishment: Annotated[
        str,
        typer.Option(
            help="Funded consultant posts: 'supply' (never bind: the pipeline alone), "
            "'endpoints' (constant growth fitted to the base and end years only) or 'observed' "
            "(the compared series itself: circular)."
        ),
    ] = "supply",
    executor: Annotated[
        str, typer.Option(help="local: a process pool on this machine; dask: a Dask cluster.")
    ] = "local",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per seed).")
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(help="Your own history directory (same files as sim/england/history)."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write hindcast.json and hindcast.png here.")
    ] = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Hindcast England's consultants from a past base year; report simulated vs observed."""
    from experiments.write_targets import check_out_dir

    with user_errors():
        check_int("--seeds", seeds, 1, MAX_HINDCAST_SEEDS)
        if establishment not in ("supply", "endpoints", "observed"):
            raise InputError(
                "--establishment must be 'supply', 'endpoints' or 'observed' "
                f"(got {establishment!r})"
            )
        if executor not in ("local", "dask"):
            raise InputError(f"--executor must be 'local' or 'dask' (got {executor!r})")
        if workers is not None:
            check_int("--workers", workers, 1, MAX_WORKERS)
        if out_dir is not None:
            check_out_dir(out_dir)
    from calibration.hindcast import (
        build_history,
        hindcast_figure,
        run_hindcast,
    )
    from sim.history_data import load_history
    from sim.scenario import load_scenario
    from sim.world import World

    with user_errors():  # every input validated before a worker starts or a file is written
        values = load_params_file(params)
        world = World.load(data)
        load_scenario("baseline", world, values)  # the parameter file, checked against the world
        build_history(world, load_history(history), base_year, end_year, establishment)  # type: ignore[arg-type]
    ex = make_executor(executor, None, workers or seeds, data)
    with ex:
        result = run_hindcast(
            world,
            seeds=tuple(range(1, seeds + 1)),
            executor=ex,
            base_year=base_year,
            end_year=end_year,
            establishment=establishment,  # type: ignore[arg-type]
            history_dir=history,
            params=values,
        )
    report = result.as_dict()
    if out_dir is not None:
        import json

        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "hindcast.json").write_text(json.dumps(report, indent=1) + "\n")
        report["figure"] = str(hindcast_figure(result, out_dir / "hindcast.png"))
    if as_json:
        print_json(report)
        return
    print_report(report)
    sys.stdout.flush()


def print_report(r: dict) -> None:
    """Simulated against observed, year by year, and what drives the run."""
    out.print(
        f"[bold]Hindcast[/] {r['base_year']}-{r['end_year']}, seeds {r['seeds']}, funded posts: "
        f"{r['establishment']}, {r['seconds']:.1f} s",
        highlight=False,
    )
    out.print("  year   observed  simulated  error   kind", highlight=False)
    for y, o, s, k in zip(r["years"], r["observed"], r["simulated"], r["kinds"], strict=True):
        out.print(f"  {y}  {o:9,.0f}  {s:9,.0f}  {(s - o) / o:+6.1%}  {k}", highlight=False)
    out.print(f"  mean absolute percentage error: {r['mape']:.2f}%", highlight=False)
    for name, value in r["benchmark_mape"].items():
        out.print(f"    a rule with no model, {name}: {value:.2f}%", highlight=False)
    old = r["share_55_plus"]
    pairs = [f"{y} {v:.1%} ({old[y]:.1%})" for y, v in r["observed_55_plus"].items() if y in old]
    out.print(f"  aged 55+, observed (simulated): {', '.join(pairs)}", highlight=False)
    out.print("  inputs:", highlight=False)
    for name, text in r["inputs"].items():
        out.print(f"    {name}: {text}", highlight=False, markup=False)
    if "figure" in r:
        out.print(f"  figure {r['figure']}", highlight=False, markup=False)
