"""What a run is keyed by (`run_key`) and the scalar outcomes it stores (`summarise`).

Building and running a model for a scenario is in `sim/model.py` (`build_model`,
`run_scenario`); this module works on the model's context and tables, never the model.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.trainee import LOST
from sim.cohorts import cohort_scalars
from sim.market_outcomes import fill_rate, market_outputs, market_scalars
from sim.provenance import code_version
from sim.scenario import Scenario
from sim.world import World

if TYPE_CHECKING:
    from sim.context import Context
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


def fair_share_gap(region_year: pd.DataFrame, year: int) -> float:
    """Sum over regions and specialties of |programme posts - fair share| / all programme posts."""
    y = region_year[region_year["year"] == year]
    posts = y["posts_tariff"] + y["posts_expansion"]
    return float((posts - y["fair_share_posts"]).abs().sum() / max(posts.sum(), 1))


def summarise(ctx: Context, person_months: int, region_year: pd.DataFrame) -> dict[str, float]:
    """Scalar outcomes of a run for the store's summary (names: `results.outcomes.SUMMARY`)."""
    rec = ctx.recorder.totals
    settled = rec["settled"].sum()
    tr = ctx.trainees
    rows = tr.in_training()
    years = sorted(region_year["year"].unique())
    out: dict[str, float] = {
        "settled_within_50_miles": float(rec["settled_within_50_miles"].sum() / max(settled, 1)),
        "trainees_end": float(len(rows)),
        "consultants_end": float(ctx.counts.consultants),
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
        "person_months": float(person_months),
    }
    out.update(market_scalars(market_outputs(region_year, ctx.world)))
    out.update(cohort_scalars(ctx))
    return out
