"""The Python API: run a scenario with parameter values from your own code or tool.

    from experiments.api import simulate
    out = simulate("msd_programme", {"world.settlement_decay_miles": 20}, years=25, seed=1)
    out.summary["settled_within_50_miles"], out.region_year, out.coverage

Parameters are the dotted keys of experiment specs (`world.<field>`, `policy.programme.<field>`,
`policy.programme.phases.1.years`, `policy.incentives.<field>`) and are validated exactly as a
scenario file is (`sim.scenario.with_values`): a misspelt key, a wrong type or an out-of-range
value is one `ScenarioError` naming the key. See docs/api.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.runner import replicate_seeds, run_replicates
from results.metrics import region_metrics
from sim.outputs import RunResult
from sim.scenario import Scenario, load_scenario, with_values
from sim.world import World

MAX_YEARS = 200  # as experiment specs (experiments/spec.py) and the CLI


@cache
def _world(data: Path | None) -> World:
    """A data directory (None: the bundled England data), loaded once per process."""
    return World.load(data)


@dataclass(frozen=True)
class Outcomes:
    """What `simulate` returns: scalar outcomes and tidy tables over all replicates."""

    scenario: Scenario  # the validated scenario, parameter values applied
    years: int
    seeds: tuple[int, ...]  # one per replicate (common random numbers across calls)
    summary: dict[str, float]  # mean over replicates of each scalar outcome
    replicates: pd.DataFrame  # one row per seed: seed + the scalar outcomes
    region_year: pd.DataFrame  # seed x year x region_code x specialty_code (sim.outputs)
    icb_year: pd.DataFrame  # seed x year x icb_code

    @property
    def coverage(self) -> pd.DataFrame:
        """Need coverage by seed x year x region (results.metrics.region_metrics)."""
        rows = []
        for (seed, year), table in self.region_year.groupby(["seed", "year"]):
            m = region_metrics(table.drop(columns="seed"), int(year))
            rows.append(m.assign(seed=seed, year=year))
        cols = ["seed", "year", "region_code", "need_share", "consultant_share", "coverage"]
        return pd.concat(rows, ignore_index=True)[cols]


def simulate(
    scenario: str | Path | Scenario = "baseline",
    params: Mapping[str, Any] | None = None,
    years: int = 25,
    seed: int = 1,
    replicates: int = 1,
    data: Path | None = None,
) -> Outcomes:
    """Run `scenario` (bundled name, TOML path or `Scenario`) with `params` applied.

    Replicate 0 uses `seed`, the others seeds derived from it (as `traineeflow run`), so two
    calls with the same seed share random numbers and differ only by their parameters.
    Raises `ScenarioError` for bad parameters and `ValueError` for bad years/seed/replicates.
    """
    _check_int("years", years, 1, MAX_YEARS)
    _check_int("replicates", replicates, 1, 100_000)
    _check_int("seed", seed, 0, 2**32 - 1)
    world = _world(data)
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, world)
    sc = with_values(base, params or {}, "params", world)
    seeds = replicate_seeds(seed, replicates)
    runs = run_replicates(sc, seeds, years, world, store=None)
    return _outcomes(sc, years, runs)


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number (got {value!r})")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high} (got {value})")


def _outcomes(sc: Scenario, years: int, runs: list[RunResult]) -> Outcomes:
    table = pd.DataFrame([{"seed": r.seed, **r.summary} for r in runs])
    summary = {k: float(table[k].mean()) for k in table.columns if k != "seed"}
    region = pd.concat([r.region_year.assign(seed=r.seed) for r in runs], ignore_index=True)
    icb = pd.concat([r.icb_year.assign(seed=r.seed) for r in runs], ignore_index=True)
    return Outcomes(
        scenario=sc,
        years=years,
        seeds=tuple(r.seed for r in runs),
        summary=summary,
        replicates=table,
        region_year=region[["seed", *runs[0].region_year.columns]],
        icb_year=icb[["seed", *runs[0].icb_year.columns]],
    )
