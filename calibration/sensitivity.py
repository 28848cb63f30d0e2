"""Global sensitivity of policy outcomes to the uncertain world parameters (SALib).

Morris elementary effects (`mu_star` with its bootstrap confidence `mu_star_conf`, `sigma`) to
screen, Sobol first-order and total indices (`S1`, `ST` with confidence intervals) to apportion
variance. Each sample point runs the base scenario (no redistribution) and the programme
scenario on the same seed (common random numbers), so the programme effect at a point is a
paired difference. All runs go through the sweep executors and the results store
(`experiments.batch`); `analyse` is the one code path that turns a sample and its outputs into
indices, used both for the model and for the analytic test (tests/test_sensitivity.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from experiments.batch import Design, run_design
from experiments.sweep import Executor
from results.store import ResultStore
from sim.outputs import RunResult
from sim.scenario import Scenario
from sim.world import World

type Method = Literal["morris", "sobol"]

RANGES: dict[str, tuple[float, float, str]] = {
    # ESTIMATE ranges around the defaults of sim/params.py (each default's source there)
    "settlement_decay_miles": (15.0, 35.0, "fitted 23.3; the 80% target moves ±3 points"),
    "settlement_home_pull": (1.0, 4.0, "no published figure (Goldacre 2013, §4.4)"),
    "home_pull": (0.5, 3.0, "no published figure (Goldacre 2013, §4.4)"),
    "attrition_multiplier": (0.7, 1.3, "specialty rates 2.7-4.2%/yr (§4.3)"),
    "establishment_growth": (0.01, 0.05, "consultants grew 3.1-3.4%/yr (§6.1)"),
    "img_inflow_share": (0.005, 0.03, "a quarter of appointments trained abroad (§6.4)"),
    "consultant_leave_rate": (0.01, 0.03, "wastage 4.1-6%/yr with retirement (§6.5)"),
    "post_creation_rate": (0.0, 0.1, "no published figure"),
}
OUTCOMES: dict[str, str] = {
    "programme_effect_icb_gini": "ICB coverage Gini, programme minus base (paired)",
    "programme_effect_north_coverage": "North coverage, programme minus base (paired)",
    "icb_gini_end": "ICB coverage Gini at the end, with the programme",
    "north_coverage_end": "North's consultant share / need share at the end, with the programme",
    "consultants_end": "consultants in post at the end, with the programme",
    "settled_within_50_miles": "share of CCT holders settling within 50 miles, base scenario",
}
MORRIS_LEVELS = 4
MIN_MORRIS_TRAJECTORIES = 10  # Campolongo et al. 2007 suggest 10-20 for a stable ranking
MIN_SOBOL_SAMPLES = 256  # below this the bootstrap intervals of S1/ST are wide (Saltelli 2010)
WIDE_CONF = 0.1  # an index whose 95% interval is wider than ±0.1 is not stable


def problem(ranges: dict[str, tuple[float, float, str]] = RANGES) -> dict[str, Any]:
    """The SALib problem for the given ranges."""
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[lo, hi] for lo, hi, _ in ranges.values()],
    }


def sample(method: Method, prob: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """The design: Morris trajectories (n of them) or Sobol/Saltelli points (n x (d + 2))."""
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(prob, n, calc_second_order=False, seed=seed)


@dataclass
class Sensitivity:
    """Indices of every outcome for every parameter (tidy rows) and warnings."""

    method: Method
    n: int
    evaluations: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def ranking(self, outcome: str) -> list[str]:
        """Parameters by importance for one outcome (ST for Sobol, mu_star for Morris)."""
        key = "ST" if self.method == "sobol" else "mu_star"
        rows = [r for r in self.rows if r["outcome"] == outcome]
        return [r["parameter"] for r in sorted(rows, key=lambda r: -r[key])]


def analyse(
    method: Method,
    prob: dict[str, Any],
    x: np.ndarray,
    outputs: dict[str, np.ndarray],
    n: int,
    seed: int,
) -> Sensitivity:
    """Indices with 95% confidence intervals, and a warning where the sample is too small."""
    res = Sensitivity(method, n, len(x))
    small = MIN_MORRIS_TRAJECTORIES if method == "morris" else MIN_SOBOL_SAMPLES
    if n < small:
        what = "trajectories" if method == "morris" else "base samples"
        res.warnings.append(
            f"{n} {what} is too few for stable indices (use at least {small}); read the "
            "confidence intervals"
        )
    for outcome, y in outputs.items():
        if method == "morris":
            from SALib.analyze import morris

            si = morris.analyze(prob, x, y, num_levels=MORRIS_LEVELS, seed=seed)
            keys = ("mu_star", "mu_star_conf", "sigma", "mu")
        else:
            from SALib.analyze import sobol

            si = sobol.analyze(prob, y, calc_second_order=False, seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        for j, par in enumerate(prob["names"]):
            res.rows.append(
                {"outcome": outcome, "parameter": par, **{k: float(si[k][j]) for k in keys}}
            )
        if method == "sobol":
            wide = max(max(si["S1_conf"]), max(si["ST_conf"]))
            if wide > WIDE_CONF and n >= small:
                res.warnings.append(
                    f"{outcome}: some 95% intervals are ±{wide:.2f} wide; raise --samples"
                )
    return res


def run_sensitivity(
    method: Method,
    n: int,
    seed: int,
    evaluate: Callable[[np.ndarray], dict[str, np.ndarray]],
    ranges: dict[str, tuple[float, float, str]] = RANGES,
) -> tuple[Sensitivity, np.ndarray, dict[str, np.ndarray]]:
    """Sample, evaluate every point (`evaluate`: rows of x -> outputs) and analyse."""
    prob = problem(ranges)
    x = sample(method, prob, n, seed)
    outputs = evaluate(x)
    return analyse(method, prob, x, outputs, n, seed), x, outputs


def point_outcomes(base: RunResult, programme: RunResult) -> dict[str, float]:
    """The outcomes of one sample point: base and programme runs on the same seed."""
    from results.analysis import donor_regions, run_outcomes

    donors = donor_regions(base)
    b, p = run_outcomes(base, donors), run_outcomes(programme, donors)
    return {
        "programme_effect_icb_gini": p["icb_gini_end"] - b["icb_gini_end"],
        "programme_effect_north_coverage": p["north_coverage_end"] - b["north_coverage_end"],
        "icb_gini_end": p["icb_gini_end"],
        "north_coverage_end": p["north_coverage_end"],
        "consultants_end": p["consultants_end"],
        "settled_within_50_miles": b["settled_within_50_miles"],
    }


def model_evaluator(
    base: Scenario,
    programme: Scenario,
    years: int,
    seed: int,
    world: World,
    store: ResultStore,
    executor: Callable[[], Executor],
    data: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """Sample rows -> outcomes: both scenarios at every point on one seed, on the executors."""
    names = list(RANGES)

    def evaluate(x: np.ndarray) -> dict[str, np.ndarray]:
        pts = [{f"world.{k}": float(v) for k, v in zip(names, row, strict=True)} for row in x]
        design = Design("sensitivity", [base, programme], years, seed, 1, pts)
        batch = run_design(design, world, store, executor, data, progress)
        rows = [point_outcomes(batch.runs(0, i)[0], batch.runs(1, i)[0]) for i in range(len(x))]
        return {k: np.array([r[k] for r in rows]) for k in OUTCOMES}

    return evaluate


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function (inputs uniform on [-pi, pi]); its Sobol indices are known."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    """Analytic first-order and total Sobol indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": np.array([v1, v2, 0.0]) / v, "ST": np.array([v1 + v13, v2, v13]) / v}
