"""`traineeflow sweep`: run an experiment file on a process pool or Dask, streaming to the store."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from experiments.cli_common import (
    DataOpt,
    DbOpt,
    JsonOpt,
    ParamsOpt,
    check_db,
    check_executor,
    err,
    fail,
    load_params_file,
    make_executor,
    open_store,
    out,
    start_executor,
    user_errors,
)
from sim.inputs import InputError, check_int

if TYPE_CHECKING:
    from experiments.sweep import SweepReport

LOG_EVERY_SECONDS = 10.0  # progress lines when stderr is not a terminal (cluster job logs)
MAX_RUNS_PER_TASK = 10_000  # runs in one task (the default packs at most 10)
MAX_SHARDS = 100_000  # drivers sharing one experiment


class RateColumn(ProgressColumn):
    """Runs per second."""

    def render(self, task: Task) -> Text:
        """Render the task's speed."""
        speed = task.speed
        return Text("" if speed is None else f"{speed:.2f} runs/s")


class SweepProgress:
    """Runs done / total, runs per second and time left, on stderr."""

    def __init__(self, label: str, total: int) -> None:
        """Count `total` runs under `label`."""
        self.label, self.total, self.done = label, total, 0
        self.start = self.last = time.perf_counter()
        self._bar: Progress | None = None

    def __call__(self, n: int) -> None:
        """Count `n` more runs done."""
        self.done += n
        if self._bar is not None:
            self._bar.advance(self._bar.task_ids[0], n)
        elif time.perf_counter() - self.last >= LOG_EVERY_SECONDS or self.done == self.total:
            self.last = time.perf_counter()
            self.log()

    def log(self) -> None:
        """One plain progress line."""
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = self.done / elapsed
        left = f"about {(self.total - self.done) / rate:.0f} s left" if rate else "rate unknown"
        err.print(
            f"{self.label}: {self.done}/{self.total} runs, {rate:.2f} runs/s, {left}",
            highlight=False,
        )

    @contextmanager
    def shown(self, tty: bool) -> Iterator[SweepProgress]:
        """A live bar on a terminal, otherwise a line every LOG_EVERY_SECONDS."""
        if not tty:
            yield self
            return
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            RateColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            self._bar = bar
            bar.add_task(self.label, total=self.total)
            yield self
        self._bar = None


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 0 <= K < N."""
    k, _, n = text.partition("/")
    ok = k.isascii() and k.isdigit() and n.isascii() and n.isdigit() and len(n) <= 6
    if not (ok and int(k) < int(n) <= MAX_SHARDS):
        raise InputError(
            f"--shard must be K/N with 0 <= K < N <= {MAX_SHARDS:,}, e.g. 0/4 (got {text!r})"
        )
    return int(k), int(n)


def sweep(
    experiment: Annotated[
        str,
        typer.Argument(help="Experiment TOML file, or a bundled experiment name (phase_pacing)."),
    ],
    executor: Annotated[
        str,
        typer.Option(
            help="local: a process pool on this machine; dask: a Dask distributed cluster."
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (tcp://host:8786); default: a LocalCluster."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (default: CPUs; with --scheduler: the workers expected)."
        ),
    ] = None,
    runs_per_task: Annotated[
        int | None,
        typer.Option(help="Runs per task (default: about four tasks per worker, at most 10 runs)."),
    ] = None,
    shard: Annotated[
        str,
        typer.Option(help="K/N: run only every N-th run from the K-th (0-based), for N drivers."),
    ] = "0/1",
    db: DbOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder of the default SQLite store.")
    ] = Path("out"),
    as_json: JsonOpt = False,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Run an experiment: every scenario x point x replicate not yet in the store."""
    from experiments.write_targets import check_out_dir

    with user_errors():
        check_executor(executor, scheduler, workers)
        if runs_per_task is not None:
            check_int("--runs-per-task", runs_per_task, 1, MAX_RUNS_PER_TASK)
        part = parse_shard(shard)
        if db is None:
            check_out_dir(out_dir)
    from experiments.spec import load_experiment
    from experiments.sweep import Plan, pending_runs
    from experiments.sweep import run_sweep as run_plan
    from sim.world import World

    with user_errors():
        check_db(db)
        values = load_params_file(params)
        load_experiment(experiment, None, values)  # the file's own structure first: quick
        world = World.load(data)
        plan = Plan(load_experiment(experiment, world, values), world, data)
        store = open_store(db, out_dir)  # only once every input is known to be valid
    try:
        todo = pending_runs(plan, store, part)
        progress = SweepProgress(plan.experiment.spec.name, len(todo))
        ex = make_executor(executor, scheduler, workers, data)
        with ExitStack() as stack:
            if todo:  # start workers only when there is something to run
                start_executor(stack, ex, executor)
            tick = stack.enter_context(progress.shown(sys.stderr.isatty()))
            report = run_plan(
                plan, store, ex, shard=part, todo=todo, runs_per_task=runs_per_task, progress=tick
            )
    finally:
        store.close()
    if as_json:
        print(json.dumps({**report.as_dict(), "db": store.url}))
    else:
        print_report(report, store.url)
    if report.error:
        fail(report.error, code=1)
    if report.failed:
        raise typer.Exit(1)


def print_report(r: SweepReport, db: str) -> None:
    """A readable account of the sweep."""
    rate = r.completed / r.seconds if r.seconds else 0.0
    out.print(
        f"[bold]{r.experiment}[/]: {r.planned} runs planned, {r.skipped} already stored, "
        f"{r.completed} completed and stored, {r.failed} failed in {r.seconds:.1f} s "
        f"({rate:.2f} runs/s on {r.workers} {r.executor} worker(s), "
        f"{r.runs_per_task} run(s) per task)",
        highlight=False,
    )
    if r.stored_by_others:
        out.print(
            f"  {r.stored_by_others} run(s) computed here were stored first by another driver "
            "(counted there, not here).",
            highlight=False,
        )
    for line in r.failures:
        out.print(f"  failed: {line}", highlight=False)
    if r.failed:
        out.print("  Failed runs are stored with their error; run the sweep again to retry them.")
    out.print(f"  results in {db}", highlight=False)
