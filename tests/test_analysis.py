"""Run-level outcomes (results/analysis.py) on a synthetic run, against hand-computed values."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from results.analysis import (
    METRICS,
    canonical,
    donor_pressure,
    donor_regions,
    group_coverage,
    nan_to_none,
    outcomes_table,
    paired_comparison,
    region_outcomes,
    region_series,
    run_outcomes,
    years_to_fair_share,
)
from results.metrics import region_metrics
from sim.market_outcomes import fill_rate
from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS, RunResult

T_975_2 = 4.302652729911275  # Student t quantile 0.975, 2 degrees of freedom (tables)
YEARS = (2023, 2024, 2025)
# Three regions, one specialty. Per region, per year (2023, 2024, 2025):
# London (Y56) is the donor: 20 posts for a fair share of 10; it reaches 10 in 2025.
# North West (Y62) receives: 10 -> 20 posts for a fair share of 20, within 5% from 2024.
# North East and Yorkshire (Y63) stays at 10 posts for a fair share of 12 (never within 5%).
REGIONS = {
    #        posts        trainees     vacancies  recruits   idt apps   placed   fair  cons need
    "Y56": ((20, 15, 10), (20, 14, 8), (0, 1, 2), (0, 6, 3), (0, 4, 2), (0, 1, 1), 10, 30, 1e5),
    "Y62": ((10, 20, 20), (10, 19, 20), (0, 1, 0), (0, 10, 5), (0, 2, 0), (0, 2, 0), 20, 20, 2e5),
    "Y63": ((10, 10, 10), (10, 10, 10), (0, 0, 0), (0, 3, 3), (0, 0, 0), (0, 0, 0), 12, 10, 1e5),
}
# Posts offered at recruitment (2023, 2024, 2025): not recruits + vacancies, so the tests pin the
# one fill-rate definition, recruits / offered.
OFFERED = {"Y56": (0, 8, 4), "Y62": (0, 11, 5), "Y63": (0, 3, 3)}
ICBS = {"Q1": ("Y56", 0.1), "Q2": ("Y62", 0.4), "Q3": ("Y63", 0.4)}  # one ICB per region


def synthetic_region_year() -> pd.DataFrame:
    rows = []
    for code, (posts, trainees, vac, rec, apps, placed, fair, cons, need) in REGIONS.items():
        for i, year in enumerate(YEARS):
            row = dict.fromkeys(REGION_YEAR_COLUMNS, 0)
            row.update(
                year=year,
                region_code=code,
                specialty_code="S1",
                posts_tariff=posts[i],
                trainees=trainees[i],
                vacancies=vac[i],
                recruits=rec[i],
                offered=OFFERED[code][i],
                idt_applications=apps[i],
                idt_placed=placed[i],
                consultants=cons,
                fair_share_posts=float(fair),
                need_weight=need,
                population=need,
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=list(REGION_YEAR_COLUMNS))


def synthetic_icb_year() -> pd.DataFrame:
    rows = []
    for year in YEARS:
        for icb, (region, core20) in ICBS.items():
            r = REGIONS[region]
            rows.append(
                {
                    "year": year,
                    "icb_code": icb,
                    "region_code": region,
                    "posts": 0,
                    "trainees": 0,
                    "consultants": r[7],
                    "need_weight": r[8],
                    "population": r[8],
                    "core20_share": core20,
                }
            )
    return pd.DataFrame(rows, columns=list(ICB_YEAR_COLUMNS))


SUMMARY = {
    "fair_share_gap_end": 0.1,
    "consultants_end": 60.0,
    "trainees_end": 38.0,
    "settled_within_50_miles": 0.8,
    "fill_rate": 0.9,
    "idt_applications": 8.0,
    "idt_placed": 4.0,
    "posts_moved": 15.0,
}


@pytest.fixture
def run() -> RunResult:
    return RunResult(
        run_key="k",
        scenario="synthetic",
        params={},
        seed=1,
        years=2,
        base_year=2023,
        region_year=synthetic_region_year(),
        icb_year=synthetic_icb_year(),
        summary=dict(SUMMARY),
    )


def test_region_outcomes_hand_values(run):
    out = region_outcomes(run, 2025).set_index("region_code")
    # consultants 30/20/10 against need 100k/200k/100k: shares .5/.333/.167 vs .25/.5/.25
    assert out["coverage"].tolist() == pytest.approx([2.0, 2 / 3, 2 / 3])
    assert out["consultants_per_100k_need"].tolist() == pytest.approx([30.0, 10.0, 10.0])
    assert out["trainees_per_100k_need"].tolist() == pytest.approx([8.0, 10.0, 10.0])
    assert out["fill_rate"].tolist() == pytest.approx([3 / 4, 1.0, 1.0])
    assert out.loc["Y56", "idt_placed_share"] == pytest.approx(0.5)
    assert math.isnan(out.loc["Y63", "idt_placed_share"])  # no applications
    assert out["posts_to_fair_share"].tolist() == pytest.approx([1.0, 1.0, 10 / 12])
    # pressure = base-year posts / trainees now: 20/8, 10/20, 10/10
    assert out["pressure"].tolist() == pytest.approx([2.5, 0.5, 1.0])
    # no recruitment is recorded at the base year: NaN, not 0
    assert region_outcomes(run, 2023)["fill_rate"].isna().all()
    # frames work like the RunResult
    pd.testing.assert_frame_equal(
        region_outcomes(run.region_year, 2025).set_index("region_code"), out
    )


def test_one_fill_rate_definition_recruits_over_offered(run):
    ry = run.region_year
    fr = fill_rate(ry[ry["year"] > 2023], ["year", "region_code"])
    assert sorted(fr.index.get_level_values("year").unique()) == [2024, 2025]
    assert fr[(2024, "Y56")] == pytest.approx(6 / 8)
    assert fr[(2024, "Y62")] == pytest.approx(10 / 11)
    assert fr[(2025, "Y56")] == pytest.approx(3 / 4)
    assert fill_rate(ry) == pytest.approx((6 + 3 + 10 + 5 + 3 + 3) / (8 + 4 + 11 + 5 + 3 + 3))
    assert fill_rate(ry[ry["year"] == 2023]) == 0.0  # nothing offered at the base year
    by_year = region_outcomes(run, 2024).set_index("region_code")["fill_rate"]
    assert by_year.to_dict() == pytest.approx(fr.loc[2024].to_dict())


def test_years_to_fair_share_donors_and_pressure(run):
    within = years_to_fair_share(run).set_index("region_code")
    assert within.loc["Y56", "year_within"] == 2025 and within.loc["Y56", "years_within"] == 2
    assert within.loc["Y62", "year_within"] == 2024 and within.loc["Y62", "years_within"] == 1
    assert math.isnan(within.loc["Y63", "years_within"])  # 10 posts for 12: never within 5%
    assert donor_regions(run) == ["Y56"]
    assert donor_pressure(run, 2025, ["Y56"]) == pytest.approx(20 / 8)
    assert donor_pressure(run, 2025, ["Y56", "Y63"]) == pytest.approx(30 / 18)
    assert math.isnan(donor_pressure(run, 2025, []))


def test_group_coverage_is_share_over_share(run):
    regions = region_metrics(run.region_year, 2025)
    # North: consultants (20 + 10) / 60 against need (200k + 100k) / 400k
    assert group_coverage(regions, ["Y62", "Y63"]) == pytest.approx(0.5 / 0.75)
    assert group_coverage(regions, ["Y56"]) == pytest.approx(2.0)


def test_run_outcomes_hand_values(run):
    out = run_outcomes(run)
    assert list(out) == list(METRICS)
    # rates 30/10/10 per 100k, need weights 1:2:1, mean 15:
    # Gini = (2 * (1*2*20 + 1*1*20)) / (2 * 4^2 * 15) = 0.25
    assert out["icb_gini_end"] == pytest.approx(0.25)
    assert out["region_gini_end"] == pytest.approx(0.25)
    assert out["icb_theil_end"] == pytest.approx(0.5 * math.log(4 / 3))
    # coverage 2 at Core20 0.1, 2/3 at Core20 0.4: slope (2/3 - 2) / 0.3
    assert out["icb_deprivation_slope_end"] == pytest.approx((2 / 3 - 2) / 0.3)
    assert out["icb_share_below_end"] == pytest.approx(0.75)
    assert out["london_coverage_end"] == pytest.approx(2.0)
    assert out["north_coverage_end"] == pytest.approx(2 / 3)
    assert out["regions_within_5pct_end"] == 2
    assert out["donor_pressure_end"] == pytest.approx(2.5)
    assert out["idt_placed_share"] == pytest.approx(0.5)
    for name in ("fair_share_gap_end", "consultants_end", "settled_within_50_miles", "posts_moved"):
        assert out[name] == SUMMARY[name]
    # a fixed donor list is honoured (a comparison passes the base's donors to every arm)
    assert run_outcomes(run, ["Y56", "Y63"])["donor_pressure_end"] == pytest.approx(30 / 18)


def test_region_series_equals_region_metrics_year_by_year(run):
    two = pd.concat(
        [run.region_year.assign(run_key="a"), run.region_year.assign(run_key="b", consultants=5)],
        ignore_index=True,
    )
    series = region_series(two)
    assert len(series) == 2 * 3 * 3
    for year in YEARS:
        expected = region_metrics(two, year).sort_values(["run_key", "region_code"])
        got = series[series["year"] == year][expected.columns]
        np.testing.assert_allclose(got.select_dtypes("number"), expected.select_dtypes("number"))
        assert got["run_key"].tolist() == expected["run_key"].tolist()
    single = region_series(run.region_year)
    assert "run_key" not in single.columns and len(single) == 9


def test_paired_comparison_hand_values():
    base = pd.DataFrame({"seed": [1, 2, 3], "m": [1.0, 2.0, 3.0]})
    other = pd.DataFrame({"seed": [3, 1, 2], "m": [5.0, 2.0, 4.0]})  # shuffled: matched by seed
    m = paired_comparison(base, other, ["m"])["m"]
    # differences per seed 1, 2, 2: mean 5/3, sd sqrt(1/3)
    half = T_975_2 * math.sqrt(1 / 3) / math.sqrt(3)
    assert m["diff"] == pytest.approx(5 / 3)
    assert m["ci_paired"] == pytest.approx([5 / 3 - half, 5 / 3 + half])
    assert m["paired_ci_width"] == pytest.approx(2 * half)
    welch = stats.ttest_ind([2.0, 4.0, 5.0], [1.0, 2.0, 3.0], equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert m["ci_unpaired"] == pytest.approx([ci.low, ci.high])
    assert m["mean_base"] == 2.0 and m["mean_other"] == pytest.approx(11 / 3)
    assert m["correlation"] == pytest.approx(np.corrcoef([1, 2, 3], [2, 4, 5])[0, 1])
    with pytest.raises(ValueError, match="same seeds"):
        paired_comparison(base, other.assign(seed=[3, 1, 9]), ["m"])


def test_pairing_removes_shared_noise():
    rng = np.random.default_rng(5)
    shared = rng.normal(0, 1.0, 10)  # noise common to both arms of a seed
    base = pd.DataFrame({"seed": range(10), "m": shared})
    other = pd.DataFrame({"seed": range(10), "m": shared + 0.5 + rng.normal(0, 0.01, 10)})
    m = paired_comparison(base, other, ["m"])["m"]
    assert m["paired_ci_width"] < 0.1 * m["unpaired_ci_width"]
    assert m["ci_paired"][0] < 0.5 < m["ci_paired"][1]


def test_outcomes_table_and_strict_json(run):
    table = outcomes_table([run])
    assert table.loc[0, "seed"] == 1 and table.loc[0, "run_key"] == "k"
    assert set(METRICS) <= set(table.columns)
    cleaned = nan_to_none({"a": float("nan"), "b": [np.float64(1.5), np.int64(2)], "c": "x"})
    assert cleaned == {"a": None, "b": [1.5, 2], "c": "x"}
    json.dumps(cleaned, allow_nan=False)


def test_canonical_order_gives_identical_outcomes(run):
    shuffled = RunResult(
        **{
            **run.__dict__,
            "region_year": run.region_year.sample(frac=1, random_state=3),
            "icb_year": run.icb_year.sample(frac=1, random_state=4),
        }
    )
    assert not shuffled.region_year.index.equals(run.region_year.index)
    assert run_outcomes(canonical(shuffled)) == run_outcomes(canonical(run))
    pd.testing.assert_frame_equal(canonical(shuffled).region_year, canonical(run).region_year)
