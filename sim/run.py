"""Run one scenario for one seed and hand back a `RunResult`."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.trainee import LOST
from sim.cohorts import cohort_scalars
from sim.inputs import check_seed, check_years
from sim.market_outcomes import fill_rate, market_outputs, market_scalars
from sim.model import TraineeFlowModel
from sim.outputs import RunResult
from sim.provenance import code_version
from sim.scenario import Scenario
from sim.world import World

if TYPE_CHECKING:
    from sim.history import History


def run_key(
    scenario: Scenario, seed: int, years: int, world: World, history: History | None = None
) -> str:
    """Hash of the resolved scenario, seed, years, data, code version (and history, if any)."""
    fields = {
        "scenario": scenario.resolved(),
        "seed": int(seed),
        "years": int(years),
        "data": world.fingerprint,
        "code": code_version(),
    }
    if history is not None:
        fields["history"] = history.fingerprint()
    payload = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def build_model(
    scenario: Scenario, seed: int, world: World, history: History | None = None
) -> TraineeFlowModel:
    """The model for a scenario and seed (initialised at the base year, or history's)."""
    if history is None:
        return TraineeFlowModel(world, scenario.world, scenario.policy, seed=seed)
    from sim.history import scale_world

    return TraineeFlowModel(
        scale_world(world, history), scenario.world, scenario.policy, seed=seed, history=history
    )


def run_scenario(
    scenario: Scenario,
    seed: int,
    years: int,
    world: World,
    progress: Callable[[int], None] | None = None,
    history: History | None = None,
) -> RunResult:
    """Simulate `years` years (to the August snapshot of the last year).

    With `history`, the run starts from its base year in `world` scaled back to it
    (`sim/history.py`) and follows its yearly posts and funded posts.
    """
    check_years(years)
    check_seed(seed)
    if history is not None:
        history.check_years(years)
    start = time.perf_counter()
    model = build_model(scenario, seed, world, history)
    for _ in range(years):
        model.run_for(12)
        if progress is not None:
            progress(1)
    model.run_for(0.5)  # the final August snapshot
    seconds = time.perf_counter() - start
    region_year = model.recorder.region_year()
    icb_year = model.recorder.icb_year()
    summary = summarise(model, region_year)
    if history is not None:
        summary.update(model.historic.outcomes())
    summary["seconds"] = seconds
    return RunResult(
        run_key=run_key(scenario, seed, years, world, history),
        scenario=scenario.name,
        params=scenario.resolved(),
        seed=int(seed),
        years=int(years),
        base_year=model.base_year,
        region_year=region_year,
        icb_year=icb_year,
        summary=summary,
        person_months=int(model.person_months),
        seconds=seconds,
    )


def fair_share_gap(region_year: pd.DataFrame, year: int) -> float:
    """Sum over regions and specialties of |programme posts - fair share| / all programme posts."""
    y = region_year[region_year["year"] == year]
    posts = y["posts_tariff"] + y["posts_expansion"]
    return float((posts - y["fair_share_posts"]).abs().sum() / max(posts.sum(), 1))


def summarise(model: TraineeFlowModel, region_year: pd.DataFrame) -> dict[str, float]:
    """Scalar outcomes of a run for the store's summary (names: `results.outcomes.SUMMARY`)."""
    rec = model.recorder.totals
    settled = rec["settled"].sum()
    tr = model.trainees
    rows = model.in_training()
    years = sorted(region_year["year"].unique())
    out: dict[str, float] = {
        "settled_within_50_miles": float(rec["settled_within_50_miles"].sum() / max(settled, 1)),
        "trainees_end": float(len(rows)),
        "consultants_end": float(model.counts.consultants),
        "ltft_share_end": float(np.mean(tr.fte[rows] < 1.0)) if len(rows) else 0.0,
        "fill_rate": fill_rate(region_year),
        "ccts": float(rec["ccts"].sum()),
        "cct_unplaced": float(np.count_nonzero(tr.status[: tr.n] == LOST)),
        "posts_moved": float(rec["posts_moved_in"].sum()),
        "unplaced_moves": float(region_year["unplaced_moves"].sum()),
        "idt_applications": float(rec["idt_applications"].sum()),
        "idt_placed": float(rec["idt_placed"].sum()),
        "fair_share_gap_start": fair_share_gap(region_year, years[0]),
        "fair_share_gap_end": fair_share_gap(region_year, years[-1]),
        "person_months": float(model.person_months),
    }
    out.update(market_scalars(market_outputs(region_year, model.world)))
    out.update(cohort_scalars(model.ctx))
    return out
