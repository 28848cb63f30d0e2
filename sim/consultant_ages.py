"""Consultant ages and exit dates: a start with no retirement wave.

A consultant retires at an age R ~ Normal(mean, sd) drawn once, and leaves for other reasons at
a constant yearly rate; the exit month is whichever comes first. A consultant already in post at
age a draws R from the same distribution *given R > a* (inverse CDF of the upper tail), so
nobody is "overdue" at the start.

The base-year age profile is the stationary one of that exit process for a workforce whose
entries grow at the rate of funded posts: entry ages are a mixture of CCT holders
(Normal(cct_age_mean, 2)) and international recruits (Normal(img_age_mean, 4)), and the density
of age a is P(R > a) x the integral over entry ages a0 < a of entry(a0) x
exp(-(leave + growth) (a - a0)). With it, exits in the first months run at the same rate as
later ones.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from sim.params import WorldParams

IMG_ENTRY_SHARE = 0.25  # "nearly a quarter" of consultants appointed are overseas-trained (§6.4)
CCT_AGE_SD = 2.0  # years: sd of the age at CCT (mean `cct_age_mean`); ESTIMATE
IMG_AGE_SD = 4.0  # years: sd of recruits' age at appointment (mean `img_age_mean`); ESTIMATE
_GRID = np.arange(24.0, 80.0, 0.05)  # ages in years


def stationary_age_cdf(p: WorldParams) -> tuple[np.ndarray, np.ndarray]:
    """Ages and the cumulative distribution of consultants' ages in the stationary workforce."""
    a = _GRID
    entry = (1 - IMG_ENTRY_SHARE) * _normal_pdf(a, p.cct_age_mean, CCT_AGE_SD) + IMG_ENTRY_SHARE * (
        _normal_pdf(a, p.img_age_mean, IMG_AGE_SD)
    )
    decay = p.consultant_leave_rate + max(p.establishment_growth, 0.0)
    step = a[1] - a[0]
    kernel = np.exp(-decay * (a - a[0]))
    stock = np.convolve(entry, kernel)[: len(a)] * step  # entries of every age a0 < a, survived
    density = stock * retirement_survival(a, p)
    cdf = np.cumsum(density)
    return a, cdf / cdf[-1]


def retirement_survival(age: np.ndarray, p: WorldParams) -> np.ndarray:
    """P(retirement age > age)."""
    if p.retirement_age_sd == 0:
        return (age < p.retirement_age_mean).astype(float)
    return ndtr((p.retirement_age_mean - age) / p.retirement_age_sd)


def exit_months(
    p: WorldParams, age: np.ndarray, u_retire: np.ndarray, u_leave: np.ndarray
) -> np.ndarray:
    """Months until a consultant now aged `age` retires or leaves, from two uniforms."""
    if p.retirement_age_sd == 0:
        retire = np.maximum(p.retirement_age_mean, age)
    else:
        upper = ndtr((p.retirement_age_mean - age) / p.retirement_age_sd)  # P(R > age)
        tail = np.maximum(u_retire * upper, 1e-300)
        retire = p.retirement_age_mean - p.retirement_age_sd * ndtri(tail)
    leave = -np.log(u_leave) / max(p.consultant_leave_rate, 1e-12)
    return np.minimum((retire - age) * 12.0, leave * 12.0)


def _normal_pdf(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / sd) ** 2)
