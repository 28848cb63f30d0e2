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
        "NHSE 2023: around 80% of CCT holders settle within 50 miles (facts.md §4.4)",
    ),
    Target("fill_rate", 0.96, 0.04, "England 2024 national recruitment fill 96% (facts.md §3.3)"),
    Target("ltft_share_end", 0.20, 0.05, "20% of trainees LTFT in 2022/23 (facts.md §4.3)"),
    Target(
        "idt_placed_share",
        0.50,
        0.20,
        "about 50% of eligible IDT applicants placed, 48-55% (facts.md top ten)",
    ),
)

COHORT_TARGETS = (
    Target(
        "training_time_ratio", 1.10, 0.05, "GMC: 5.5 years to complete a nominal 5 (facts.md §4.1)"
    ),
    Target(
        "og_non_completion",
        0.30,
        0.05,
        "RCOG 2018: ~30% of O&G starters do not complete (facts.md §4.3)",
    ),
)
