"""Integer allocation used by the data build: half-up rounding and largest remainder."""

from __future__ import annotations

import math

import numpy as np


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up (no banker's rounding)."""
    return math.floor(x + 0.5)


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split integer `total` in proportion to `weights` (Hamilton / largest-remainder method).

    Ties in the remainders go to the earlier index, so the result is deterministic.
    """
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    quotas = total * w / w.sum()
    base = np.floor(quotas).astype(np.int64)
    order = np.argsort(-(quotas - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base
