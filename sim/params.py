"""Uncertain world parameters: what the world decides, not what a policy team controls.

Policy levers live in `sim/policy.py`. Specialty-specific rates (attrition, LTFT share, intake,
training years) come from the data directory (`sim/england/specialties.csv`). Every default
below names its source; ESTIMATE marks a judgement where no public figure was found
(see docs/sources.md, "NOT FOUND").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

LO_POPULARITY = {
    # Applicant preference for each local office (utility units, Gumbel noise of scale 1).
    # ESTIMATE: issue brief and DHSC fill-rate answers (docs/sources.md §3.3, §4.2): London and the
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


IMG_SPECIALTY_FACTOR = {
    # ESTIMATE: overseas-trained consultants are more common in geriatrics and psychiatry
    # (Goldacre, docs/sources.md §6.4) and 54% of the O&G specialist register are IMGs (§4.4).
    "geriatric_medicine": 1.5,
    "general_psychiatry": 1.5,
    "old_age_psychiatry": 1.5,
    "child_adolescent_psychiatry": 1.5,
    "forensic_psychiatry": 1.5,
    "learning_disability_psychiatry": 1.5,
    "obstetrics_gynaecology": 1.5,
}


class WorldParams(BaseModel):
    """Uncertain parameters of the training pipeline and the consultant market."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # --- training progress -------------------------------------------------------------
    ltft_fte: float = Field(0.8, gt=0.0, le=1.0)
    # ESTIMATE: LTFT trainees most often work 80% (docs/sources.md §4.3 gives shares, not hours).
    ltft_persistence: float = Field(0.85, ge=0.0, le=1.0)
    # ESTIMATE: yearly probability that an LTFT trainee stays LTFT at ARCP.
    ltft_entry_factor: float = Field(1.0, ge=0.0, le=5.0)
    # ESTIMATE: entrants are LTFT at this multiple of the specialty's stock share.
    attrition_multiplier: float = Field(1.0, ge=0.0, le=5.0)
    # 1.0 = the specialty rates of specialties.csv (docs/sources.md §4.3); a sensitivity lever.
    arcp_extension_prob: float = Field(0.12, ge=0.0, le=1.0)
    # Calibrated (training_time_ratio, sim/cohorts.py): with LTFT, CCT comes ~10% late, as
    # GMC's 5.5 years for a nominal 5 (docs/sources.md §4.1); the ARCP outcome-3 rate itself
    # NOT FOUND.
    arcp_extension_months: int = Field(6, ge=1, le=24)
    # ESTIMATE: Gold Guide extensions are usually 6 months (up to 12).
    arcp_release_prob: float = Field(0.0, ge=0.0, le=1.0)
    # 0: releases (ARCP outcome 4) are already inside the specialties' all-cause attrition
    # rates (docs/sources.md §4.3 counts every leaver); set > 0 only to model them on top.
    rotation_share: float = Field(0.5, ge=0.0, le=1.0)
    # ESTIMATE: share of trainees changing trust at each August/February rotation.

    # --- recruitment ---------------------------------------------------------------------
    appointable_share: float = Field(0.925, gt=0.0, le=1.0)
    # Calibrated (Nelder-Mead minimax over seeds 1-3 with the two outside options, by the
    # former calibration/recruitment.py; fitted 0.925, 2.02, 2.72; `traineeflow calibrate
    # --fit appointable_share,outside_option,outside_option_round2` refits them) to 2024
    # fill by entry level (CT1/ST1 99.3%, ST3 90.1%, ST4 82.7%; docs/sources.md §6.3): share
    # of unique applicants who are appointable (IMG applicants succeed 23% of the time against
    # 69% for UK graduates, GMC 2025, §4.2).
    outside_option: float = Field(2.02, ge=-20.0, le=20.0)
    # Calibrated: CT1/ST1 applicants accept only offices whose utility (popularity + home pull
    # + Gumbel noise) is above this and would decline the rest.
    outside_option_round2: float = Field(2.72, ge=-20.0, le=20.0)
    # Calibrated: the same for ST3/ST4 applicants, who already hold a core-training or
    # clinical-fellow job and so can afford to be pickier.
    home_pull: float = Field(1.5, ge=0.0, le=10.0)
    # ESTIMATE: extra utility of the applicant's home local office (Goldacre 2013: 70% work in
    # their home, school or training region, docs/sources.md §4.4).
    lo_popularity: dict[str, float] = Field(default_factory=lambda: dict(LO_POPULARITY))
    february_specialties: tuple[str, ...] = ()
    # ESTIMATE: national recruitment starts in August; none recruits in February by default.

    # --- inter-deanery transfers ---------------------------------------------------------
    idt_annual_prob: float = Field(0.03, ge=0.0, le=1.0)
    # ESTIMATE: IDT application volumes NOT FOUND (docs/sources.md §4.3).
    idt_declare_prob: float = Field(0.6, ge=0.0, le=1.0)
    # ESTIMATE: regions need not declare vacancies; gives ~50% of applicants placed
    # (docs/sources.md, top ten).

    # --- the consultant market: supply (CCT holders, international recruits) -----------------
    settlement_decay_miles: float = Field(23.3, gt=0.0, le=1000.0)
    # Calibrated (brentq, seeds 1-2, first five years, by the former calibration/settlement.py;
    # fitted 23.27; `traineeflow calibrate --fit settlement_decay_miles` refits it)
    # so that ~80% of CCT holders take their first consultant post within 50 miles of their
    # last training trust (NHSE 2023, docs/sources.md §4.4).
    settlement_home_pull: float = Field(2.0, ge=1.0, le=20.0)
    # ESTIMATE: weight of a vacancy in the CCT holder's home local office; Goldacre 2013: 70%
    # take their first career post in the region of home, medical school or training (§4.4).
    settlement_wait_weight: float = Field(0.5, ge=0.0, le=100.0)
    # ESTIMATE: weight of waiting a month for a post nearer home, against 1 for a vacancy at
    # the holder's own trust: few move far while a post near home may open, so vacancies
    # persist where local supply is short (RCP census, §6.2) and the local-settlement share
    # does not swing with the number of vacancies.
    settlement_max_wait_months: int = Field(24, ge=0, le=120)
    # ESTIMATE: a CCT holder with no consultant post keeps seeking (locum, fellowship) this
    # long, then leaves England's consultant market; no published figure (§6.4, NOT FOUND).
    seeker_leave_rate: float = Field(0.01, ge=0.0, le=1.0)
    # ESTIMATE: monthly chance that a waiting CCT holder leaves (abroad, other careers):
    # 88% of 2019 F2 completers were still in England in 2024 (GMC 2025, §4.4).
    img_inflow_share: float = Field(0.017, ge=0.0, le=0.5)
    # International recruits a year as a share of funded consultant posts: "nearly a quarter"
    # of consultants appointed since 1992 trained overseas (Goldacre, §6.4) x appointments of
    # ~7% of posts a year (exits ~3.7% + growth ~3.3%, §6.1 and §6.5); ESTIMATE.
    img_after_months: int = Field(6, ge=0, le=60)
    # ESTIMATE: trusts recruit abroad for a post that stayed open this long (re-advertised
    # after local recruitment failed); two thirds of unfilled physician posts had no applicant
    # (RCP census, §6.2).
    img_specialty_factor: dict[str, float] = Field(
        default_factory=lambda: dict(IMG_SPECIALTY_FACTOR)
    )
    cct_age_mean: float = Field(36.0, ge=25.0, le=60.0)
    # ESTIMATE: ~14 years to train a consultant after graduating at ~24 (§4.1).
    img_age_mean: float = Field(42.0, ge=25.0, le=65.0)
    # ESTIMATE: international recruits join after training and practice abroad.

    # --- the consultant market: demand (funded posts) and exits ----------------------------
    establishment_growth: float = Field(0.035, ge=-0.2, le=0.5)
    # ESTIMATE: yearly growth of funded consultant posts set by budgets. Consultants grew
    # 3.3-3.4%/yr in 2015-17 and ~3.1% to Feb 2023 (§6.1) while the vacancy rate held at
    # 7.0-7.3% (§6.2), so demand grew at least as fast as consultants did.
    post_creation_rate: float = Field(0.05, ge=0.0, le=1.0)
    # ESTIMATE: monthly chance that the trust where a waiting CCT holder trained funds a new
    # consultant post for them (locum or fellow made substantive); an uncertain elasticity.
    post_creation_budget: float = Field(0.01, ge=0.0, le=0.2)
    # ESTIMATE: most posts created for waiting candidates in a year, as a share of funded posts.
    retirement_age_mean: float = Field(61.0, ge=50.0, le=75.0)
    # ESTIMATE: gastroenterologists' mean intended retirement age 61.9 (BSG 2020); ~60% intend
    # to retire at or before 60 (BMA 2019); the mean for all consultants NOT FOUND (§6.5).
    retirement_age_sd: float = Field(3.5, ge=0.0, le=15.0)
    # ESTIMATE: under 7% expect to work past 65 (BMA 2019, §6.5).
    consultant_leave_rate: float = Field(0.02, ge=0.0, le=1.0)
    # ESTIMATE: yearly non-retirement exits (abroad, private practice, ill health); with
    # retirement, wastage of ~5%/yr, between gastroenterology's 4.1% retirements (BSG 2020,
    # §6.5) and the Department of Health's assumed 6% consultant wastage (1999, §6.5).
    initial_fill: float = Field(0.95, ge=0.0, le=1.0)
    # England 2024 fill rate 96% (specialty-applications.co.uk, docs/sources.md §3.3).
