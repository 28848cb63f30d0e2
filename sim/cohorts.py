"""Cohort outcomes of a finished model run: time to CCT and non-completion by specialty.

They need the trainee columns (who started when, who finished how), so they are computed at the
end of a run and stored with its summary (`cohort_scalars`); the calibration targets
`training_time_ratio` and `og_non_completion` read them there (calibration/targets.csv).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.trainee import CONSULTANT, LEFT, LOST, SEEKING

if TYPE_CHECKING:
    from sim.context import Context

_COMPLETED = (SEEKING, CONSULTANT, LOST)
OG = "obstetrics_gynaecology"
OG_COHORT_MONTHS = (12, 36)  # O&G recruits of August 2024-2026, followed to the end of the run


def recruited(
    ctx: Context, first_month: int = 1, last_month: int | None = None
) -> np.ndarray:
    """Rows of trainees recruited in the model between two months (inclusive)."""
    tr = ctx.trainees
    start = tr.start_t[: tr.n]
    last = np.iinfo(np.int32).max if last_month is None else last_month
    return np.flatnonzero((start >= first_month) & (start <= last))


def training_time_ratio(ctx: Context) -> float:
    """Mean calendar time from start to CCT over nominal training years, for model recruits.

    NaN while no model recruit has completed (runs shorter than the shortest programme).
    """
    tr = ctx.trainees
    rows = recruited(ctx)
    done = rows[np.isin(tr.status[rows], _COMPLETED)]
    if not len(done):
        return float("nan")
    years = (tr.end_t[done] - tr.start_t[done]) / 12.0
    return float(np.mean(years / ctx.specs.years[tr.spec[done]]))


def non_completion(
    ctx: Context, specialty: str, first_month: int, last_month: int
) -> float:
    """Share of a specialty's recruits of the given months who left without CCT.

    Only meaningful once the cohort has had time to finish (run long enough after last_month);
    NaN when the cohort is empty.
    """
    tr = ctx.trainees
    s = ctx.world.specialty_codes.index(specialty)
    rows = recruited(ctx, first_month, last_month)
    rows = rows[tr.spec[rows] == s]
    if not len(rows):
        return float("nan")
    return float(np.mean(tr.status[rows] == LEFT))


def cohort_scalars(ctx: Context) -> dict[str, float]:
    """The cohort outcomes stored in a run's summary (NaN where a run cannot tell yet)."""
    og = (
        non_completion(ctx, OG, *OG_COHORT_MONTHS)
        if OG in ctx.world.specialty_codes
        else float("nan")
    )
    return {"training_time_ratio": training_time_ratio(ctx), "og_non_completion": og}
