"""Run scenarios x parameter points x seeds on the sweep executors and read the runs back.

The one path by which `compare`, `sensitivity` and `calibrate` run the model, as `sweep` does: a
design becomes an `Experiment` and its `Plan`; runs the store already holds are read back, the
rest go to the executor (a local process pool or Dask, started only if something is missing) and
are stored as they complete (`experiments.sweep.run_sweep`), with the design's runs and points in
`experiment_runs` / `experiment_points`. Every scenario runs on the same seeds at every point
(common random numbers). A run that fails stops the caller with its error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.runner import load_results
from experiments.spec import Experiment, ExperimentSpec
from experiments.sweep import Executor, Plan, pending_runs, run_sweep
from results.experiment_tables import write_plan
from results.store import ResultStore
from sim.outputs import RunResult
from sim.run import run_key
from sim.scenario import Scenario
from sim.world import World

POINTS_PER_READ = 16  # points of a design read back from the store at once (memory, not model)


class DesignExperiment(Experiment):
    """An experiment whose points are given (not a grid or a sample of a spec file)."""

    @property
    def parameters(self) -> list[str]:
        """Every dotted key set at some point, in order of appearance."""
        return list(dict.fromkeys(k for p in self.points for k in p))


class BatchError(RuntimeError):
    """A run of a batch failed (its error is stored with it; rerunning retries it)."""


@dataclass(frozen=True)
class Design:
    """What to run: scenarios, each at every parameter point, on `replicates` common seeds."""

    kind: str  # names the stored experiment: compare, sensitivity, calibrate
    scenarios: list[Scenario]
    years: int
    seed: int
    replicates: int
    points: list[dict[str, Any]] = field(default_factory=lambda: [{}])  # dotted key -> value

    def name(self) -> str:
        """The stored experiment's name: the kind and a hash of everything that fixes the runs."""
        payload = json.dumps(
            [
                [s.resolved() for s in self.scenarios],
                self.years,
                self.seed,
                self.replicates,
                self.points,
            ],
            sort_keys=True,
            default=str,
        )
        return f"{self.kind}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


@dataclass
class Batch:
    """The runs of a design, read from the store when asked for; how many were simulated or reused.

    Runs are read a few points at a time (`POINTS_PER_READ`), each read replacing the last, so a
    caller walking the points in order holds a bounded number of runs in memory, whatever the
    size of the design (a Sobol design of thousands of runs included).
    """

    plan: Plan
    store: ResultStore
    simulated: int
    reused: int
    _read: dict[str, RunResult] = field(default_factory=dict)
    _block: int = -1
    _keys: dict[tuple[int, int, int], str] = field(default_factory=dict)

    @property
    def seeds(self) -> list[int]:
        """The common seeds, in replicate order."""
        return self.plan.seeds

    def runs(self, scenario: int = 0, point: int = 0) -> list[RunResult]:
        """The runs of one scenario at one point, in replicate order."""
        if not self._keys:
            self._keys = {(r.scenario, r.point, r.replicate): r.key for r in self.plan.runs}
        keys = self._keys
        wanted = []
        for rep, seed in enumerate(self.plan.seeds):
            key = keys.get((scenario, point, rep))
            if key is None:  # a repeated point: the same run under its first point
                sc = self.plan.experiment.scenario(scenario, point)
                key = run_key(sc, seed, self.plan.experiment.spec.years, self.plan.world)
            wanted.append(key)
        block = point // POINTS_PER_READ
        if block != self._block:
            self._read = load_results(
                self.store, [r.key for r in self.plan.runs if r.point // POINTS_PER_READ == block]
            )
            self._block = block
        missing = [k for k in wanted if k not in self._read]
        if missing:
            self._read.update(load_results(self.store, missing))
        return [self._read[k] for k in wanted]


def run_design(
    design: Design,
    world: World,
    store: ResultStore,
    executor: Callable[[], Executor],
    data: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Batch:
    """Run the design's missing runs on the executor and return every run of the design."""
    spec = ExperimentSpec(
        name=design.name(),
        scenarios=[s.name for s in design.scenarios],
        years=design.years,
        replicates=design.replicates,
        seed=design.seed,
    )
    experiment = DesignExperiment(spec, Path(f"<{design.kind}>"), design.scenarios, design.points)
    plan = Plan(experiment, world, data)
    todo = pending_runs(plan, store)
    if todo:
        report = run_sweep(plan, store, executor(), todo=todo, progress=progress)
        if report.error or report.failed:
            detail = report.error or "; ".join(report.failures)
            raise BatchError(f"{report.failed} run(s) failed: {detail}")
    else:
        write_plan(store, spec.name, plan.frame(), experiment.parameters)
    if progress is not None and len(plan.runs) > len(todo):
        progress(len(plan.runs) - len(todo))
    return Batch(plan, store, simulated=len(todo), reused=len(plan.runs) - len(todo))
