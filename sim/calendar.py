"""Time: one Mesa time unit is one month; month 0 is August of the base year.

Integer times carry the monthly step (Mesa's default schedule, high priority): it closes the month
that just ended. Calendar events of the month that starts run at fractional offsets after it, so
their order within a month is explicit and documented (see `sim/step_order.md`).
"""

from __future__ import annotations

BASE_YEAR = (
    2023  # August 2023: the base year of the bundled England data (ONS mid-2022, AIF 2024/25)
)
AUGUST = 0  # month-of-training-year index of August (the training year starts in August)
FEBRUARY = 6
JUNE = 10  # ARCP panels: end of the training year (Gold Guide: ARCP at least yearly)
JULY = 11  # the programme's yearly post moves, before August recruitment

# Offsets of the calendar events within a month (after the monthly step at the integer time).
OFFSET_POST_MOVES = 0.05
OFFSET_ARCP = 0.1
OFFSET_RECRUITMENT = 0.2
OFFSET_IDT = 0.3  # IDTs are placed into the vacancies recruitment leaves
OFFSET_ROTATION = 0.4
OFFSET_SNAPSHOT = 0.5

_MONTHS = ("Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul")


def month_of_year(t: int) -> int:
    """Index of the month within the training year (0 = August)."""
    return int(t) % 12


def calendar_year(t: int, base_year: int = BASE_YEAR) -> int:
    """Calendar year of model month `t` (August of the base year is month 0)."""
    return base_year + (int(t) + 7) // 12


def label(t: int, base_year: int = BASE_YEAR) -> str:
    """Human label of model month `t`, e.g. 'Feb 2024'."""
    return f"{_MONTHS[month_of_year(t)]} {calendar_year(t, base_year)}"
