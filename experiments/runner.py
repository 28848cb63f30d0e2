"""Run replicates of a scenario, storing each run as it finishes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from results.store import ResultStore
from sim.inputs import check_replicates, check_seed
from sim.model import run_scenario
from sim.outputs import RunResult
from sim.provenance import stamp
from sim.run import run_key
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
    return load_results(store, [key])[key]


def load_results(store: ResultStore, keys: list[str]) -> dict[str, RunResult]:
    """Stored completed runs, rebuilt as RunResults, read in one query per table."""
    keys = list(dict.fromkeys(keys))
    runs = store.runs(run_keys=keys).set_index("run_key").loc[keys]
    summary = store.summary(keys).drop(columns=["scenario", "seed"], errors="ignore")
    summary = summary.set_index("run_key")
    region = dict(tuple(store.region_year(keys).groupby("run_key", sort=False)))
    icb = dict(tuple(store.icb_year(keys).groupby("run_key", sort=False)))
    empty_region, empty_icb = store.region_year([]), store.icb_year([])
    out = {}
    for key in keys:
        run = runs.loc[key]
        out[key] = RunResult(
            run_key=key,
            scenario=str(run["scenario"]),
            params=dict(run["params"]),
            seed=int(run["seed"]),
            years=int(run["years"]),
            base_year=int(run["base_year"]),
            region_year=region.get(key, empty_region)
            .drop(columns=["run_key"])
            .reset_index(drop=True),
            icb_year=icb.get(key, empty_icb).drop(columns=["run_key"]).reset_index(drop=True),
            summary={k: float(v) for k, v in summary.loc[key].items()},
            person_months=int(run["person_months"]),
            seconds=float(run["seconds"]),
        )
    return out
