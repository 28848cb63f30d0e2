"""Integer allocation for the model and the data build: half-up rounding, largest remainder."""

from __future__ import annotations

import math

import numpy as np


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up (no banker's rounding)."""
    return math.floor(x + 0.5)


def largest_remainder(
    total: int, weights: np.ndarray, caps: np.ndarray | None = None
) -> np.ndarray:
    """Split integer `total` in proportion to `weights`, at most `caps` (floored) each.

    Hamilton's largest-remainder method: each element gets the floor of its quota and what is
    left goes one each to the largest remainders (ties to the earlier index, so the result is
    deterministic). With caps, an element whose quota passes its cap gets the cap and the rest
    is split again over the others. Elements of zero weight get nothing; when the caps hold less
    than `total`, every element of positive weight is filled to its cap.
    """
    w = np.maximum(np.asarray(weights, dtype=float), 0.0)
    out = np.zeros(len(w), dtype=np.int64)
    cap = None if caps is None else np.floor(np.asarray(caps, dtype=float) + 1e-9).astype(np.int64)
    open_ = (w > 0) if cap is None else (w > 0) & (cap > 0)
    remaining = int(total)
    while remaining > 0 and open_.any():
        share = np.where(open_, w, 0.0)
        quotas = remaining * share / share.sum()
        over = open_ & (quotas > cap) if cap is not None else np.zeros(len(w), dtype=bool)
        if over.any():  # capped elements are filled and closed; split the rest again
            out[over] = cap[over]
            remaining -= int(cap[over].sum())
            open_ &= ~over
            continue
        base = np.floor(quotas).astype(np.int64)
        order = np.argsort(-(quotas - base), kind="stable")
        base[order[: remaining - int(base.sum())]] += 1
        out += base
        break
    return out
