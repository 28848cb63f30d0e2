"""Batch experiments: plan every run, skip stored ones, run the rest, stream results to the store.

`Plan` turns an `Experiment` into runs (parameter point x replicate x scenario, so early results
already pair scenarios under common random numbers), each with its run key. `run_sweep` skips keys
the store holds as completed, packs the rest into tasks of several runs, hands them to an
executor (`LocalExecutor`: a process pool; `DaskExecutor`: a Dask distributed cluster) with a
bounded number of tasks in flight, and writes each run as its task completes, so the driver never
holds more than a few tasks' results. A run that raises is stored as failed and the sweep goes on;
re-running the sweep retries it. Tasks carry resolved scenario dicts and seeds only: each worker
process loads the `World` once (cached by data directory) and reuses it.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
from sqlalchemy import exc as sa_exc

from experiments.runner import replicate_seeds, store_result
from experiments.spec import Experiment, Outcomes
from results.experiment_tables import write_plan
from results.store import ResultStore
from sim.model import run_scenario
from sim.outputs import RunResult
from sim.provenance import stamp
from sim.run import run_key
from sim.scenario import Scenario
from sim.world import World

if TYPE_CHECKING:
    from sim.history import History

MAX_RUNS_PER_TASK = 10
POOL_RETRIES = 2  # resubmissions of a task whose process-pool worker died
# Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in workers, which turns off glibc's dynamic mmap
# threshold: every large NumPy array is then mmapped afresh and runs take ~1.6x as long
# (benchmarks/bench_sweep.py). Unset it for the clusters we start (docs/cluster.md: remote ones).
NO_MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


@dataclass(frozen=True)
class PlannedRun:
    """One run of an experiment: which scenario, point and replicate, and its key."""

    key: str
    scenario: int
    point: int
    replicate: int
    seed: int


@dataclass(frozen=True)
class TaskRun:
    """What a worker needs for one run: the resolved scenario, the seed, the expected key."""

    key: str
    scenario: dict[str, Any]
    seed: int


@dataclass(frozen=True)
class SweepTask:
    """Several runs for one worker call."""

    index: int
    runs: tuple[TaskRun, ...]
    years: int
    data: str | None  # data directory (None = bundled England data)
    outcomes: Outcomes
    attempts: int = 0
    history: History | None = None  # drivers of a run from a past base year (sim/history.py)


@dataclass(frozen=True)
class RunFailure:
    """A run that raised: its key, the error and how long it ran."""

    key: str
    error: str
    seconds: float | None = None


class Plan:
    """Every run of an experiment, in order, each key once."""

    def __init__(self, experiment: Experiment, world: World, data: Path | None = None) -> None:
        """Resolve every scenario at every point (raising SpecError) and compute run keys."""
        self.experiment, self.world = experiment, world
        self.data = None if data is None else str(Path(data).resolve())
        spec = experiment.spec
        self.seeds = replicate_seeds(spec.seed, spec.replicates)
        self.runs: list[PlannedRun] = []
        seen: set[str] = set()
        for p in range(len(experiment.points)):
            scenarios = [experiment.scenario(s, p) for s in range(len(experiment.scenarios))]
            for r, seed in enumerate(self.seeds):
                for s, scenario in enumerate(scenarios):
                    key = run_key(scenario, seed, spec.years, world)
                    if key not in seen:  # e.g. a grid repeating a value
                        seen.add(key)
                        self.runs.append(PlannedRun(key, s, p, r, seed))

    def frame(self) -> pd.DataFrame:
        """One row per run: run_key, scenario, point, replicate, seed and the swept values."""
        exp = self.experiment
        rows = [
            {
                "run_key": r.key,
                "scenario": exp.scenarios[r.scenario].name,
                "point": r.point,
                "replicate": r.replicate,
                "seed": r.seed,
                **exp.points[r.point],
            }
            for r in self.runs
        ]
        return pd.DataFrame(
            rows, columns=["run_key", "scenario", "point", "replicate", "seed", *exp.parameters]
        )

    def tasks(self, runs: list[PlannedRun], per_task: int) -> Iterator[SweepTask]:
        """Pack runs into tasks of `per_task` runs, building scenario dicts lazily."""
        spec = self.experiment.spec

        @functools.lru_cache(maxsize=256)
        def resolved(scenario: int, point: int) -> dict[str, Any]:
            return self.experiment.scenario(scenario, point).resolved()

        for index, start in enumerate(range(0, len(runs), per_task)):
            items = tuple(
                TaskRun(r.key, resolved(r.scenario, r.point), r.seed)
                for r in runs[start : start + per_task]
            )
            yield SweepTask(index, items, spec.years, self.data, spec.outcomes)


# --- worker side ---------------------------------------------------------------------------

_WORLDS: dict[str, World] = {}  # per worker process: data directory -> World


def worker_world(data: str | None) -> World:
    """The World for a data directory, loaded once per worker process."""
    if (data or "") not in _WORLDS:
        _WORLDS[data or ""] = World.load(None if data is None else Path(data))
    return _WORLDS[data or ""]


def _pool_worker_start(data: str | None, driver: int) -> None:
    """Process-pool initializer: load the World, and exit when the driver dies (no orphans)."""

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="traineeflow-parent-watch", daemon=True).start()
    worker_world(data)


def run_task(task: SweepTask) -> list[RunResult | RunFailure]:
    """Run a task's runs in turn; a run that raises becomes a RunFailure."""
    world = worker_world(task.data)
    out: list[RunResult | RunFailure] = []
    for run in task.runs:
        start = time.perf_counter()
        try:
            result = run_scenario(
                Scenario.model_validate(run.scenario),
                run.seed,
                task.years,
                world,
                history=task.history,
            )
            if result.run_key != run.key:
                raise RuntimeError(
                    f"the worker computed run key {result.run_key}, the driver "
                    f"{run.key}: worker and driver differ in code or data"
                )
            out.append(task.outcomes.keep(result))
        except Exception as exc:
            error = "".join(traceback.format_exception_only(exc)).strip()
            tb = "".join(traceback.format_tb(exc.__traceback__)[-3:])
            out.append(RunFailure(run.key, f"{error}\n{tb}", time.perf_counter() - start))
    return out


