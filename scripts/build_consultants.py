"""Build the consultant side of the bundled data: England's stock, its shape and funded posts.

Part of ``python -m scripts.build_data``. Every figure below names its source in
``docs/sources.md`` (section numbers as there) or says ESTIMATE.

1. England total for the base year (August 2023): HCHS consultants were 45,800 FTE in
   September 2017, +3.4% on 2016 (NHS Digital, docs/sources.md §6.1). No later total is in our
   sources; growing 2017 at the 2016-17 rate for six years gives 55,977 FTE in 2023.
   Cross-check: DHSC reported +1,689 FTE consultants in the year to February 2023 (written
   answer 25 May 2023, docs/sources.md preamble), 3.1% of this stock. The 37 modelled
   specialties hold MODELLED_SHARE of them (the rest: other pathology, genetics, dental,
   rehabilitation, sexual health and other small specialties).
2. By specialty: cardiology and anaesthetics from current published counts; every other
   specialty shares the remainder in proportion to its yearly number of completers (intake x the
   probability of completing at its attrition rates), because a consultant stock is fed by the
   specialty's completions.
3. By local office: the 2007-08 strategic-health-authority headcounts of haematology, clinical
   oncology and clinical radiology consultants (Hansard 20 Jan 2009, docs/sources.md §3.2 and §6.6)
   give each area's consultants per head; those three specialties use their own pattern, every
   other specialty the mean of the three. Within an office: half by the trust's share of the
   specialty's training posts, half by population.
4. Funded posts (establishment) = consultants + vacancies; vacancies are the published medical
   vacancy rate (7.3%, June 2022, docs/sources.md §6.2), spread half in proportion to consultants
   (turnover) and half to where consultants fall short of the area's need share (published
   censuses find unfilled posts where consultants per head are fewest, docs/sources.md §6.2).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.history_data import MODELLED_SHARE
from sim.rounding import largest_remainder

ENGLAND_CONSULTANTS_2017 = 45_800  # docs/sources.md §6.1: HCHS consultants, England, Sep 2017 (FTE)
GROWTH_2016_17 = 0.034  # docs/sources.md §6.1: +3.4% on Sep 2016
BASE_YEAR_GAP = 6  # Sep 2017 -> Aug/Sep 2023 (the model's base year)
CURRENT_ANCHORS: dict[str, float] = {
    "cardiology": 1653,  # docs/sources.md §3.2: consultant cardiologists 1,653 FTE (PQ, Nov 2023)
    # docs/sources.md §3.2: 7,492 FTE consultant anaesthetists (July 2024), one year's national
    # growth (3.4%) back to 2023
    "anaesthetics": 7492 / (1 + GROWTH_2016_17),
}
TIME_INFLATION = 1.15  # docs/sources.md §4.1: real time in training is 10-30% above nominal
VACANCY_RATE = 0.073  # docs/sources.md §6.2: medical staff vacancy rate, England, June 2022
SHORTFALL_WEIGHT = 0.5  # ESTIMATE: half of vacancies where consultants fall short of need

# docs/sources.md §3.2, §6.6: consultants by strategic health authority, c.2007-08 (headcount).
# South East Coast radiology is garbled in the source: the England total (2,086) less the rest.
SHA_CONSULTANTS: dict[str, dict[str, int]] = {
    "haematology": {"NE": 31, "NW": 68, "YH": 52, "EM": 42, "WM": 63, "EOE": 56, "LDN": 169,
                    "SEC": 39, "SC": 44, "SW": 70},
    "clinical_oncology": {"NE": 26, "NW": 62, "YH": 57, "EM": 44, "WM": 45, "EOE": 68, "LDN": 82,
                          "SEC": 31, "SC": 48, "SW": 43},
    "clinical_radiology": {"NE": 101, "NW": 311, "YH": 216, "EM": 146, "WM": 215, "EOE": 186,
                           "LDN": 401, "SEC": 129, "SC": 164, "SW": 217},
}  # fmt: skip
# SHA -> local offices (South Central = Thames Valley + Wessex; South West = Peninsula + Severn;
# South East Coast = Kent, Surrey and Sussex); an SHA's count is split by population.
SHA_OFFICES: dict[str, tuple[str, ...]] = {
    "NE": ("NE",), "NW": ("NW",), "YH": ("YH",), "EM": ("EM",), "WM": ("WM",), "EOE": ("EOE",),
    "LDN": ("LDN",), "SEC": ("KSS",), "SC": ("TV", "WX"), "SW": ("PEN", "SEV"),
}  # fmt: skip
CONSULTANT_POST_WEIGHT = 0.5  # ESTIMATE: within an office, consultants half follow training posts


def england_total() -> int:
    """Consultants in the modelled specialties in the base year (see module docstring)."""
    total = ENGLAND_CONSULTANTS_2017 * (1 + GROWTH_2016_17) ** BASE_YEAR_GAP
    return math.floor(total * MODELLED_SHARE + 0.5)


def national_by_specialty(specialties: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Consultants by specialty (index specialty_code) and a source note for each."""
    spec = specialties.set_index("specialty_code")
    exposure = spec["training_years"] * TIME_INFLATION
    complete = (1 - spec["attrition_early"]) * np.exp(-spec["attrition_per_year"] * exposure)
    completers = spec["intake_per_year"] * complete
    anchors = pd.Series(CURRENT_ANCHORS)
    rest = completers.drop(anchors.index)
    share = rest / rest.sum() * (england_total() - anchors.sum())
    out = pd.concat([anchors, share]).loc[spec.index]
    counts = largest_remainder(england_total(), out.to_numpy())
    note = pd.Series("consultants: share of the England total by completions", index=spec.index)
    note[anchors.index] = "consultants: published current count"
    return pd.Series(counts, index=spec.index), note


