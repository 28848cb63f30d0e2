"""Global sensitivity of headline outcomes to the uncertain parameters (Morris screening, SALib).

Which of the world's uncertain parameters move the answers a policy team cares about? Morris
elementary effects (mu_star: mean absolute effect; sigma: non-linearity or interaction) over
named, bounded parameters, each sample run with the same seed (common random numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from sim.run import run_scenario
from sim.scenario import Scenario
from sim.world import World

BOUNDS = {
    # ESTIMATE ranges around the defaults of sim/params.py (each default's source there)
    "settlement_decay_miles": (12.0, 35.0),
    "establishment_growth": (0.01, 0.05),
    "img_inflow_share": (0.005, 0.03),
    "post_creation_rate": (0.0, 0.1),
    "consultant_leave_rate": (0.01, 0.03),
    "attrition_multiplier": (0.7, 1.3),
    "home_pull": (0.5, 3.0),
}
OUTCOMES = (
    "settled_within_50_miles",
    "consultants_end",
    "fill_rate",
    "cct_unplaced",
    "consultant_vacancy_rate_end",
)


def problem(bounds: dict[str, tuple[float, float]] = BOUNDS) -> dict:
    """The SALib problem definition for the given parameter bounds."""
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [list(b) for b in bounds.values()],
    }


def morris(
    scenario: Scenario,
    world: World,
    trajectories: int = 4,
    years: int = 10,
    seed: int = 1,
    bounds: dict[str, tuple[float, float]] = BOUNDS,
) -> pd.DataFrame:
    """Morris mu_star and sigma of each outcome for each parameter (tidy table)."""
    prob = problem(bounds)
    x = morris_sample.sample(prob, trajectories, num_levels=4, seed=seed)
    y = {name: np.empty(len(x)) for name in OUTCOMES}
    for i, row in enumerate(x):
        params = scenario.world.model_copy(
            update=dict(zip(prob["names"], row.tolist(), strict=True))
        )
        summary = run_scenario(
            scenario.model_copy(update={"world": params}), seed, years, world
        ).summary
        for name in OUTCOMES:
            y[name][i] = summary[name]
    rows = []
    for name in OUTCOMES:
        res = morris_analyze.analyze(prob, x, y[name], num_levels=4, seed=seed)
        for j, par in enumerate(prob["names"]):
            rows.append(
                {
                    "outcome": name,
                    "parameter": par,
                    "mu_star": float(res["mu_star"][j]),
                    "sigma": float(res["sigma"][j]),
                }
            )
    return pd.DataFrame(rows)
