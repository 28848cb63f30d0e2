"""The outcome registry: every outcome a report, table, JSON or stored summary names, declared once.

Each `Outcome` has its code name (the key in JSON and the store), a plain-language label and unit
for readers, its definition, which direction is better for a policy reader, and the function that
computes it (`source`). `compare`, `analyse` and `optimise` take labels, units and number formats
from here; `SUMMARY` (the scalars every run stores, computed by `sim.run.summarise`) is what
experiment specs may keep; `select` checks that a view's list of names (the run JSON, the
comparison's metrics, the sweep analysis) names registered outcomes. `sim/` cannot import this
module (it sits above it): `tests/test_outcomes.py` checks that a run's summary has exactly the
`SUMMARY` names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

type Better = Literal["lower", "higher", "neither"]


@dataclass(frozen=True)
class Outcome:
    """One outcome: name, label, unit, definition, better direction, where it is computed."""

    name: str
    label: str
    unit: str
    definition: str
    better: Better
    source: str
    percent: bool = False  # a share shown as a percentage
    digits: int = 3  # decimals for values below 1 (more where policies differ in the 4th)

    @property
    def heading(self) -> str:
        """Label with its unit, for table headers and axis labels."""
        return f"{self.label} ({self.unit})"

    def show(self, value: float | None) -> str:
        """The value in the outcome's unit, rounded for a reader."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if self.percent:
            return f"{100 * value:.1f}%"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1 or value == 0:
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return f"{value:.{self.digits}f}"

    def show_diff(self, value: float | None) -> str:
        """A difference in the outcome's unit (percentage points for shares)."""
        if self.percent and value is not None and not math.isnan(value):
            return f"{100 * value:+.2f} pp"
        text = self.show(None if value is None else abs(value))
        return text if text == "n/a" else ("-" if value < 0 else "+") + text


_RUN = "sim.run.summarise"
_MARKET = "sim.market_outcomes.market_scalars"
_ANALYSIS = "results.analysis.run_outcomes"
_YEARS = "results.analysis.years_to_fair_share"
_COHORTS = "sim.cohorts.cohort_scalars"

