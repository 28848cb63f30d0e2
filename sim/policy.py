"""Policy levers: what a policy team controls (the redistribution programme and incentives).

Uncertain parameters (what the world decides) live in `sim/params.py`. Defaults describe NHS
England's Distribution of Medical Specialty Training programme as announced (docs/sources.md §3.1,
DESIGN.md "The policy being modelled"); the `baseline` scenario switches the programme off.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.need import DEPRIVATION_WEIGHT, REGION_GROWTH


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Phase(_Strict):
    """A group of specialties: when its moves start and how fast they go.

    `years` is the nominal length: with gap_share pacing the starting gap closes evenly over it.
    Moves go on after it (the commitment to fair share does not expire) until every area is within
    the programme's `fair_share_tolerance`.
    """

    name: str
    specialties: tuple[str, ...]  # specialty codes, or "group:<group>" for a specialty group
    start_year: int = Field(ge=2000, le=2100)
    years: int = Field(5, ge=1, le=50)  # "each about 5 years" (HEE, DESIGN.md)

    @property
    def end_year(self) -> int:
        """First year after the nominal phase (the pace's share of the gap is all released)."""
        return self.start_year + self.years


DEFAULT_PHASES = (
    # Forerunners from August 2022 (NHSE abstract, docs/sources.md §3.1).
    Phase(
        name="forerunner",
        start_year=2022,
        specialties=("cardiology", "haematology", "obstetrics_gynaecology"),
    ),
    # "Remaining specialties in the next 7 years in 3 phases" (NHSE abstract, docs/sources.md
    # §3.1); the phase lists and dates were NOT FOUND: ESTIMATE by specialty group.
    Phase(name="A", start_year=2024, specialties=("group:medicine",)),
    Phase(
        name="B",
        start_year=2026,
        specialties=("group:surgery", "group:acute", "group:women_children"),
    ),
    Phase(
        name="C",
        start_year=2028,
        specialties=("group:psychiatry", "group:diagnostics", "group:other"),
    ),
)


class Expansion(_Strict):
    """Time-limited extra posts, distributed by the fair-share method."""

    specialties: tuple[str, ...]  # codes or "group:<group>"; posts split by national intake
    posts_per_year: int = Field(ge=0, le=100_000)
    start_year: int = Field(ge=2000, le=2100)
    years: int = Field(
        3, ge=1, le=50
    )  # the 2022-25 spending review: 3 years (docs/sources.md §3.1)
    post_lifetime_years: int = Field(10, ge=1, le=60)  # ESTIMATE: how long a post is funded


class Programme(_Strict):
    """The redistribution programme's levers."""

    enabled: bool = True
    target: Literal["region", "icb", "table"] = "region"
    target_table: dict[str, float] | None = None  # region code -> share, when target = "table"
    deprivation_weight: float = Field(DEPRIVATION_WEIGHT, ge=0.0, le=1.0)
    target_year: int = Field(2033, ge=2022, le=2100)  # ESTIMATE: end of phase C
    region_growth: dict[str, float] = Field(default_factory=lambda: dict(REGION_GROWTH))
    phases: tuple[Phase, ...] = DEFAULT_PHASES
    pacing: Literal["gap_share", "max_posts"] = "gap_share"
    gap_share_per_year: float | None = Field(None, gt=0.0, le=1.0)
    # share of the starting gap released per year; None: 1 / phase years (the nominal length)
    max_posts_per_donor_per_year: int = Field(5, ge=0, le=10_000)
    # with pacing = "max_posts": the most posts a donor region releases per specialty per year
    fair_share_tolerance: float = Field(0.05, ge=0.0, le=0.5)
    # moves continue until every area is within this share of its fair share. ESTIMATE by analogy
    # with NHS England's allocation pace-of-change rule "no CCG more than 5% under target"
    # (NHS England Board paper, December 2015):
    # https://vdocuments.mx/paper-pb17121504-board-paper-nhs-england-title-from-2015-12-17-1-paper.html
    supervisor_share: float = Field(0.5, gt=0.0, le=1.0)
    # ESTIMATE: share of consultants who are educational supervisors
    trainees_per_supervisor: float = Field(2.0, gt=0.0, le=10.0)
    # ESTIMATE: trainees one educational supervisor can take
    capacity_growth: float = Field(0.05, ge=0.0, le=1.0)
    # Creating Educational Capacity lever: yearly growth of training capacity (ESTIMATE default)
    trust_funded_replacement: float = Field(0.0, ge=0.0, le=1.0)
    # share of posts a donor trust loses that it replaces with trust-funded posts
    expansion: tuple[Expansion, ...] = ()

    @field_validator("target_table")
    @classmethod
    def _check_table(cls, table: dict[str, float] | None) -> dict[str, float] | None:
        if table is not None:
            total = sum(table.values())
            if any(v < 0 for v in table.values()) or abs(total - 1.0) > 1e-6:
                raise ValueError(f"target_table shares must be >= 0 and sum to 1 (sum {total:g})")
        return table

    @field_validator("region_growth")
    @classmethod
    def _check_growth(cls, growth: dict[str, float]) -> dict[str, float]:
        for k, v in growth.items():
            if not 0.5 <= v <= 2.0:
                raise ValueError(f"region_growth[{k}] = {v} is outside 0.5..2.0")
        return growth

    @field_validator("phases")
    @classmethod
    def _check_phases(cls, phases: tuple[Phase, ...]) -> tuple[Phase, ...]:
        names = [p.name for p in phases]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names repeat: {names}")
        return phases

    @model_validator(mode="after")
    def _check(self) -> Programme:
        if self.target == "table" and not self.target_table:
            raise ValueError("target = 'table' needs target_table (region code -> share)")
        return self


class Incentives(_Strict):
    """Recruitment and retention incentives for regions under their fair share."""

    recruitment_bonus: float = Field(0.0, ge=-5.0, le=5.0)
    # extra applicant utility for local offices of regions below fair share (0 = none)
    retention_bonus: float = Field(1.0, ge=0.1, le=10.0)
    # multiplier on the attraction of consultant posts in the training region (1 = none)


class PolicyParams(_Strict):
    """All policy levers of a scenario."""

    programme: Programme = Field(default_factory=lambda: Programme(enabled=False))
    incentives: Incentives = Field(default_factory=Incentives)
