"""Uncertain world parameters: what the world decides, not what a policy team controls.

Policy levers live in `sim/policy.py`. Specialty-specific rates (attrition, LTFT share, intake,
training years) come from the data directory (`sim/england/specialties.csv`). Every default
below names its source; ESTIMATE marks a judgement where no public figure was found
(see ../shared/reference/facts.md, "NOT FOUND").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

LO_POPULARITY = {
    # Applicant preference for each local office (utility units, Gumbel noise of scale 1).
    # ESTIMATE: issue brief and DHSC fill-rate answers (facts.md §3.3, §4.2): London and the
    # South fill first; the Midlands, East and North fill last.
    "LDN": 1.0,
    "KSS": 0.4,
    "TV": 0.6,
    "WX": 0.5,
    "PEN": 0.5,
    "SEV": 0.6,
    "WM": 0.0,
    "EM": -0.2,
    "EOE": -0.1,
    "NW": 0.2,
    "NE": 0.0,
    "YH": 0.1,
}


class WorldParams(BaseModel):
    """Uncertain parameters of the training pipeline and the consultant market."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # --- training progress -------------------------------------------------------------
    ltft_fte: float = Field(0.8, gt=0.0, le=1.0)
    # ESTIMATE: LTFT trainees most often work 80% (facts §4.3 gives shares, not hours).
    ltft_persistence: float = Field(0.85, ge=0.0, le=1.0)
    # ESTIMATE: yearly probability that an LTFT trainee stays LTFT at ARCP.
    ltft_entry_factor: float = Field(1.0, ge=0.0, le=5.0)
    # ESTIMATE: entrants are LTFT at this multiple of the specialty's stock share.
    attrition_multiplier: float = Field(1.0, ge=0.0, le=5.0)
    # 1.0 = the specialty rates of specialties.csv (facts §4.3); a sensitivity lever.
    arcp_extension_prob: float = Field(0.12, ge=0.0, le=1.0)
    # Calibrated (calibration/cohorts.py): with LTFT, CCT comes ~10% later than nominal, as
    # GMC's 5.5 years for a nominal 5 (facts §4.1); the ARCP outcome-3 rate itself NOT FOUND.
    arcp_extension_months: int = Field(6, ge=1, le=24)
    # ESTIMATE: Gold Guide extensions are usually 6 months (up to 12).
    arcp_release_prob: float = Field(0.0, ge=0.0, le=1.0)
    # 0: releases (ARCP outcome 4) are already inside the specialties' all-cause attrition
    # rates (facts §4.3 counts every leaver); set > 0 only to model them on top.
    rotation_share: float = Field(0.5, ge=0.0, le=1.0)
    # ESTIMATE: share of trainees changing trust at each August/February rotation.

    # --- recruitment ---------------------------------------------------------------------
    appointable_share: float = Field(0.9, gt=0.0, le=1.0)
    # ESTIMATE: share of applications (HEE competition-ratio data) that are appointable
    # applicants; calibrated with outside_option to England's ~96% fill (facts §4.2).
    home_pull: float = Field(1.5, ge=0.0, le=10.0)
    # ESTIMATE: extra utility of the applicant's home local office (Goldacre 2013: 70% work in
    # their home, school or training region, facts §4.4).
    outside_option: float = Field(-1.5, ge=-20.0, le=20.0)
    # Calibrated: applicants accept only offices above this utility; gives ~95% fill
    # (England 2024: 96%, facts §4.2) in the default run.
    lo_popularity: dict[str, float] = Field(default_factory=lambda: dict(LO_POPULARITY))
    february_specialties: tuple[str, ...] = ()
    # ESTIMATE: national recruitment starts in August; none recruits in February by default.

    # --- inter-deanery transfers ---------------------------------------------------------
    idt_annual_prob: float = Field(0.03, ge=0.0, le=1.0)
    # ESTIMATE: IDT application volumes NOT FOUND (facts §4.3).
    idt_declare_prob: float = Field(0.6, ge=0.0, le=1.0)
    # ESTIMATE: regions need not declare vacancies; gives ~50% of applicants placed (facts top 10).

    # --- settlement and consultants --------------------------------------------------------
    settlement_decay_miles: float = Field(17.0, gt=0.0, le=1000.0)
    # Calibrated by `traineeflow calibrate` (calibration/settlement.py: brentq on the mean of
    # seeds 1-2, 25-year baseline; fitted 17.05) so that ~80% of CCT holders take their first
    # consultant post within 50 miles of their last training trust (NHSE 2023, facts §4.4).
    settlement_max_wait_months: int = Field(12, ge=0, le=120)
    # ESTIMATE: a CCT holder who finds no consultant vacancy in a year leaves the model.
    consultant_vacancy_rate: float = Field(0.07, ge=0.0, lt=1.0)
    # ESTIMATE: NHS medical vacancy rate ~7% (NHS Digital vacancy statistics 2023; not in facts).
    establishment_growth: float = Field(0.03, ge=-0.2, le=0.5)
    # ESTIMATE: funded consultant posts grow ~3%/yr (consultant cardiologists +20% FTE
    # 2019-23, i.e. 4.7%/yr, facts §3.2, is at the top of the range).
    img_monthly_fill: float = Field(0.01, ge=0.0, le=1.0)
    # ESTIMATE: chance a consultant vacancy is filled by an international recruit in a month
    # (IMGs are 42% of licensed doctors, 54% of the O&G register, facts §4.4).
    retirement_age_mean: float = Field(61.0, ge=50.0, le=75.0)
    # ESTIMATE: normal pension age 60-65 (Hansard 2001, HSJ 2011; mean NOT FOUND, facts §4.4).
    retirement_age_sd: float = Field(3.0, ge=0.0, le=15.0)
    consultant_leave_rate: float = Field(0.015, ge=0.0, le=1.0)
    # ESTIMATE: yearly non-retirement exits of consultants; all-doctor GMC leaving is 4%
    # (facts §4.4) and includes trainees and IMGs leaving early.
    cct_age_mean: float = Field(36.0, ge=25.0, le=60.0)
    # ESTIMATE: ~14 years to train a consultant after graduating at ~24 (facts §4.1).
    img_age_mean: float = Field(42.0, ge=25.0, le=65.0)
    # ESTIMATE.
    initial_fill: float = Field(0.95, ge=0.0, le=1.0)
    # England 2024 fill rate 96% (specialty-applications.co.uk, facts §3.3).
