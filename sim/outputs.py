"""What one simulation run hands to the outside world: tidy tables and scalar outcomes.

The model produces a `RunResult`; the results store, the metrics, the CLI and the sweep
executors consume it. Tables are tidy (one row per year x area x specialty) so that they can be
written to SQL as they are.

Timing: the row for `year` Y is the state in August of Y just after that month's recruitment,
IDT placements and rotation (Y = base year is the initial state). Flow columns (recruits, ccts,
idt_*, posts_moved_*) count what happened in the twelve months up to and including that August.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

REGION_YEAR_COLUMNS: tuple[str, ...] = (
    "year",  # calendar year of the August snapshot
    "region_code",  # NHS England region ODS code (Y56 ... Y63)
    "specialty_code",
    "posts_tariff",  # tariff-funded (HEE/NHSE) posts held by trusts in the region
    "posts_expansion",  # time-limited expansion posts
    "posts_trust_funded",  # trust-funded posts (outside the programme)
    "trainees",  # trainees in programme holding a post in the region
    "vacancies",  # posts with no holder after recruitment
    "offered",  # vacant posts offered at recruitment in the year (all rounds)
    "recruits",  # appointed at recruitment in the year
    "ccts",  # trainees completing training (CCT) in the year, by region of last post
    "settled",  # CCT holders taking a first consultant post in the year (region of training)
    "settled_within_50_miles",  # of those, within 50 miles of their last training trust
    "consultants",  # consultants in post in the region
    "consultant_vacancies",  # funded consultant posts without a holder
    "consultant_posts",  # funded consultant posts (establishment): demand
    "cct_seekers",  # CCT holders seeking a consultant post, by region of last training post
    "consultant_exits",  # consultants retiring or leaving in the year
    "international_recruits",  # consultants recruited from abroad in the year
    "consultant_posts_added",  # funded posts added in the year (growth and created posts)
    "posts_created",  # of those, created by trusts for waiting CCT holders
    "seekers_left",  # CCT holders who left England's market without a consultant post
    "idt_applications",  # inter-deanery transfer applications from the region
    "idt_placed",  # of those, placed (moved) to another local office
    "posts_moved_in",  # programme moves received
    "posts_moved_out",  # programme moves released
    "unplaced_moves",  # planned moves no receiver could take (that July's round), by receiver
    "fair_share_posts",  # the region's target share of programme posts (posts, not share)
    "need_weight",  # need-weighted population for the specialty's need component
    "population",  # ONS mid-2022 population (the world's data; no policy lever changes it)
)

ICB_YEAR_COLUMNS: tuple[str, ...] = (
    "year",
    "icb_code",  # NHS ICB Q-code
    "region_code",
    "posts",  # all training posts of all specialties at trusts in the ICB
    "trainees",
    "consultants",
    "need_weight",  # overall need-weighted population (NHS England Final WP)
    "population",
    "core20_share",  # share of the ICB's population in England's most deprived 20% (IMD 2019)
)


@dataclass
class RunResult:
    """Everything one run produced, ready to be stored or summarised."""

    run_key: str  # hash of resolved scenario parameters, seed, years and code version
    scenario: str  # scenario name
    params: dict[str, Any]  # resolved scenario parameters (JSON-serialisable)
    seed: int
    years: int
    base_year: int
    region_year: pd.DataFrame  # columns REGION_YEAR_COLUMNS
    icb_year: pd.DataFrame  # columns ICB_YEAR_COLUMNS
    summary: dict[str, float] = field(default_factory=dict)  # scalar outcomes
    person_months: int = 0  # agent-months simulated (trainees + consultants)
    seconds: float = 0.0  # simulation wall time
