"""Run the model once and compare its outcomes with every calibration target."""

from __future__ import annotations

from calibration.cohorts import non_completion, training_time_ratio
from calibration.recruitment import CALIBRATION_SEEDS, fill_by_level
from calibration.targets import COHORT_TARGETS, TARGETS, Target
from sim.run import build_model, summarise
from sim.scenario import Scenario
from sim.world import World

OG_COHORT_MONTHS = (12, 36)  # O&G recruits of August 2024-2026, followed to the end of the run


def observed(scenario: Scenario, world: World, years: int = 25, seed: int = 1) -> dict[str, float]:
    """The run's summary plus the cohort outcomes the targets name."""
    model = build_model(scenario, seed, world)
    model.run_for(12 * years + 0.5)
    out = summarise(model, model.recorder.region_year())
    out["idt_placed_share"] = out["idt_placed"] / max(out["idt_applications"], 1.0)
    # one round's fill varies by ~1.5 points between seeds: the mean of the calibration seeds
    fill = fill_by_level(scenario, world, list(CALIBRATION_SEEDS))
    out.update({f"fill_rate_level_{k}": v for k, v in fill.items()})
    out["training_time_ratio"] = training_time_ratio(model)
    if "obstetrics_gynaecology" in world.specialty_codes:
        out["og_non_completion"] = non_completion(
            model, "obstetrics_gynaecology", *OG_COHORT_MONTHS
        )
    return out


def check(values: dict[str, float]) -> list[tuple[Target, float, bool]]:
    """Each target with the observed value and whether it holds."""
    return [
        (t, values[t.name], t.holds(values[t.name]))
        for t in (*TARGETS, *COHORT_TARGETS)
        if t.name in values
    ]