_ALL = (
    Outcome(
        "icb_gini_end",
        "Inequality of consultant supply across ICBs",
        "Gini: 0 = equal, 1 = all in one ICB",
        "Gini of consultants per 100k need-weighted population across the 42 ICBs "
        "(weights: need-weighted population) at the end",
        "lower",
        _ANALYSIS,
        digits=4,
    ),
    Outcome(
        "icb_theil_end",
        "Inequality across ICBs",
        "Theil index: 0 = equal",
        "Theil T index of the ICB rates of consultants per 100k need at the end",
        "lower",
        _ANALYSIS,
        digits=4,
    ),
    Outcome(
        "region_gini_end",
        "Inequality of consultant supply across regions",
        "Gini: 0 = equal",
        "Gini of consultants per 100k need across the 7 regions at the end",
        "lower",
        _ANALYSIS,
        digits=4,
    ),
    Outcome(
        "icb_deprivation_slope_end",
        "Deprivation gradient of ICB coverage",
        "coverage per unit Core20 share; negative = deprived areas less covered",
        "Slope of ICB coverage on the ICB's Core20 share (population-weighted least squares) "
        "at the end",
        "higher",
        _ANALYSIS,
    ),
    Outcome(
        "icb_share_below_end",
        "People in ICBs below 90% of their fair share of consultants",
        "share of population",
        "Share of the population living in ICBs with coverage below 0.9 at the end",
        "lower",
        _ANALYSIS,
        percent=True,
    ),
    Outcome(
        "london_coverage_end",
        "London's consultant coverage",
        "consultant share / need share; 1 = fair share",
        "London's consultant share / need share at the end",
        "neither",
        _ANALYSIS,
    ),
    Outcome(
        "north_coverage_end",
        "Northern regions' consultant coverage",
        "consultant share / need share; 1 = fair share",
        "North West + North East and Yorkshire together: consultant share / need share at the end",
        "higher",
        _ANALYSIS,
    ),
    Outcome(
        "fair_share_gap_end",
        "Training posts away from fair share",
        "share of all programme posts",
        "Sum over regions and specialties of |programme posts - fair share| / all programme "
        "posts at the end",
        "lower",
        _RUN,
        percent=True,
    ),
    Outcome(
        "fair_share_gap_start",
        "Training posts away from fair share at the start",
        "share of all programme posts",
        "The same gap at the base year",
        "lower",
        _RUN,
        percent=True,
    ),
    Outcome(
        "regions_within_5pct_end",
        "Regions within 5% of their fair share of posts",
        "regions of 7",
        "Regions whose programme posts are within 5% of their fair share at the end",
        "higher",
        _ANALYSIS,
    ),
    Outcome(
        "years_to_fair_share",
        "Years until every region is within 5% of fair share",
        "years from the base year",
        "Years from the base year until the last region stays within 5% of its fair share of "
        "programme posts (horizon + 1 if some region never gets there)",
        "lower",
        _YEARS,
    ),
    Outcome(
        "consultants_end",
        "Consultants in post",
        "consultants",
        "Consultants in post in England at the end",
        "higher",
        _RUN,
    ),
    Outcome(
        "trainees_end",
        "Trainees in training",
        "trainees",
        "Trainees in training at the end",
        "higher",
        _RUN,
    ),
    Outcome(
        "settled_within_50_miles",
        "New consultants settling near where they trained",
        "share within 50 miles",
        "Share of CCT holders whose first consultant post is within 50 miles of their last "
        "training trust",
        "neither",
        _RUN,
        percent=True,
    ),
    Outcome(
        "fill_rate",
        "Recruitment fill rate",
        "share of posts offered",
        "Recruits / posts offered, whole run",
        "higher",
        _RUN,
        percent=True,
    ),
    Outcome(
        "idt_placed_share",
        "Inter-deanery transfers granted",
        "share of applications",
        "Inter-deanery transfers placed / applications, whole run",
        "higher",
        _ANALYSIS,
        percent=True,
    ),
    Outcome(
        "donor_pressure_end",
        "Pressure on trainees in donor regions",
        "base-year posts per trainee; 1 = every slot held",
        "Posts the donor regions held at the base year per trainee left there at the end",
        "lower",
        _ANALYSIS,
    ),
    Outcome(
        "posts_moved",
        "Training posts moved",
        "posts",
        "Training posts moved by the programme over the run",
        "neither",
        _RUN,
    ),
    Outcome(
        "unplaced_moves",
        "Planned moves no receiving trust could take",
        "posts",
        "Posts a donor released that no receiving trust had training capacity for, summed over "
        "the yearly rounds (each is retried the next year)",
        "lower",
        _RUN,
    ),
    Outcome(
        "ltft_share_end",
        "Trainees working less than full time",
        "share of trainees",
        "Share of trainees in training at the end with FTE below 1",
        "neither",
        _RUN,
        percent=True,
    ),
    Outcome(
        "ccts",
        "Certificates of completion of training",
        "CCTs",
        "CCTs awarded over the run",
        "higher",
        _RUN,
    ),
    Outcome(
        "cct_unplaced",
        "CCT holders who never found a consultant post",
        "people",
        "CCT holders who left the pipeline without a consultant post, whole run",
        "lower",
        _RUN,
    ),
    Outcome(
        "idt_applications",
        "Inter-deanery transfer applications",
        "applications",
        "Inter-deanery transfer applications over the run",
        "neither",
        _RUN,
    ),
    Outcome(
        "idt_placed",
        "Inter-deanery transfers placed",
        "transfers",
        "Inter-deanery transfers placed over the run",
        "higher",
        _RUN,
    ),
    Outcome(
        "consultant_vacancy_rate_start",
        "Consultant vacancy rate at the start",
        "share of funded posts",
        "Funded consultant posts without a holder / funded posts at the base year",
        "lower",
        _MARKET,
        percent=True,
    ),
    Outcome(
        "consultant_vacancy_rate_end",
        "Consultant vacancy rate",
        "share of funded posts",
        "Funded consultant posts without a holder / funded posts at the end",
        "lower",
        _MARKET,
        percent=True,
    ),
    Outcome(
        "vacancies_unfilled_share",
        "Consultant vacancies still open at the year's end",
        "share of vacancies open in the year",
        "Of the consultant vacancies open during a year, the share still open at its end; mean "
        "over the years",
        "lower",
        _MARKET,
        percent=True,
    ),
    Outcome(
        "cct_seekers_end",
        "CCT holders seeking a consultant post",
        "people",
        "CCT holders still seeking a consultant post at the end",
        "lower",
        _MARKET,
    ),
    *(
        Outcome(
            f"fill_rate_level_{level}",
            f"Recruitment fill rate at entry level {level}",
            "share of posts offered",
            f"Recruits / posts offered at entry level {level} in the first recruitment round",
            "higher",
            _MARKET,
            percent=True,
        )
        for level in (1, 2, 3, 4)
    ),
    Outcome(
        "training_time_ratio",
        "Time to CCT over nominal",
        "calendar years / nominal years",
        "Mean calendar time from start to CCT over the nominal training years, for model "
        "recruits who completed by the end of the run (GMC: 1.10, calibration/targets.csv)",
        "neither",
        _COHORTS,
        digits=3,
    ),
    Outcome(
        "og_non_completion",
        "O&G non-completion",
        "share of starters",
        "Share of O&G recruits of August 2024-2026 who leave without a CCT, followed to the end "
        "of the run (RCOG: about 30%, calibration/targets.csv)",
        "lower",
        _COHORTS,
        digits=3,
    ),
    Outcome(
        "person_months",
        "Agent-months simulated",
        "trainee-months",
        "Trainee records x months simulated (the run's size)",
        "neither",
        _RUN,
    ),
    Outcome(
        "seconds",
        "Run time",
        "seconds",
        "Wall time of the simulation (not a model outcome; varies between machines)",
        "neither",
        "sim.model.run_scenario",
    ),
)
OUTCOMES: dict[str, Outcome] = {o.name: o for o in _ALL}
SUMMARY: tuple[str, ...] = tuple(  # the scalars every run stores (sim.run.summarise + seconds)
    o.name for o in _ALL if o.source in (_RUN, _MARKET, _COHORTS, "sim.model.run_scenario")
)


def outcome(name: str) -> Outcome:
    """The registered outcome `name` (KeyError names the known ones)."""
    try:
        return OUTCOMES[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r}; known: {', '.join(OUTCOMES)}") from None


def heading(name: str) -> str:
    """Label (unit) of a registered outcome."""
    return outcome(name).heading


def select(*names: str) -> tuple[str, ...]:
    """The names, each checked to be a registered outcome (for a view's list of outcomes)."""
    for name in names:
        outcome(name)
    return names
