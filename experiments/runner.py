"""Run replicates of a scenario, storing each run as it finishes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from results.store import ResultStore
from sim.inputs import check_replicates, check_seed
from sim.outputs import RunResult
from sim.provenance import stamp
from sim.run import run_key, run_scenario
from sim.scenario import Scenario
from sim.world import World


def replicate_seeds(master: int, replicates: int) -> list[int]:
    """Replicate 0 uses the master seed; the others are derived by NumPy's SeedSequence."""
    check_seed(master)
    check_replicates(replicates)
    extra = np.random.SeedSequence(master).generate_state(max(replicates - 1, 0), dtype=np.uint32)
    return [int(master), *(int(s) for s in extra)]


def store_result(store: ResultStore, result: RunResult) -> bool:
    """Write one run to the store with its provenance; False if it was already there."""
    return store.write_run(result, **stamp())


def run_replicates(
    scenario: Scenario,
    seeds: list[int],
    years: int,
    world: World,
    store: ResultStore | None,
    progress: Callable[[int], None] | None = None,
) -> list[RunResult]:
    """Run one scenario for each seed; runs already in the store are read back, not re-run."""
    out = []
    for seed in seeds:
        key = run_key(scenario, seed, years, world)
        if store is not None and store.has_run(key):
            out.append(load_result(store, key))
            if progress is not None:
                progress(years)
            continue
        result = run_scenario(scenario, seed, years, world, progress)
        if store is not None:
            store_result(store, result)
        out.append(result)
    return out


def load_result(store: ResultStore, key: str) -> RunResult:
    """A stored run, rebuilt as a RunResult."""
    run = store.runs().set_index("run_key").loc[key]
    summary = store.summary([key]).drop(columns=["run_key", "scenario", "seed"], errors="ignore")
    return RunResult(
        run_key=key,
        scenario=str(run["scenario"]),
        params=dict(run["params"]),
        seed=int(run["seed"]),
        years=int(run["years"]),
        base_year=int(run["base_year"]),
        region_year=store.region_year([key]).drop(columns=["run_key"]),
        icb_year=store.icb_year([key]).drop(columns=["run_key"]),
        summary={k: float(v) for k, v in summary.iloc[0].items()},
        person_months=int(run["person_months"]),
        seconds=float(run["seconds"]),
    )
