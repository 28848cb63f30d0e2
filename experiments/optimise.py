"""Multi-objective search over the programme's policy levers (Optuna's NSGA-II).

Each candidate (a set of lever values) is one scenario: the base scenario with the levers
applied. It runs on the same replicate seeds as every other candidate (common random numbers), on
the sweep executors (a local process pool or Dask), and every run goes to the results store, so
a candidate already evaluated is read back, not re-run. The Optuna study lives in the same
database (Optuna's own tables), named from everything that fixes the search: a rerun with the same
arguments resumes it and runs only the trials still missing from the budget. Objectives are
means over the seeds and are all minimised.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from experiments.runner import load_result, store_result
from experiments.spec import Outcomes, apply
from experiments.sweep import Executor, SweepTask, TaskRun
from results.analysis import donor_pressure, donor_regions, run_outcomes, years_to_all_within
from results.store import ResultStore
from sim.outputs import RunResult
from sim.provenance import code_version
from sim.run import run_key
from sim.scenario import Scenario
from sim.world import World

ALL_GROUPS = (  # expansion posts go to every specialty group, split by national intake
    "group:medicine",
    "group:surgery",
    "group:acute",
    "group:psychiatry",
    "group:diagnostics",
    "group:other",
    "group:women_children",
)


@dataclass(frozen=True)
class Lever:
    """A policy lever the search may set, with its range."""

    name: str
    path: str  # dotted key into the resolved scenario ("expansion" is built, see `candidate`)
    low: float
    high: float
    label: str
    short: str  # a few words, for sentences and axis ticks
    integer: bool = False


LEVERS = (
    Lever(
        "pace",
        "policy.programme.gap_share_per_year",
        0.05,
        1.0,
        "Pace: share of each donor's starting gap moved per year",
        "pace",
    ),
    Lever(
        "capacity_growth",
        "policy.programme.capacity_growth",
        0.0,
        0.15,
        "Yearly growth of training capacity (Creating Educational Capacity)",
        "capacity growth",
    ),
    Lever(
        "expansion_posts_per_year",
        "expansion",
        0.0,
        1000.0,
        "Expansion posts a year in 2024-26, placed by fair share",
        "expansion",
        integer=True,
    ),
    Lever(
        "recruitment_bonus",
        "policy.incentives.recruitment_bonus",
        0.0,
        2.0,
        "Recruitment incentive in regions under fair share (applicant utility)",
        "recruitment incentive",
    ),
    Lever(
        "fair_share_tolerance",
        "policy.programme.fair_share_tolerance",
        0.01,
        0.15,
        "Target level: moves stop when every area is within this share of fair share",
        "target level",
    ),
)
OBJECTIVES = ("years_to_fair_share", "icb_gini_end", "donor_pressure_end", "unplaced_moves")
EXPANSION_YEARS = (2024, 3, 10)  # start, years, post lifetime: as msd_with_expansion


def candidate(base: Scenario, levers: dict[str, float], name: str) -> Scenario:
    """The base scenario with the lever values applied (and the programme switched on)."""
    data = base.resolved()
    data["name"] = name
    data["policy"]["programme"]["enabled"] = True
    values = {}
    for lever in LEVERS:
        if lever.name not in levers:
            continue
        value = levers[lever.name]
        if lever.path == "expansion":
            start, years, life = EXPANSION_YEARS
            posts = int(round(value))
            data["policy"]["programme"]["expansion"] = (
                [
                    {
                        "specialties": list(ALL_GROUPS),
                        "posts_per_year": posts,
                        "start_year": start,
                        "years": years,
                        "post_lifetime_years": life,
                    }
                ]
                if posts > 0
                else []
            )
        else:
            values[lever.path] = int(round(value)) if lever.integer else float(value)
    return Scenario.model_validate(apply(data, values))


def objectives(run: RunResult, donors: list[str]) -> dict[str, float]:
    """The objectives of one run (all minimised)."""
    end = int(run.region_year["year"].max())
    outcomes = run_outcomes(run, donors)
    return {
        "years_to_fair_share": years_to_all_within(run),
        "icb_gini_end": outcomes["icb_gini_end"],
        "donor_pressure_end": donor_pressure(run, end, donors),
        "unplaced_moves": float(run.summary["unplaced_moves"]),
    }


@dataclass
class Evaluation:
    """One candidate: its levers, per-seed objectives and the runs behind them."""

    trial: int
    levers: dict[str, float]
    per_seed: list[dict[str, float]] = field(default_factory=list)
    run_keys: list[str] = field(default_factory=list)

    @property
    def objectives(self) -> dict[str, float]:
        """Means over the seeds."""
        return {k: float(np.mean([s[k] for s in self.per_seed])) for k in OBJECTIVES}


@dataclass
class Search:
    """Everything that fixes a search (and so names its study)."""

    base: Scenario
    years: int
    seeds: list[int]
    world: World
    data: Path | None = None

    def study_name(self) -> str:
        """Name of the Optuna study: a hash of base scenario, horizon, seeds, data, code, levers."""
        payload = json.dumps(
            {
                "base": self.base.resolved(),
                "years": self.years,
                "seeds": self.seeds,
                "data": self.world.fingerprint,
                "code": code_version(),
                "levers": [(lv.name, lv.path, lv.low, lv.high) for lv in LEVERS],
                "objectives": OBJECTIVES,
            },
            sort_keys=True,
        )
        return f"optimise-{self.base.name}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"

    def scenario(self, levers: dict[str, float]) -> Scenario:
        """The candidate scenario (named from its lever values: equal levers share runs)."""
        text = json.dumps(levers, sort_keys=True)
        name = f"{self.base.name}-opt-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
        return candidate(self.base, levers, name)

    def keys(self, scenario: Scenario) -> list[str]:
        """Run keys of a candidate, one per seed."""
        return [run_key(scenario, s, self.years, self.world) for s in self.seeds]


def evaluate(
    search: Search,
    batch: list[tuple[int, dict[str, float]]],
    store: ResultStore,
    executor: Callable[[], Executor],
    progress: Callable[[int], None] | None = None,
) -> list[Evaluation]:
    """Evaluate candidates: stored runs are read back, the rest run on the executor."""
    scenarios = {t: search.scenario(levers) for t, levers in batch}
    results: dict[str, RunResult] = {}
    todo: list[TaskRun] = []
    for sc in scenarios.values():
        data = sc.resolved()
        for seed, key in zip(search.seeds, search.keys(sc), strict=True):
            if key in results or any(r.key == key for r in todo):
                continue  # two candidates of a batch with the same levers
            if store.has_run(key):
                results[key] = load_result(store, key)
                if progress is not None:
                    progress(1)
            else:
                todo.append(TaskRun(key, data, seed))
    if todo:
        _run_on(executor(), todo, search, store, results, progress)
    out = []
    for t, levers in batch:
        ev = Evaluation(t, levers, run_keys=search.keys(scenarios[t]))
        for key in ev.run_keys:  # donors: regions over fair share at the run's base year
            ev.per_seed.append(objectives(results[key], donor_regions(results[key])))
        out.append(ev)
    return out


def _tasks(todo: list[TaskRun], search: Search) -> Iterator[SweepTask]:
    data = None if search.data is None else str(Path(search.data).resolve())
    for i, run in enumerate(todo):
        yield SweepTask(i, (run,), search.years, data, Outcomes())


def _run_on(
    executor: Executor,
    todo: list[TaskRun],
    search: Search,
    store: ResultStore,
    results: dict[str, RunResult],
    progress: Callable[[int], None] | None,
) -> None:
    """Run the missing runs, storing each as it arrives; a failed run stops the search."""
    window = 2 * max(executor.workers, 1)
    for task, outcome in executor.stream(_tasks(todo, search), window):
        if isinstance(outcome, BaseException):
            raise RuntimeError(f"a candidate's run failed on the executor: {outcome}")
        for item in outcome:
            if not isinstance(item, RunResult):
                raise RuntimeError(f"run {item.key} failed: {item.error.splitlines()[0]}")
            store_result(store, item)
            results[item.run_key] = item
        if progress is not None:
            progress(len(task.runs))


def as_record(ev: Evaluation) -> dict[str, Any]:
    """An evaluation as plain JSON-able data."""
    return {
        "trial": ev.trial,
        "levers": ev.levers,
        "objectives": ev.objectives,
        "per_seed": ev.per_seed,
        "run_keys": ev.run_keys,
    }


def distributions() -> dict[str, Any]:
    """Optuna search space of the levers."""
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        lv.name: IntDistribution(int(lv.low), int(lv.high))
        if lv.integer
        else FloatDistribution(lv.low, lv.high)
        for lv in LEVERS
    }


@dataclass
class SearchResult:
    """What a search returns: every completed evaluation, the front, how much was resumed."""

    study: str
    evaluations: list[Evaluation]
    front: list[int]  # trial numbers of the Pareto-optimal evaluations
    resumed: int  # trials already complete in the store when this call started
    new: int  # trials evaluated by this call


def open_study(url: str, name: str, directions: list[str], sampler: Any) -> tuple[Any, int]:  # noqa: ANN401
    """An Optuna study in the results database, created or resumed, with its complete trials.

    Trials an interrupted search left running are marked failed (they are asked again).
    """
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        directions=directions,
        sampler=sampler,
        load_if_exists=True,
    )
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_state_values(stale._trial_id, TrialState.FAIL)
    return study, len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def optimise(
    search: Search,
    store: ResultStore,
    url: str,
    budget: int,
    population: int,
    seed: int,
    executor: Callable[[], Executor],
    progress: Callable[[int], None] | None = None,
) -> SearchResult:
    """Run (or resume) the study until `budget` trials are complete, one generation at a time."""
    import optuna
    from optuna.trial import TrialState

    from results.experiment_tables import write_evaluations

    study, resumed = open_study(
        url,
        search.study_name(),
        ["minimize"] * len(OBJECTIVES),
        optuna.samplers.NSGAIISampler(population_size=population, seed=seed),
    )
    done = resumed
    space = distributions()
    while done < budget:
        trials = [study.ask(space) for _ in range(min(population, budget - done))]
        batch = [(t.number, dict(t.params)) for t in trials]
        evaluated = evaluate(search, batch, store, executor, progress)
        for trial, ev in zip(trials, evaluated, strict=True):
            trial.set_user_attr("per_seed", ev.per_seed)
            trial.set_user_attr("run_keys", ev.run_keys)
            study.tell(trial, [ev.objectives[k] for k in OBJECTIVES])
            write_evaluations(store, study.study_name, ev.trial, ev.levers, ev.objectives)
        done += len(trials)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    evaluations = [
        Evaluation(t.number, dict(t.params), t.user_attrs["per_seed"], t.user_attrs["run_keys"])
        for t in complete
    ]
    front = sorted(t.number for t in study.best_trials)
    return SearchResult(study.study_name, evaluations, front, resumed, done - resumed)
