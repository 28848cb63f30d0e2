"""The peer toys of benchmarks/bench_peers.py implement the same flows.

Twenty seeds of the NumPy toy give each stock and flow total a mean and spread; the Starsim and
Mesa toys must land within four standard deviations of it on every one, and a NumPy toy with
twice the attrition must not (so the check can tell a different model apart).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks import toy_mesa, toy_numpy, toy_starsim
from benchmarks.toy_spec import ToyResult, ToySpec

SPEC = ToySpec(years=15).scaled(0.05)  # about 5,500 agents: a few seconds for all three
FIELDS = ("trainees", "consultants", "left", "completed", "retired", "settled_local")


@pytest.fixture(scope="module")
def reference() -> dict[str, tuple[float, float]]:
    """Mean and standard deviation of each field over 20 seeds of the NumPy toy."""
    runs = [toy_numpy.run(SPEC, seed) for seed in range(100, 120)]
    return {
        f: (
            float(np.mean([getattr(r, f) for r in runs])),
            float(np.std([getattr(r, f) for r in runs])),
        )
        for f in FIELDS
    }


def misfits(r: ToyResult, reference: dict[str, tuple[float, float]]) -> list[str]:
    """Fields of `r` more than four standard deviations from the reference mean."""
    out = []
    for f in FIELDS:
        mean, sd = reference[f]
        if abs(getattr(r, f) - mean) > 4.0 * max(sd, 1.0):
            out.append(f"{f}={getattr(r, f)} (reference {mean:.0f} +/- {sd:.0f})")
    return out


@pytest.mark.parametrize("toy", [toy_starsim, toy_mesa], ids=["starsim", "mesa"])
def test_toy_matches_numpy_reference(toy, reference) -> None:
    r = toy.run(SPEC, seed=1)
    assert r.months == SPEC.months
    assert r.intake == SPEC.intake * SPEC.years
    assert misfits(r, reference) == []
    # agent-months: the stock at the end of each month, so between the smallest and largest stock
    n0 = SPEC.trainees0 + SPEC.consultants0
    assert 0.8 * n0 * SPEC.months < r.agent_months < 1.2 * n0 * SPEC.months


def test_a_different_model_is_told_apart(reference) -> None:
    faster_attrition = dataclasses.replace(SPEC, attrition_per_year=2 * SPEC.attrition_per_year)
    r = toy_numpy.run(faster_attrition, seed=1)
    assert any(m.startswith("left=") for m in misfits(r, reference))


def test_settlement_share_is_the_stated_one(reference) -> None:
    share = reference["settled_local"][0] / reference["completed"][0]
    assert share == pytest.approx(SPEC.stay_local, abs=0.02)
