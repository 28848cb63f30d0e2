"""Fit recruitment behaviour to England's 2024 fill rates by entry level.

Three parameters (the appointable share of unique applicants, and the outside options below
which a CT1/ST1 or an ST3/ST4 applicant would rather not train in an office) against three
targets (CT1/ST1 99.3%, ST3 90.1%, ST4 82.7%; docs/sources.md §6.3). The loss is the largest
absolute difference in percentage points at the first recruitment round (August 2023 is the
base year, so the model's first round is the 2024 one), mean over CALIBRATION_SEEDS (one round's
fill varies by about 1.5 points between seeds), minimised by Nelder-Mead (SciPy): the targets
are checked one by one against a tolerance, so the worst one is what matters.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from sim.market_outcomes import market_outputs
from sim.run import run_scenario
from sim.scenario import Scenario
from sim.world import World

FILL_2024 = {1: 0.993, 3: 0.901, 4: 0.827}  # docs/sources.md §3.3 / §6.3
PARAMS = ("appointable_share", "outside_option", "outside_option_round2")


CALIBRATION_SEEDS = (1, 2, 3)


def fill_by_level(scenario: Scenario, world: World, seeds: list[int], years: int = 1) -> dict:
    """Mean fill rate by entry level at the first recruitment round, over seeds.

    The first round's fill is `fill_rate_by_level` of `sim.market_outcomes` (one definition).
    """
    out: dict[int, list[float]] = {}
    for seed in seeds:
        ry = run_scenario(scenario, seed, years, world).region_year
        for lvl, v in market_outputs(ry, world)["fill_rate_by_level"].items():
            out.setdefault(int(lvl), []).append(v)
    return {lvl: float(np.mean(v)) for lvl, v in out.items()}


def fit_recruitment(
    scenario: Scenario,
    world: World,
    seeds: tuple[int, ...] = CALIBRATION_SEEDS,
    max_evals: int = 60,
) -> dict[str, float]:
    """Parameter values minimising the largest fill-rate error (percentage points)."""

    def with_params(x: np.ndarray) -> Scenario:
        values = {
            "appointable_share": float(np.clip(x[0], 0.05, 1.0)),
            "outside_option": float(x[1]),
            "outside_option_round2": float(x[2]),
        }
        return scenario.model_copy(update={"world": scenario.world.model_copy(update=values)})

    def loss(x: np.ndarray) -> float:
        fill = fill_by_level(with_params(x), world, list(seeds))
        return max(abs(100 * (fill[k] - v)) for k, v in FILL_2024.items() if k in fill)

    start = np.array([getattr(scenario.world, name) for name in PARAMS], dtype=float)
    res = minimize(loss, start, method="Nelder-Mead", options={"maxfev": max_evals, "xatol": 0.01})
    best = with_params(res.x).world
    return {name: getattr(best, name) for name in PARAMS} | {"loss": float(res.fun)}
