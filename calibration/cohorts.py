"""Cohort outcomes of a finished model run: time to CCT and non-completion by specialty."""

from __future__ import annotations

import numpy as np

from agents.trainee import CONSULTANT, LEFT, LOST, SEEKING
from sim.model import TraineeFlowModel

_COMPLETED = (SEEKING, CONSULTANT, LOST)


def recruited(
    model: TraineeFlowModel, first_month: int = 1, last_month: int | None = None
) -> np.ndarray:
    """Rows of trainees recruited in the model between two months (inclusive)."""
    tr = model.trainees
    start = tr.start_t[: tr.n]
    last = np.iinfo(np.int32).max if last_month is None else last_month
    return np.flatnonzero((start >= first_month) & (start <= last))


def training_time_ratio(model: TraineeFlowModel) -> float:
    """Mean calendar time from start to CCT over nominal training years, for model recruits."""
    tr = model.trainees
    rows = recruited(model)
    done = rows[np.isin(tr.status[rows], _COMPLETED)]
    years = (tr.end_t[done] - tr.start_t[done]) / 12.0
    return float(np.mean(years / model.ctx.specs.years[tr.spec[done]]))


def non_completion(
    model: TraineeFlowModel, specialty: str, first_month: int, last_month: int
) -> float:
    """Share of a specialty's recruits of the given months who left without CCT.

    Only meaningful once the cohort has had time to finish (run long enough after last_month).
    """
    tr = model.trainees
    s = model.world.specialty_codes.index(specialty)
    rows = recruited(model, first_month, last_month)
    rows = rows[tr.spec[rows] == s]
    return float(np.mean(tr.status[rows] == LEFT))
