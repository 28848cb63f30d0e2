"""Calibration targets: what the default England run must reproduce, with tolerances and sources."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A published figure the model should reproduce within a tolerance."""

    name: str  # key in a run's summary
    value: float
    tolerance: float  # absolute
    source: str

    def holds(self, observed: float) -> bool:
        """Whether an observed value is within tolerance."""
        return abs(observed - self.value) <= self.tolerance


TARGETS = (
    Target(
        "settled_within_50_miles",
        0.80,
        0.05,
        "NHSE 2023: around 80% of CCT holders settle within 50 miles (docs/sources.md §4.4)",
    ),
    Target(
        "fill_rate_level_1", 0.993, 0.03, "England 2024 CT1/ST1 fill 99.3% (docs/sources.md §6.3)"
    ),
    Target("fill_rate_level_3", 0.901, 0.03, "England 2024 ST3 fill 90.1% (docs/sources.md §6.3)"),
    Target("fill_rate_level_4", 0.827, 0.03, "England 2024 ST4 fill 82.7% (docs/sources.md §6.3)"),
    Target(
        "consultant_vacancy_rate_start",
        0.073,
        0.01,
        "medical vacancy rate 7.3%, June 2022 (docs/sources.md §6.2)",
    ),
    Target("ltft_share_end", 0.20, 0.05, "20% of trainees LTFT in 2022/23 (docs/sources.md §4.3)"),
    Target(
        "idt_placed_share",
        0.50,
        0.20,
        "about 50% of eligible IDT applicants placed, 48-55% (docs/sources.md top ten)",
    ),
)

COHORT_TARGETS = (
    Target(
        "training_time_ratio",
        1.10,
        0.05,
        "GMC: 5.5 years to complete a nominal 5 (docs/sources.md §4.1)",
    ),
    Target(
        "og_non_completion",
        0.30,
        0.05,
        "RCOG 2018: ~30% of O&G starters do not complete (docs/sources.md §4.3)",
    ),
)
