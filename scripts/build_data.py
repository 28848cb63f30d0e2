"""Build the bundled England data (`sim/england/*.csv`) from the public source files.

Run: ``python -m scripts.build_data [--shared PATH] [--out PATH]``. The build reads only files under
``--shared`` (its ``sources/`` and ``derived/`` folders), uses no randomness and allocates integers
by the largest-remainder method, so the same inputs always give byte-identical CSVs.
posts.csv and consultants.csv are a SYNTHETIC baseline calibrated to public aggregates: real
post-level data is not public. See ``sim/england/SOURCES.md`` for every file and column; the
build regenerates its summary tables (between ``<!-- BEGIN/END GENERATED -->`` markers, see
``scripts/build_data_report.py``) and writes it to ``--out`` with the CSVs.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from scripts.build_consultants import build_consultants, national_by_specialty
from scripts.build_data_report import render_blocks, replace_blocks
from sim.rounding import largest_remainder, round_half_up

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "sim" / "england"

# NHS England regions: ODS codes and names (docs/sources.md §1.1; region names as in
# sources/icb_population_2022.csv column 'NSHER 2023 Name' and derived/trusts_with_region.csv).
REGIONS: tuple[tuple[str, str], ...] = (
    ("Y56", "London"), ("Y58", "South West"), ("Y59", "South East"), ("Y60", "Midlands"),
    ("Y61", "East of England"), ("Y62", "North West"), ("Y63", "North East and Yorkshire"),
)  # fmt: skip

# The 12 former HEE local offices of England (lo_code, lo_name, region_code, ICBs) with the
# approximate ICB -> deanery mapping of docs/sources.md §1.3 (= derived/weighted_need_by_area.txt):
# Frimley -> KSS, BLMK -> EoE, BSW -> Severn, Somerset -> Severn, NENC -> NE (not official).
# region_code of a local office = the region holding most of its population; Wessex
# (Hampshire & IoW in South East, Dorset in South West) is put in South East (1.93m vs 0.82m).
LOCAL_OFFICES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("LDN", "London", "Y56", ("QKK", "QMF", "QMJ", "QRV", "QWE")),
    ("KSS", "Kent, Surrey and Sussex", "Y59", ("QKS", "QNQ", "QNX", "QXU")),
    ("TV", "Thames Valley", "Y59", ("QU9",)),
    ("WX", "Wessex", "Y59", ("QRL", "QVV")),
    ("PEN", "South West - Peninsula", "Y58", ("QJK", "QT6")),
    ("SEV", "South West - Severn", "Y58", ("QOX", "QR1", "QSL", "QUY")),
    ("WM", "West Midlands", "Y60", ("QGH", "QHL", "QNC", "QOC", "QUA", "QWU")),
    ("EM", "East Midlands", "Y60", ("QJ2", "QJM", "QK1", "QPM", "QT1")),
    ("EOE", "East of England", "Y61", ("QH8", "QHG", "QJG", "QM7", "QMM", "QUE")),
    ("NW", "North West", "Y62", ("QE1", "QOP", "QYG")),
    ("NE", "North East", "Y63", ("QHM",)),
    ("YH", "Yorkshire and Humber", "Y63", ("QF7", "QOQ", "QWO")),
)
LONDON_LO = "LDN"

# AIF weighted-population columns summed by ICB (sources/nhsx_AIF/2024_2025.csv, NHS England
# 2024/25 allocations; 'pop 2022/23' is the GP-registered population).
AIF_COLUMNS: dict[str, str] = {
    "pop 2022/23": "registered_population",
    "Final WP": "need_overall",
    "G&A WP": "need_general_acute",
    "Mat WP": "need_maternity",
    "MH WP": "need_mental_health",
    "Health Ineq WP": "need_health_inequalities",
}

# Local authority districts abolished between the IMD 2019 geography (LAD 2019) and the AIF
# file's LAD21 column: Buckinghamshire unitary (1 Apr 2020) and North / West Northamptonshire
# unitaries (1 Apr 2021), by their predecessor districts (ONS LAD 2019 -> 2021 changes):
# Aylesbury Vale, Chiltern, South Bucks, Wycombe -> Buckinghamshire; Corby, East
# Northamptonshire, Kettering, Wellingborough -> North Northamptonshire; Daventry, Northampton,
# South Northamptonshire -> West Northamptonshire.
LAD19_TO_LAD21: dict[str, str] = {
    **dict.fromkeys(("E07000004", "E07000005", "E07000006", "E07000007"), "E06000060"),
    **dict.fromkeys(("E07000150", "E07000152", "E07000153", "E07000156"), "E06000061"),
    **dict.fromkeys(("E07000151", "E07000154", "E07000155"), "E06000062"),
}
CORE20_MAX_DECILE = 2  # Core20: England's most deprived 20% of LSOAs = IMD 2019 deciles 1-2

# Trust mergers after the 2018 hospital-site snapshot (sources/Hospital.csv) that are missing
# from sources/epiforecasts/trust_mergers.csv: South Tyneside (RE9) and City Hospitals
# Sunderland (RLN) formed South Tyneside and Sunderland NHS FT (R0B) on 1 April 2019 (ODS).
EXTRA_MERGERS: dict[str, str] = {"RE9": "R0B", "RLN": "R0B"}

TRUST_FUNDED_SHARE = 0.05  # ESTIMATE: trust-funded posts = 5% of tariff posts (no public data)


class Spec(NamedTuple):
    """One specialty row of SPEC_TABLE."""

    code: str
    group: str
    entry_level: int
    years: int
    stat_level: int  # level of its rows in ststats (1 = ST1/CT1, 3 = ST3, 4 = ST4)
    name: str  # specialty name as in ststats (also the specialty_name written)


# Specialties of national recruitment leading to a CCT: code | group | entry level | nominal
# full-time years | ststats level | ststats name. General Practice (not a consultant pathway) and
# core programmes (IMT, CST, core psychiatry, ACCS) are excluded. Durations: docs/sources.md §4.1
# for cardiology (IMT then ST4-ST8), haematology (ST3-ST7) and O&G (ST1-ST7); the others are nominal
# curriculum lengths (ESTIMATE where curricula changed in 2021-23). ststats lists the medical
# specialties at level 3 (pre-2022 ST3 entry after 2-year core medical training); since IMT
# (3 years) group-1 specialties (dual CCT with internal medicine) enter at ST4 and are given entry
# level 4 and 5 years (4 for rheumatology and palliative medicine); group-2 specialties
# (haematology, dermatology, oncology, infection) keep entry level 3. Anaesthetics uses its
# level-1 (CT1/ST1) posts; psychiatry specialties are ST4-ST6 (3 years).
SPEC_TABLE = """
obstetrics_gynaecology | women_children | 1 | 7 | 1 | Obstetrics & Gynaecology
paediatrics | women_children | 1 | 8 | 1 | Paediatrics
clinical_radiology | diagnostics | 1 | 5 | 1 | Clinical Radiology
histopathology | diagnostics | 1 | 5 | 1 | Histopathology
ophthalmology | surgery | 1 | 7 | 1 | Ophthalmology
neurosurgery | surgery | 1 | 8 | 1 | Neurosurgery
cardiothoracic_surgery | surgery | 1 | 8 | 1 | Cardiothoracic Surgery
anaesthetics | acute | 1 | 7 | 1 | Anaesthetics
emergency_medicine | acute | 1 | 6 | 1 | Emergency Medicine
public_health | other | 1 | 5 | 1 | Public Health Medicine
cardiology | medicine | 4 | 5 | 3 | Cardiology
gastroenterology | medicine | 4 | 5 | 3 | Gastroenterology
respiratory_medicine | medicine | 4 | 5 | 3 | Respiratory Medicine
endocrinology_diabetes | medicine | 4 | 5 | 3 | Endocrinology & Diabetes Mellitus
geriatric_medicine | medicine | 4 | 5 | 3 | Geriatric Medicine
renal_medicine | medicine | 4 | 5 | 3 | Renal Medicine
acute_internal_medicine | medicine | 4 | 5 | 3 | Acute Internal Medicine
neurology | medicine | 4 | 5 | 3 | Neurology
rheumatology | medicine | 4 | 4 | 3 | Rheumatology
palliative_medicine | medicine | 4 | 4 | 3 | Palliative Medicine
haematology | medicine | 3 | 5 | 3 | Haematology
dermatology | medicine | 3 | 4 | 3 | Dermatology
medical_oncology | medicine | 3 | 4 | 3 | Medical Oncology
clinical_oncology | medicine | 3 | 5 | 3 | Clinical Oncology
infection | medicine | 3 | 4 | 3 | Combined Infection Training
intensive_care_medicine | acute | 3 | 6 | 3 | Intensive Care Medicine
general_surgery | surgery | 3 | 6 | 3 | General & Vascular Surgery
trauma_orthopaedics | surgery | 3 | 6 | 3 | Trauma & Orthopaedic Surgery
urology | surgery | 3 | 5 | 3 | Urology
plastic_surgery | surgery | 3 | 6 | 3 | Plastic Surgery
otolaryngology | surgery | 3 | 6 | 3 | Otolaryngology
paediatric_surgery | surgery | 3 | 6 | 3 | Paediatric Surgery
general_psychiatry | psychiatry | 4 | 3 | 4 | General Psychiatry
old_age_psychiatry | psychiatry | 4 | 3 | 4 | Old Age Psychiatry
child_adolescent_psychiatry | psychiatry | 4 | 3 | 4 | Child & Adolescent Psychiatry
forensic_psychiatry | psychiatry | 4 | 3 | 4 | Forensic Psychiatry
learning_disability_psychiatry | psychiatry | 4 | 3 | 4 | Psychiatry of Learning Disability
"""
SPECS: tuple[Spec, ...] = tuple(
    Spec(c, g, int(e), int(y), int(s), n)
    for c, g, e, y, s, n in (map(str.strip, r.split("|")) for r in SPEC_TABLE.strip().split("\n"))
)
INTAKE_YEARS = (2019, 2020, 2021)  # mean of the last three ststats years (HEE data)
# ststats has one combined 'Psychiatry' ST4 row for 2021 (410 posts), so psychiatry uses 2019-20;
# a dual programme (e.g. 'General Psychiatry & Old Age Psychiatry') counts half to each specialty
# whose keyword (its name without "Psychiatry", e.g. 'Old Age') the programme's name contains.
PSYCHIATRY_YEARS = (2019, 2020)
TIME_INFLATION = (
    1.15  # docs/sources.md §4.1: real completion takes 10-30% longer (LTFT, extensions)
)

ATTRITION_DEFAULT = (
    0.03  # ESTIMATE: docs/sources.md §4.3 "2.7-4% per year"; cardiology/haem NOT FOUND
)
ATTRITION: dict[str, float] = {
    "paediatrics": 0.04,  # docs/sources.md §4.3: 3.7-4.2%/yr 2014-19 (Redman et al. 2021)
    # ESTIMATE: below the 3% default because O&G losses are "mostly in ST1-2" (RCOG 2018,
    # docs/sources.md §4.3); the early-leaving probability below carries the rest of the ~30%
    "obstetrics_gynaecology": 0.02,
    "trauma_orthopaedics": 0.0152,  # docs/sources.md §4.3: surgical FOI study, T&O lowest 1.52%/yr
    "paediatric_surgery": 0.042,  # docs/sources.md §4.3: same study, paediatric surgery 4.20%/yr
    **dict.fromkeys(  # docs/sources.md §4.3: surgical specialties in England 2.68%/yr (2016-21)
        ("general_surgery", "urology", "plastic_surgery", "otolaryngology", "neurosurgery",
         "cardiothoracic_surgery"), 0.0268),
}  # fmt: skip
# docs/sources.md §4.3 (RCOG 2018): ~30% of O&G starters do not complete, mostly in ST1-2. The extra
# early-leaving probability is set so that 1 - (1 - early) exp(-annual x years x TIME_INFLATION)
# = 0.30: the yearly hazard acts over the real time in training (LTFT, extensions), not the
# nominal years (the model's hazard is continuous in calendar time).
OG_NON_COMPLETION = 0.30
LTFT_DEFAULT = 0.20  # docs/sources.md §4.3: 20% of trainees LTFT in 2022/23 (England)
LTFT: dict[str, float] = {
    "haematology": 0.35,  # ESTIMATE: "over half" LTFT in West Midlands 2020 (docs/sources.md §4.3)
    "obstetrics_gynaecology": 0.25,  # ESTIMATE: ~80% of O&G trainees female (docs/sources.md §4.3)
}
LONDON_FACTOR_DEFAULT = 1.6  # ESTIMATE: between T&O (14-24%) and paediatrics London shares
LONDON_FACTOR: dict[str, float] = {
    "haematology": 2.8,  # docs/sources.md §3.1: London ~34% of 260 HEE-funded haematology posts
    "paediatrics": 1.9,  # docs/sources.md §3.3: London 25.7% of paediatrics ST1 posts 2023-24
}
# Need driver by group (docs/sources.md §5.2 suggests G&A for cardiology/haematology, Mat for O&G;
# mental health for psychiatry); other groups use the overall weighted population.
NEED_COMPONENT_BY_GROUP: dict[str, str] = {
    **dict.fromkeys(("medicine", "surgery", "acute"), "general_acute"),
    "psychiatry": "mental_health",
}


def read_csv(path: Path, encoding: str = "utf-8-sig", **kwargs: object) -> pd.DataFrame:
    """Read one source CSV with an explicit encoding (utf-8-sig strips the BOM some files have)."""
    return pd.read_csv(path, encoding=encoding, **kwargs)  # type: ignore[call-overload]


def core20_by_lad21(imd: pd.DataFrame) -> pd.Series:
    """Share of LSOAs in IMD 2019 deciles 1-2, by 2021 local authority district."""
    lad19 = imd["Local Authority District code (2019)"]
    lad21 = lad19.map(lambda c: LAD19_TO_LAD21.get(c, c))
    deprived = (imd["IMD"] <= CORE20_MAX_DECILE).astype(float)
    return deprived.groupby(lad21).mean()


def build_icbs(shared: Path) -> pd.DataFrame:
    """ICBs: ONS population, AIF need-weighted populations and Core20 share."""
    src = shared / "sources"
    pop = read_csv(src / "icb_population_2022.csv")
    codes = read_csv(src / "icb_codes.csv")
    region_by_name = {name: code for code, name in REGIONS}
    icb = (
        pop.groupby(["ICB 2023 Code", "NSHER 2023 Name"], as_index=False)["Total"]
        .sum()
        .merge(codes, left_on="ICB 2023 Code", right_on="ICB23CD", how="inner", validate="1:1")
    )
    lo_by_icb = {q: code for code, _, _, icbs in LOCAL_OFFICES for q in icbs}
    icb["region_code"] = icb["NSHER 2023 Name"].map(region_by_name)
    icb["lo_code"] = icb["ICB23CDH"].map(lo_by_icb)
    out = icb.rename(columns={"ICB23CDH": "icb_code", "ICB23NM": "icb_name", "Total": "population"})
    out = out[["icb_code", "icb_name", "region_code", "lo_code", "population"]]
    aif = read_csv(src / "nhsx_AIF" / "2024_2025.csv")
    sums = aif.groupby("ICS22")[list(AIF_COLUMNS)].sum().rename(columns=AIF_COLUMNS)
    sums["registered_population"] = sums["registered_population"].map(round_half_up)
    need = [c for c in AIF_COLUMNS.values() if c.startswith("need_")]
    sums[need] = sums[need].round(1)
    imd = read_csv(src / "imd2019lsoa.csv")
    lad_share = core20_by_lad21(imd)
    unmatched = sorted(set(aif["LAD21"]) - set(lad_share.index))
    if unmatched:
        raise SystemExit(f"AIF LAD21 codes without IMD 2019 LSOAs: {unmatched}")
    weight = aif["pop 2022/23"]
    num = (weight * aif["LAD21"].map(lad_share)).groupby(aif["ICS22"]).sum()
    sums["core20_share"] = (num / weight.groupby(aif["ICS22"]).sum()).round(4)
    out = out.merge(sums, left_on="icb_code", right_index=True, how="left", validate="1:1")
    if out.isna().any().any():
        raise SystemExit("ICB join incomplete (region, local office or AIF values missing)")
    return out.sort_values("icb_code").reset_index(drop=True)


def count_sites(shared: Path, trust_codes: pd.Series) -> pd.Series:
    """Count hospital sites per trust in the 2018 nhs.uk site list, following mergers.

    Rows of sources/Hospital.csv of any Sector count: the file labels many NHS trust sites
    (e.g. all of Manchester University NHS FT's) as 'Independent Sector'. Parent codes of trusts
    merged since 2018 are mapped to the successor (epiforecasts/trust_mergers.csv plus
    EXTRA_MERGERS). At least 1 per trust.
    """
    src = shared / "sources"
    sites = read_csv(src / "Hospital.csv", encoding="iso-8859-1", sep="\xac", engine="python")
    mergers = read_csv(src / "epiforecasts" / "trust_mergers.csv")
    successor = dict(zip(mergers["trust_code_old"], mergers["trust_code_new"], strict=True))
    successor.update(EXTRA_MERGERS)
    parent = sites["ParentODSCode"].map(lambda c: successor.get(c, c))
    counts = parent.value_counts()
    return trust_codes.map(counts).fillna(0).astype(np.int64).clip(lower=1)


def build_trusts(shared: Path, icbs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Acute trusts (admissions-mapping proxy) with coordinates, ICB, region, LO and sites.

    Returns the table and a list of notes (coordinate fallbacks, region mismatches).
    """
    der = shared / "derived"
    trusts = read_csv(der / "trusts_with_region.csv", encoding="utf-8")
    trusts = trusts[trusts["acute_proxy_in_covid_admission_mapping"] == "Y"].copy()
    site_xy = read_csv(der / "hospital_sites_with_region.csv", encoding="utf-8")
    notes: list[str] = []
    for i in trusts.index[trusts["hq_lat"].isna() | trusts["hq_lon"].isna()]:
        code = trusts.at[i, "trust_code"]
        own = site_xy[site_xy["trust_code"] == code]
        if own.empty:
            notes.append(f"{code}: no coordinates, dropped")
            trusts = trusts.drop(index=i)
            continue
        trusts.at[i, "hq_lat"], trusts.at[i, "hq_lon"] = own["lat"].mean(), own["lon"].mean()
        notes.append(f"{code}: no HQ coordinates; mean of its {len(own)} hospital sites used")
    icb = icbs.set_index("icb_code")
    region_by_name = {name: code for code, name in REGIONS}
    own_region = trusts["nhse_region"].map(region_by_name)
    icb_region = trusts["icb_stp_code"].map(icb["region_code"])
    for code in trusts.loc[own_region != icb_region, "trust_code"]:
        notes.append(f"{code}: region in trust file differs from its ICB's region")
    out = trusts[["trust_code", "trust_name"]].assign(
        region_code=icb_region,
        icb_code=trusts["icb_stp_code"],
        lo_code=trusts["icb_stp_code"].map(icb["lo_code"]),
        lat=trusts["hq_lat"].astype(float).round(6),
        lon=trusts["hq_lon"].astype(float).round(6),
        sites=count_sites(shared, trusts["trust_code"]),
    )
    if out.isna().any().any():
        raise SystemExit("trust join incomplete (ICB code not among the 42 ICBs)")
    return out.sort_values("trust_code").reset_index(drop=True), notes


def ststats_mean(stats: pd.DataFrame, spec: Spec, column: str) -> tuple[float, str]:
    """Mean yearly `column` of the specialty's ststats rows, and a note naming the rows used."""
    years = PSYCHIATRY_YEARS if spec.group == "psychiatry" else INTAKE_YEARS
    rows = stats[(stats["level"] == spec.stat_level) & stats["year"].isin(years)]
    name = rows["specialty"].str.lower()
    weight = (name == spec.name.lower()).astype(float)  # case-insensitive: ststats varies
    if spec.group == "psychiatry":
        keyword = spec.name.lower().replace("psychiatry of ", "").replace(" psychiatry", "")
        dual = name.str.contains(keyword, regex=False)
        weight = weight.where(weight > 0, 0.5 * dual)
    used = rows[weight > 0]
    if used.empty:
        raise SystemExit(f"no ststats rows for {spec.code} in {years}")
    per_year = (used[column] * weight[weight > 0]).groupby(used["year"]).sum()
    names = " + ".join(f"'{s}'" for s in sorted(set(used["specialty"])))
    span = f"{per_year.index.min()}-{per_year.index.max()}"
    return float(per_year.mean()), f"{span} L{spec.stat_level} {names}"


# Unique applicants by recruitment round in 2024 (UK; DHSC answer HL8152, docs/sources.md §6.3):
# round 1 is CT1/ST1 entry, round 2 mostly ST3/ST4 entry.
UNIQUE_APPLICANTS_2024: dict[int, int] = {1: 26_203, 2: 7_179}
ROUND_OF_LEVEL: dict[int, int] = {1: 1, 2: 1, 3: 2, 4: 2}  # entry level -> recruitment round


def unique_applicants(stats: pd.DataFrame, specialties: pd.DataFrame) -> np.ndarray:
    """People applying to each specialty in 2024, not applications.

    A round's 2024 unique applicants are shared over specialties in proportion to their
    applications (HEE competition ratios, mean of INTAKE_YEARS; every specialty of the round,
    GP and core programmes included): an applicant who applies to k specialties counts 1/k in
    each.
    """
    used = stats[stats["year"].isin(INTAKE_YEARS)]
    per_round = used.groupby(used["level"].map(ROUND_OF_LEVEL))["applications"].sum() / len(
        INTAKE_YEARS
    )
    rnd = specialties["entry_level"].map(ROUND_OF_LEVEL)
    unique = rnd.map(UNIQUE_APPLICANTS_2024) / rnd.map(per_round)
    return (specialties["applications_per_year"] * unique).round(2).to_numpy()


def build_specialties(shared: Path) -> pd.DataFrame:
    """Specialty parameters; also holds tariff_posts_national (used for posts, not written)."""
    stats = read_csv(shared / "sources" / "ststats" / "data.csv", index_col=0)
    rows = []
    for spec in SPECS:
        intake, note = ststats_mean(stats, spec, "posts")
        annual = ATTRITION.get(spec.code, ATTRITION_DEFAULT)
        early, need = 0.0, NEED_COMPONENT_BY_GROUP.get(spec.group, "overall")
        if spec.code == "obstetrics_gynaecology":
            exposure = spec.years * TIME_INFLATION
            early = 1 - (1 - OG_NON_COMPLETION) / math.exp(-annual * exposure)
            need = "maternity"
        rows.append(
            {
                "specialty_code": spec.code,
                "specialty_name": spec.name,
                "group": spec.group,
                "entry_level": spec.entry_level,
                "training_years": spec.years,
                "intake_per_year": round(intake, 2),
                "applications_per_year": round(ststats_mean(stats, spec, "applications")[0], 2),
                "attrition_per_year": annual,
                "attrition_early": round(early, 4),
                "ltft_share": LTFT.get(spec.code, LTFT_DEFAULT),
                "need_component": need,
                "london_factor": LONDON_FACTOR.get(spec.code, LONDON_FACTOR_DEFAULT),
                "tariff_posts_national": round_half_up(intake * spec.years * TIME_INFLATION),
                "source": f"HEE competition ratios (ststats) {note}",
            }
        )
    out = pd.DataFrame(rows)
    out["applicants_per_year"] = unique_applicants(stats, out)
    national, note = national_by_specialty(out)
    out["consultants_national"] = national.to_numpy()
    out["source"] += "; " + note.to_numpy()
    cols = [c for c in out.columns if c not in ("source", "tariff_posts_national")]
    return out[[*cols, "source", "tariff_posts_national"]]


# Posts offered by local office where published: paediatrics ST1 and trauma & orthopaedics ST3,
# 2023 + 2024 (DHSC/NHSE fill-rate answers, docs/sources.md §3.3). "SW" (South West) is split
# between Peninsula and Severn by population.
OFFICE_POSTS: dict[str, dict[str, int]] = {
    "paediatrics": {"EM": 64, "EOE": 73, "KSS": 43, "LDN": 214, "NE": 38, "NW": 89, "SW": 54,
                    "TV": 36, "WX": 30, "WM": 73, "YH": 115},
    "trauma_orthopaedics": {"EM": 30, "EOE": 29, "KSS": 32, "LDN": 56, "NE": 14, "NW": 29,
                            "SW": 26, "TV": 6, "WX": 17, "WM": 30, "YH": 27},
}  # fmt: skip
SOUTH_WEST_OFFICES = ("PEN", "SEV")


def office_weights(spec: str, lo: pd.DataFrame, london_factor: float) -> np.ndarray:
    """Weights splitting a specialty's national posts over local offices (lo: code, population).

    The published office counts where they exist (OFFICE_POSTS), else population x
    london_factor in London.
    """
    pop = lo.set_index("lo_code")["population"]
    if spec in OFFICE_POSTS:
        counts = pd.Series(OFFICE_POSTS[spec], dtype=float)
        sw = pop[list(SOUTH_WEST_OFFICES)]
        counts = pd.concat([counts.drop("SW"), counts["SW"] * sw / sw.sum()])
        return counts.reindex(pop.index).to_numpy()
    return (pop * np.where(pop.index == LONDON_LO, london_factor, 1.0)).to_numpy()


def build_posts(
    trusts: pd.DataFrame, icbs: pd.DataFrame, specialties: pd.DataFrame
) -> pd.DataFrame:
    """SYNTHETIC tariff and trust-funded posts by trust and specialty.

    National tariff posts (specialties.csv, tariff_posts_national) go to local offices by
    `office_weights`, then to the LO's trusts in proportion to `sites`; largest remainder at
    both levels.
    """
    lo_pop = icbs.groupby("lo_code")["population"].sum()
    lo = pd.DataFrame({"lo_code": lo_pop.index, "population": lo_pop.to_numpy(dtype=float)})
    by_lo = {code: trusts.index[trusts["lo_code"] == code] for code in lo["lo_code"]}
    rows = []
    for spec in specialties.itertuples(index=False):
        weights = office_weights(spec.specialty_code, lo, spec.london_factor)
        lo_posts = largest_remainder(int(spec.tariff_posts_national), weights)
        for code, n in zip(lo["lo_code"], lo_posts, strict=True):
            members = by_lo[code]
            alloc = largest_remainder(int(n), trusts.loc[members, "sites"].to_numpy())
            for idx, tariff in zip(members, alloc, strict=True):
                funded = round_half_up(TRUST_FUNDED_SHARE * tariff)
                if tariff + funded > 0:
                    rows.append((trusts.at[idx, "trust_code"], spec.specialty_code, tariff, funded))
    out = pd.DataFrame(
        rows, columns=["trust_code", "specialty_code", "tariff_posts", "trust_funded_posts"]
    )
    return out.sort_values(["trust_code", "specialty_code"]).reset_index(drop=True)


def build_all(shared: Path) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Build every table; returns {file name: table} and notes (printed by main)."""
    icbs = build_icbs(shared)
    trusts, notes = build_trusts(shared, icbs)
    specialties = build_specialties(shared)
    posts = build_posts(trusts, icbs, specialties)
    consultants = build_consultants(trusts, icbs, specialties, posts)
    tables = {
        "regions.csv": pd.DataFrame(REGIONS, columns=["region_code", "region_name"]),
        "local_offices.csv": pd.DataFrame(
            [lo[:3] for lo in LOCAL_OFFICES], columns=["lo_code", "lo_name", "region_code"]
        ),
        "icbs.csv": icbs,
        "trusts.csv": trusts,
        "specialties.csv": specialties.drop(columns=["tariff_posts_national"]),
        "posts.csv": posts,
        "consultants.csv": consultants,
    }
    return tables, notes


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="folder of the public source files (sources/, derived/; sim/england/SOURCES.md)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    if not (args.shared / "sources").is_dir():
        parser.error(f"no sources/ folder under {args.shared}")
    tables, notes = build_all(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():  # UTF-8, LF line endings: byte-identical on every OS
        table.to_csv(args.out / name, index=False, encoding="utf-8", lineterminator="\n")
        print(f"{name}: {len(table)} rows")
    # SOURCES.md: the bundled prose with regenerated tables (in place when --out is the default)
    text = (DEFAULT_OUT / "SOURCES.md").read_text(encoding="utf-8")
    text = replace_blocks(text, render_blocks(tables))
    (args.out / "SOURCES.md").write_text(text, encoding="utf-8", newline="\n")
    print("SOURCES.md: summary tables regenerated")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
