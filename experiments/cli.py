"""The `traineeflow` command line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from results.store import ResultStore, StoreError
from sim.datafiles import DataError
from sim.scenario import ScenarioError, bundled_descriptions, load_scenario
from sim.world import World

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate NHS England's specialty training pipeline.",
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


class InputError(Exception):
    """Bad user input: printed as one line, exit code 2."""


def fail(message: str) -> None:
    """Print one clear error and exit with code 2."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn bad-input exceptions into one clear message and exit code 2."""
    try:
        yield
    except (DataError, ScenarioError, StoreError, InputError) as exc:
        fail(str(exc))


@contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (runs done / total, time left); a no-op when disabled."""
    if not enabled:
        yield lambda _n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def open_store(db: str | None, out_dir: Path) -> ResultStore:
    """The results store: a URL, or the SQLite file in the output folder."""
    if db is not None:
        return ResultStore(url=db)
    return ResultStore(path=out_dir / "results.sqlite")


def load_inputs(data: Path | None, scenario: str) -> tuple[World, Any]:
    """Validated world and scenario (raise before anything is written)."""
    world = World.load(data)
    return world, load_scenario(scenario, world)


MAX_YEARS = 200  # longest horizon a run, comparison or experiment may ask for


def check_years(years: int) -> None:
    """A horizon of 1 to MAX_YEARS years."""
    if years > MAX_YEARS:
        raise InputError(f"--years must be at most {MAX_YEARS} (got {years})")


def check_positive(**values: int) -> None:
    """Numbers that must be positive."""
    for name, value in values.items():
        if value < 1:
            raise InputError(f"--{name} must be at least 1 (got {value})")


ScenarioOpt = Annotated[
    str, typer.Option("--scenario", "-s", help="Bundled scenario name or path to a TOML file.")
]
YearsOpt = Annotated[int, typer.Option(help="Years to simulate from the base year (August 2023).")]
SeedOpt = Annotated[int, typer.Option(help="Master seed; replicates derive their seeds from it.")]
RepOpt = Annotated[int, typer.Option(help="Replicates (seeds) per scenario.")]
DbOpt = Annotated[
    str | None, typer.Option(help="Results database URL (default: SQLite file in --out).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
DataOpt = Annotated[Path | None, typer.Option(help="Your own data directory (same schema).")]


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
) -> None:
    """Run a scenario: store its results, print a summary and draw a figure."""
    from experiments.run_summary import summarise_runs
    from experiments.runner import replicate_seeds, run_replicates
    from results.figures import plot_run

    with user_errors():
        check_positive(years=years, replicates=replicates)
        check_years(years)
        world, sc = load_inputs(data, scenario)
        store = open_store(db, out_dir)
    seeds = replicate_seeds(seed, replicates)
    start = time.perf_counter()
    with progress_bar(
        years * replicates, f"{sc.name}: simulated years", sys.stderr.isatty()
    ) as tick:
        results = run_replicates(sc, seeds, years, world, store, tick)
    summary = summarise_runs(results, world)
    summary["wall_seconds"] = time.perf_counter() - start
    summary["db"] = store.url
    out_dir.mkdir(parents=True, exist_ok=True)
    figure = plot_run(results, world, out_dir / f"{sc.name}_regions.png")
    summary["figure"] = str(figure)
    store.close()
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
    out.print(
        f"  Recruitment fill rate: {s['fill_rate']:.1%}   LTFT share: {s['ltft_share_end']:.1%}"
    )
    out.print(
        f"  Trainees at the end: {s['trainees_end']:,.0f}   consultants: "
        f"{s['consultants_end']:,.0f}"
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
def calibrate(
    years: YearsOpt = 25,
    seeds: Annotated[int, typer.Option(help="Seeds to average over.")] = 2,
    data: DataOpt = None,
) -> None:
    """Fit the settlement decay to the 80%-within-50-miles target and check all targets."""
    from calibration.check import check, observed
    from calibration.settlement import fit_decay

    with user_errors():
        check_positive(years=years, seeds=seeds)
        world, sc = load_inputs(data, "baseline")
    decay = fit_decay(sc, world, seeds=tuple(range(1, seeds + 1)), years=years)
    out.print(
        f"settlement_decay_miles fitted: {decay:.2f} (default "
        f"{sc.world.settlement_decay_miles:.2f})"
    )
    for target, got, holds in check(observed(sc, world, years)):
        mark = "ok " if holds else "OFF"
        out.print(
            f"  [{mark}] {target.name}: {got:.3f} (target {target.value} ± "
            f"{target.tolerance}; {target.source})",
            highlight=False,
            markup=False,
        )


@app.command()
def sensitivity(
    scenario: ScenarioOpt = "baseline",
    trajectories: Annotated[int, typer.Option(help="Morris trajectories.")] = 4,
    years: YearsOpt = 10,
    seed: SeedOpt = 1,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """Morris screening: which uncertain parameters move the headline outcomes."""
    from calibration.sensitivity import morris

    with user_errors():
        check_positive(trajectories=trajectories, years=years)
        world, sc = load_inputs(data, scenario)
    table = morris(sc, world, trajectories=trajectories, years=years, seed=seed)
    table = table.sort_values(["outcome", "mu_star"], ascending=[True, False])
    if as_json:
        print(table.to_json(orient="records"))
        return
    out.print(table.to_string(index=False), highlight=False, markup=False)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    for name, description in bundled_descriptions().items():
        out.print(f"[bold]{name}[/]: {description}", highlight=False)


def main() -> None:
    """Console entry point."""
    app()


import experiments.analyse_cli  # noqa: E402,F401  (registers `analyse`)
import experiments.compare_cli  # noqa: E402,F401  (registers `compare`)
import experiments.optimise_cli  # noqa: E402,F401  (registers `optimise`)
import experiments.sweep_cli  # noqa: E402,F401  (registers `sweep`)

if __name__ == "__main__":  # `python -m experiments.cli`: use the module the commands joined
    from experiments.cli import main as registered_main

    registered_main()
