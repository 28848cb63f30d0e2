"""Time: one Mesa time unit is one month; month 0 is August of the base year.

Integer times carry the monthly step (Mesa's default schedule, high priority): it closes the month
that just ended. Calendar events of the month that starts run at fractional offsets after it, so
their order within a month is explicit and documented (see `sim/step_order.md`).
"""

from __future__ import annotations

from dataclasses import dataclass

BASE_YEAR = (
    2023  # August 2023: the base year of the bundled England data (ONS mid-2022, AIF 2024/25)
)
MONTHS_PER_YEAR = 12
AUGUST = 0  # month-of-training-year index of August (the training year starts in August)
FEBRUARY = 6
JUNE = 10  # ARCP panels: end of the training year (Gold Guide: ARCP at least yearly)
JULY = 11  # the programme's yearly post moves, before August recruitment

# Offsets of the calendar events within a month (after the monthly step at the integer time).
OFFSET_POST_MOVES = 0.05
OFFSET_HISTORY_POSTS = 0.06  # a historic run's training posts follow its series, after the moves
OFFSET_ARCP = 0.1
OFFSET_RECRUITMENT = 0.2
OFFSET_IDT = 0.3  # IDTs are placed into the vacancies recruitment leaves
OFFSET_ROTATION = 0.4
OFFSET_CHANGEOVER = 0.41  # yearly growth of funded posts and training capacity, after rotation
OFFSET_SNAPSHOT = 0.5

# The monthly step (integer times), in order: the model's processes of that name.
MONTHLY = (
    "monthly_exits",
    "consultant_exits",
    "close_ended_posts",
    "settle",
    "international_recruits",
    "age_vacancies",
)


@dataclass(frozen=True)
class Event:
    """A yearly calendar event: the model's process `process` at `month` + `offset` each year.

    `first_year` is the training year of its first run: 0 for the base year, 1 for a process
    whose base-year run is already in the initial state (August's intake and rotation).
    """

    process: str
    month: int
    offset: float
    first_year: int = 0

    @property
    def start(self) -> float:
        """Model time of the first run."""
        return self.first_year * MONTHS_PER_YEAR + self.month + self.offset


SCHEDULE = (
    Event("yearly_moves", JULY, OFFSET_POST_MOVES),
    Event("arcp", JUNE, OFFSET_ARCP),
    Event("recruit", AUGUST, OFFSET_RECRUITMENT, first_year=1),
    Event("recruit_february", FEBRUARY, OFFSET_RECRUITMENT),
    Event("idt_window", AUGUST, OFFSET_IDT, first_year=1),
    Event("idt_window", FEBRUARY, OFFSET_IDT),
    Event("rotate", AUGUST, OFFSET_ROTATION, first_year=1),
    Event("rotate", FEBRUARY, OFFSET_ROTATION),
    Event("august_changeover", AUGUST, OFFSET_CHANGEOVER, first_year=1),
    Event("snapshot", AUGUST, OFFSET_SNAPSHOT),
)
# Only in a run from a past base year (sim/history.py): posts follow the historic series.
HISTORY_SCHEDULE = (Event("follow_training_posts", JULY, OFFSET_HISTORY_POSTS),)

_MONTHS = ("Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul")


def month_of_year(t: int) -> int:
    """Index of the month within the training year (0 = August)."""
    return int(t) % MONTHS_PER_YEAR


def calendar_year(t: int, base_year: int = BASE_YEAR) -> int:
    """Calendar year of model month `t` (August of the base year is month 0)."""
    return base_year + (int(t) + 7) // MONTHS_PER_YEAR  # month 0 is 7 months after January


def label(t: int, base_year: int = BASE_YEAR) -> str:
    """Human label of model month `t`, e.g. 'Feb 2024'."""
    return f"{_MONTHS[month_of_year(t)]} {calendar_year(t, base_year)}"
