"""Compare runs with every calibration target: means over seeds with 95% intervals."""

from __future__ import annotations

from typing import Any

import numpy as np

from calibration.targets import TARGETS, Target
from sim.outputs import RunResult

CHECK_YEARS = 25  # long enough for the O&G cohorts of 2024-2026 to finish (7-year programme)
CHECK_SEEDS = 3  # one round's fill by level varies by ~1.5 points between seeds


def compare_targets(
    runs: list[RunResult], targets: tuple[Target, ...] = TARGETS
) -> list[dict[str, Any]]:
    """Each target with the simulated mean over runs, its 95% interval and whether it holds."""
    from results.metrics import mean_ci

    out = []
    for t in targets:
        values = [t.of(r) for r in runs]
        mean, low, high = mean_ci(values) if not np.isnan(values).any() else (np.nan,) * 3
        out.append(
            {
                "name": t.name,
                "observed": t.value,
                "simulated": float(mean),
                "interval": [float(low), float(high)],
                "per_seed": [float(v) for v in values],
                "tolerance": t.tolerance,
                "range": list(t.range),
                "within_tolerance": bool(t.holds(mean)),
                "unit": t.unit,
                "years": t.years,
                "measure": t.measure,
                "source": t.source,
                "url": t.url,
            }
        )
    return out


def loss(rows: list[dict[str, Any]]) -> float:
    """The calibration loss: mean over targets of ((simulated - observed) / tolerance)^2.

    A target exactly at the edge of its tolerance adds 1; a NaN (a run too short to measure a
    target) makes the loss infinite.
    """
    z = [((r["simulated"] - r["observed"]) / r["tolerance"]) ** 2 for r in rows]
    return float(np.mean(z)) if np.isfinite(z).all() else float("inf")