# --- executors -------------------------------------------------------------------------------

Outcome = list[RunResult | RunFailure] | BaseException


class Executor(Protocol):
    """Runs tasks somewhere and yields (task, outcome) as they complete."""

    name: str
    workers: int

    def stream(
        self, tasks: Iterator[SweepTask], in_flight: int
    ) -> Iterator[tuple[SweepTask, Outcome]]:
        """Submit tasks, at most `in_flight` at once; yield each with its result or error."""
        ...


class LocalExecutor:
    """A process pool on this machine (spawned processes, each loading the World once)."""

    name = "local"

    def __init__(self, workers: int | None = None, data: Path | None = None) -> None:
        """Pool of `workers` processes (default: the number of CPUs)."""
        self.workers = workers or os.cpu_count() or 1
        self._data = None if data is None else str(Path(data).resolve())
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=get_context("spawn"),
            initializer=_pool_worker_start,
            initargs=(self._data, os.getpid()),
        )

    def _replace_pool(self, broken: ProcessPoolExecutor) -> None:
        """Replace the pool once (the first to notice a broken pool replaces it)."""
        if broken is self._pool:
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def __enter__(self) -> LocalExecutor:
        self._pool = self._new_pool()
        wait([self._pool.submit(os.getpid) for _ in range(self.workers)])  # start every worker
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def stream(
        self, tasks: Iterator[SweepTask], in_flight: int
    ) -> Iterator[tuple[SweepTask, Outcome]]:
        """Submit with a bounded window; a task whose worker died is retried on a new pool."""
        if self._pool is None:
            raise RuntimeError("use the executor as a context manager")
        pending: dict[Future[Any], tuple[SweepTask, ProcessPoolExecutor]] = {}

        def submit(task: SweepTask) -> None:
            assert self._pool is not None
            try:
                fut = self._pool.submit(run_task, task)
            except BrokenProcessPool:  # a worker died; its futures are not all seen yet
                self._replace_pool(self._pool)
                fut = self._pool.submit(run_task, task)
            pending[fut] = (task, self._pool)

        for task in itertools.islice(tasks, in_flight):
            submit(task)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                task, pool = pending.pop(fut)
                exc = BrokenProcessPool("cancelled") if fut.cancelled() else fut.exception()
                if isinstance(exc, BrokenProcessPool) and task.attempts < POOL_RETRIES:
                    self._replace_pool(pool)
                    submit(replace(task, attempts=task.attempts + 1))
                    continue
                next_task = next(tasks, None)
                if next_task is not None:
                    submit(next_task)
                yield task, exc if exc is not None else fut.result()