def office_index(lo_population: pd.Series) -> pd.DataFrame:
    """Consultants-per-head index by local office (rows) for each anchor specialty (columns)."""
    cols = {}
    for spec, by_sha in SHA_CONSULTANTS.items():
        counts = pd.Series(0.0, index=lo_population.index)
        for sha, n in by_sha.items():
            offices = list(SHA_OFFICES[sha])
            pop = lo_population[offices]
            counts[offices] += n * pop / pop.sum()
        cols[spec] = (counts / counts.sum()) / (lo_population / lo_population.sum())
    table = pd.DataFrame(cols)
    table["other"] = table.mean(axis=1)
    return table


def build_consultants(
    trusts: pd.DataFrame, icbs: pd.DataFrame, specialties: pd.DataFrame, posts: pd.DataFrame
) -> pd.DataFrame:
    """SYNTHETIC consultants and funded posts (establishment) by trust and specialty."""
    national, _ = national_by_specialty(specialties)
    lo_pop = icbs.groupby("lo_code")["population"].sum()
    index = office_index(lo_pop)
    n_in_icb = trusts["icb_code"].map(trusts["icb_code"].value_counts())
    trust_pop = trusts["icb_code"].map(icbs.set_index("icb_code")["population"]) / n_in_icb
    need_col = specialties.set_index("specialty_code")["need_component"].map(lambda c: f"need_{c}")
    rows = []
    for code, total in national.items():
        pattern = index[code] if code in index.columns else index["other"]
        lo_cons = pd.Series(
            largest_remainder(int(total), (lo_pop * pattern).to_numpy()), index=lo_pop.index
        )
        need = icbs.groupby("lo_code")[need_col[code]].sum()
        vac_total = math.floor(total * VACANCY_RATE / (1 - VACANCY_RATE) + 0.5)
        short = np.maximum(need / need.sum() * (total + vac_total) - lo_cons, 0.0)
        weight = (1 - SHORTFALL_WEIGHT) * lo_cons / lo_cons.sum()
        if short.sum() > 0:
            weight = weight + SHORTFALL_WEIGHT * short / short.sum()
        lo_vac = pd.Series(largest_remainder(vac_total, weight.to_numpy()), index=lo_pop.index)
        mine = posts[posts["specialty_code"] == code].set_index("trust_code")["tariff_posts"]
        for lo in lo_pop.index:
            members = trusts.index[trusts["lo_code"] == lo]
            tariff = trusts.loc[members, "trust_code"].map(mine).fillna(0).to_numpy(float)
            pop = trust_pop[members].to_numpy(float)
            w = (1 - CONSULTANT_POST_WEIGHT) * pop / pop.sum()
            if tariff.sum() > 0:
                w = w + CONSULTANT_POST_WEIGHT * tariff / tariff.sum()
            cons = largest_remainder(int(lo_cons[lo]), w)
            vac = largest_remainder(int(lo_vac[lo]), cons if cons.sum() > 0 else w)
            rows += [
                (trusts.at[i, "trust_code"], code, int(c), int(c + v))
                for i, c, v in zip(members, cons, vac, strict=True)
                if c + v > 0
            ]
    out = pd.DataFrame(
        rows, columns=["trust_code", "specialty_code", "consultants", "establishment"]
    )
    return out.sort_values(["trust_code", "specialty_code"]).reset_index(drop=True)
