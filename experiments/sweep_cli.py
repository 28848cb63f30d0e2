"""`traineeflow sweep`: run an experiment file on a process pool or Dask, streaming to the store."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

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

from experiments.cli import (
    DataOpt,
    DbOpt,
    InputError,
    JsonOpt,
    app,
    err,
    open_store,
    out,
    user_errors,
)
from experiments.spec import load_experiment
from experiments.sweep import DaskExecutor, Executor, LocalExecutor, Plan, SweepReport, pending_runs
from experiments.sweep import run_sweep as run_plan
from sim.world import World

LOG_EVERY_SECONDS = 10.0  # progress lines when stderr is not a terminal (cluster job logs)


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
    if not (k.isdigit() and n.isdigit() and int(k) < int(n)):
        raise InputError(f"--shard must be K/N with 0 <= K < N, e.g. 0/4 (got {text!r})")
    return int(k), int(n)


def make_executor(
    kind: str, scheduler: str | None, workers: int | None, data: Path | None
) -> Executor:
    """The executor named on the command line (not yet started)."""
    if kind == "local":
        return LocalExecutor(workers, data)
    return DaskExecutor(scheduler, workers)


@app.command("sweep")
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
) -> None:
    """Run an experiment: every scenario x point x replicate not yet in the store."""
    with user_errors():
        if executor not in ("local", "dask"):
            raise InputError(f"--executor must be 'local' or 'dask' (got {executor!r})")
        if scheduler is not None and executor != "dask":
            raise InputError("--scheduler needs --executor dask")
        for name, value in (("workers", workers), ("runs-per-task", runs_per_task)):
            if value is not None and value < 1:
                raise InputError(f"--{name} must be at least 1 (got {value})")
        part = parse_shard(shard)
        world = World.load(data)
        plan = Plan(load_experiment(experiment, world), world, data)
        store = open_store(db, out_dir)  # only once the experiment is known to be valid
    try:
        todo = pending_runs(plan, store, part)
        progress = SweepProgress(plan.experiment.spec.name, len(todo))
        ex = make_executor(executor, scheduler, workers, data)
        with ExitStack() as stack:
            if todo:  # start workers only when there is something to run
                with user_errors():
                    try:
                        stack.enter_context(ex)
                    except OSError as exc:  # e.g. no Dask scheduler at --scheduler
                        raise InputError(f"cannot start the {executor} executor: {exc}") from None
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
    if report.failed:
        raise typer.Exit(1)


def print_report(r: SweepReport, db: str) -> None:
    """A readable account of the sweep."""
    rate = r.completed / r.seconds if r.seconds else 0.0
    out.print(
        f"[bold]{r.experiment}[/]: {r.planned} runs planned, {r.skipped} already stored, "
        f"{r.completed} completed, {r.failed} failed in {r.seconds:.1f} s "
        f"({rate:.2f} runs/s on {r.workers} {r.executor} worker(s), "
        f"{r.runs_per_task} run(s) per task)",
        highlight=False,
    )
    for line in r.failures:
        out.print(f"  failed: {line}", highlight=False)
    if r.failed:
        out.print("  Failed runs are stored with their error; run the sweep again to retry them.")
    out.print(f"  results in {db}", highlight=False)