class DaskExecutor:
    """A Dask distributed cluster: a scheduler address, a given Client, or a LocalCluster."""

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, client: Any = None
    ) -> None:
        """Connect to `scheduler`, use `client`, or start a LocalCluster of `workers` processes."""
        self._scheduler, self._client, self._cluster = scheduler, client, None
        self._owned = client is None
        local = os.cpu_count() or 1
        self.workers = workers or (local if scheduler is None else 0)

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        if self._client is None and self._scheduler is not None:
            self._client = Client(self._scheduler)
        elif self._client is None:
            with dask.config.set({NO_MALLOC_TRIM: None}):  # see NO_MALLOC_TRIM
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            self._client = Client(self._cluster)
        threads = sum(self._client.nthreads().values())
        self.workers = max(self.workers, threads, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owned and self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def client(self) -> Any:
        """The distributed.Client in use (None outside the context)."""
        return self._client

    def stream(
        self, tasks: Iterator[SweepTask], in_flight: int
    ) -> Iterator[tuple[SweepTask, Outcome]]:
        """Submit with a bounded window; Dask reruns tasks of workers that die."""
        from distributed import as_completed

        if self._client is None:
            raise RuntimeError("use the executor as a context manager")
        done = as_completed()
        pending: dict[str, SweepTask] = {}

        def submit(task: SweepTask) -> None:
            fut = self._client.submit(
                run_task,
                task,
                pure=False,
                key=f"traineeflow-sweep-{task.index}-{os.urandom(4).hex()}",
            )
            pending[fut.key] = task
            done.add(fut)

        for task in itertools.islice(tasks, in_flight):
            submit(task)
        for fut in done:
            task = pending.pop(fut.key)
            try:
                outcome: Outcome = fut.result()
            except Exception as exc:  # e.g. KilledWorker after repeated worker deaths
                outcome = exc
            fut.release()
            next_task = next(tasks, None)
            if next_task is not None:
                submit(next_task)
            yield task, outcome


# --- the driver --------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What a sweep did (the `sweep --json` output)."""

    experiment: str
    planned: int
    skipped: int  # stored before this sweep started
    completed: int = 0  # runs this sweep computed and stored (not those another driver stored)
    stored_by_others: int = 0  # computed here, but another driver stored the run first
    failed: int = 0
    seconds: float = 0.0
    executor: str = ""
    workers: int = 0
    runs_per_task: int = 0
    sim_seconds: float = 0.0  # sum of the runs' simulation times
    store_seconds: float = 0.0  # driver time spent writing to the store
    failures: list[str] = field(default_factory=list)  # first few "run_key: error" lines
    error: str | None = None  # why the sweep stopped early (e.g. the disk is full)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)


def default_runs_per_task(runs: int, workers: int) -> int:
    """About four tasks per worker, at most MAX_RUNS_PER_TASK runs each."""
    return max(1, min(MAX_RUNS_PER_TASK, math.ceil(runs / (4 * max(workers, 1)))))


def pending_runs(
    plan: Plan, store: ResultStore, shard: tuple[int, int] = (0, 1)
) -> list[PlannedRun]:
    """The shard's runs not yet stored as completed (failed ones are retried).

    Shard (k, n) holds runs k, k + n, k + 2n, ... of the plan: n drivers can share one experiment.
    """
    stored = store.completed_keys()
    return [r for r in plan.runs[shard[0] :: shard[1]] if r.key not in stored]


def run_sweep(
    plan: Plan,
    store: ResultStore,
    executor: Executor,
    *,
    shard: tuple[int, int] = (0, 1),
    todo: list[PlannedRun] | None = None,
    runs_per_task: int | None = None,
    in_flight: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepReport:
    """Run the shard's missing runs (`todo`, default `pending_runs`) on `executor` (entered).

    Each run is written as its task completes; `progress(n)` is called after each task's runs.
    The plan's runs and swept values go to the `experiment_runs` / `experiment_points` tables.
    """
    start = time.perf_counter()
    exp = plan.experiment
    write_plan(store, exp.spec.name, plan.frame(), exp.parameters)  # swept values as columns
    todo = pending_runs(plan, store, shard) if todo is None else todo
    planned = len(plan.runs[shard[0] :: shard[1]])
    per_task = runs_per_task or default_runs_per_task(len(todo), executor.workers)
    report = SweepReport(
        plan.experiment.spec.name,
        planned,
        planned - len(todo),
        executor=executor.name,
        workers=executor.workers,
        runs_per_task=per_task,
    )
    if not todo:  # nothing to run: the executor need not be started
        report.seconds = time.perf_counter() - start
        return report
    window = in_flight or 2 * max(executor.workers, 1)
    try:
        for task, outcome in executor.stream(plan.tasks(todo, per_task), window):
            if isinstance(outcome, BaseException):
                error = f"task failed: {type(outcome).__name__}: {outcome}"
                items: list[RunResult | RunFailure] = [RunFailure(r.key, error) for r in task.runs]
            else:
                items = outcome
            for run, item in zip(task.runs, items, strict=True):
                _store_one(store, run, item, task.years, report)
            if progress is not None:
                progress(len(task.runs))
    except (OSError, sa_exc.OperationalError) as exc:  # e.g. the disk is full: stop, say so
        reason = getattr(exc, "orig", None) or exc
        report.error = (
            f"the sweep stopped: storing a run failed ({reason}). {report.completed} run(s) "
            f"were stored by this sweep, {report.skipped} before it; every stored run is whole. "
            "Free some space and run the same sweep again: stored runs are skipped."
        )
    report.seconds = time.perf_counter() - start
    return report


def _store_one(
    store: ResultStore, run: TaskRun, item: RunResult | RunFailure, years: int, report: SweepReport
) -> None:
    t0 = time.perf_counter()
    if isinstance(item, RunResult):
        report.sim_seconds += item.seconds
        try:
            if store_result(store, item):
                report.completed += 1
            else:  # another driver stored this run first: count it once, there
                report.stored_by_others += 1
        except ValueError as exc:  # rows that break the schema: nothing was written
            item = RunFailure(run.key, f"not stored: {exc}", item.seconds)
    if isinstance(item, RunFailure):
        store.record_failure(
            run.key,
            str(run.scenario["name"]),
            run.scenario,
            run.seed,
            years,
            item.error,
            seconds=item.seconds,
            **stamp(),
        )
        report.failed += 1
        if len(report.failures) < 5:
            report.failures.append(f"{run.key}: {item.error.splitlines()[0]}")
    report.store_seconds += time.perf_counter() - t0
