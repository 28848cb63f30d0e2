"""Metrics against hand-computed values and brute-force definitions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from results.metrics import (
    coverage,
    deprivation_slope,
    gini,
    icb_metrics,
    inequality_summary,
    mean_ci,
    paired_diff_ci,
    per_100k,
    pressure,
    ratio,
    region_metrics,
    share_below,
    theil,
    unpaired_diff_ci,
    years_to_within,
)
from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS

T_975_2 = 4.302652729911275  # Student t quantile 0.975 with 2 degrees of freedom (tables)


def brute_gini(x, w):
    x, w = np.asarray(x, float), np.asarray(w, float)
    mu = (w * x).sum() / w.sum()
    return (np.outer(w, w) * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mu)


# --- per capita, coverage, rates -------------------------------------------------------------


def test_per_100k_hand_values_and_zero_need():
    assert per_100k(50, 200_000) == pytest.approx(25.0)
    out = per_100k(pd.Series([1, 2], index=["a", "b"]), pd.Series([100_000, 0], index=["a", "b"]))
    assert list(out.index) == ["a", "b"]
    assert out["a"] == pytest.approx(1.0) and math.isnan(out["b"])


def test_coverage_is_consultant_share_over_need_share():
    np.testing.assert_allclose(coverage([1, 3], [1, 1]), [0.5, 1.5])
    np.testing.assert_allclose(coverage([10, 30, 60], [1, 3, 6]), [1, 1, 1])
    out = coverage(pd.Series([2.0, 2.0], index=["Y56", "Y57"]), [100.0, 300.0])
    assert out["Y56"] == pytest.approx(2.0) and out["Y57"] == pytest.approx(2 / 3)


def test_ratio_and_pressure():
    assert ratio(45, 50) == pytest.approx(0.9)
    assert math.isnan(ratio(0, 0))
    assert pressure(trainees=80, posts=100) == pytest.approx(1.25)
    assert pressure(100, 100) == pytest.approx(1.0)
    np.testing.assert_allclose(ratio(np.array([1, 2]), np.array([2, 4])), [0.5, 0.5])


# --- inequality indices ----------------------------------------------------------------------


def test_gini_hand_values():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 1]) == pytest.approx(0.5)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (N - 1) / N
    # rates 30 and 10 per 100k, weights 100k and 300k: 2*1e5*3e5*20 / (2 * 4e5^2 * 15) = 0.25
    assert gini([30, 10], [100_000, 300_000]) == pytest.approx(0.25)
    assert math.isnan(gini([0, 0]))
    with pytest.raises(ValueError):
        gini([-1, 1])


def test_gini_weights_equal_replication():
    assert gini([1, 2, 5], [2, 1, 3]) == pytest.approx(gini([1, 1, 2, 5, 5, 5]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0.01, 1e6)), min_size=1, max_size=30))
def test_gini_matches_double_sum_definition(pairs):
    x, w = zip(*pairs, strict=True)
    if sum(a * b for a, b in pairs) <= 1e-9:
        return
    assert gini(x, w) == pytest.approx(brute_gini(x, w), rel=1e-9, abs=1e-12)
    assert gini(np.array(x) * 7.5, w) == pytest.approx(gini(x, w), rel=1e-9, abs=1e-12)


def test_theil_hand_values():
    assert theil([3, 3, 3]) == 0.0
    assert theil([0, 1]) == pytest.approx(math.log(2))
    assert theil([0, 0, 0, 5]) == pytest.approx(math.log(4))  # ln N
    # shares .25/.75, rates relative to mean 2 and 2/3: .5 ln 2 + .5 ln(2/3) = .5 ln(4/3)
    assert theil([30, 10], [100_000, 300_000]) == pytest.approx(0.5 * math.log(4 / 3))
    assert theil([1, 2, 5], [2, 1, 3]) == pytest.approx(theil([1, 1, 2, 5, 5, 5]))


def test_deprivation_slope_recovers_an_exact_line():
    x = np.array([0.05, 0.1, 0.3, 0.45, 0.8])
    y = 1.2 - 0.5 * x
    assert deprivation_slope(y, x, [1, 5, 2, 9, 3]) == pytest.approx(-0.5)
    assert deprivation_slope(y, x) == pytest.approx(-0.5)
    assert math.isnan(deprivation_slope([1, 2], [0.3, 0.3]))


def test_deprivation_slope_matches_weighted_polyfit():
    rng = np.random.default_rng(3)
    x, y, w = rng.random(40), rng.random(40), rng.uniform(1, 10, 40)
    expected = np.polyfit(x, y, 1, w=np.sqrt(w))[0]  # polyfit weights multiply residuals
    assert deprivation_slope(y, x, w) == pytest.approx(expected)


def test_share_below():
    assert share_below([0.5, 0.95, 0.85, 1.2], [10, 20, 30, 40]) == pytest.approx(0.4)
    assert share_below([0.9, 1.0], [1, 1]) == 0.0  # strictly below
    assert share_below([0.5, 1.0], [1, 1], threshold=1.01) == 1.0


# --- time to fair share ----------------------------------------------------------------------


def test_years_to_within():
    series = {2023: 0.5, 2024: 0.97, 2025: 0.9, 2026: 0.99, 2027: 1.01}
    assert years_to_within(series, 1.0) == 2026  # 2024 is inside but 2025 falls out again
    assert years_to_within(series, 1.0, tol=0.5) == 2023
    assert years_to_within({2023: 1.0, 2024: 2.0}, 1.0) is None
    target = pd.Series({2023: 10.0, 2024: 20.0, 2025: 30.0})
    assert years_to_within(pd.Series({2025: 30.0, 2023: 0.0, 2024: 20.0}), target) == 2024
    assert years_to_within({2023: np.nan, 2024: 1.0}, 1.0) == 2024
    assert years_to_within({}, 1.0) is None


# --- intervals over replicates ---------------------------------------------------------------


def test_mean_ci_hand_value():
    mean, low, high = mean_ci([1, 2, 3])
    half = T_975_2 * 1.0 / math.sqrt(3)  # sd = 1
    assert (mean, low, high) == pytest.approx((2.0, 2 - half, 2 + half))
    assert mean_ci([4.0, 4.0]) == (4.0, 4.0, 4.0)
    m, lo, hi = mean_ci([5.0])
    assert m == 5.0 and math.isnan(lo) and math.isnan(hi)


def test_intervals_match_scipy():
    rng = np.random.default_rng(11)
    a, b = rng.normal(10, 2, 12), rng.normal(9, 4, 9)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.9)
    assert unpaired_diff_ci(a, b, 0.9) == pytest.approx((a.mean() - b.mean(), ci.low, ci.high))
    c = a + rng.normal(0, 0.5, 12)
    ci = stats.ttest_rel(a, c).confidence_interval()
    assert paired_diff_ci(a, c) == pytest.approx(((a - c).mean(), ci.low, ci.high))


def test_paired_interval_narrower_on_correlated_replicates():
    rng = np.random.default_rng(5)
    common = rng.normal(100, 10, 20)  # what common random numbers share between the two arms
    policy, baseline = common + 2 + rng.normal(0, 1, 20), common + rng.normal(0, 1, 20)
    _, plo, phi = paired_diff_ci(policy, baseline)
    _, ulo, uhi = unpaired_diff_ci(policy, baseline)
    assert phi - plo < (uhi - ulo) / 5
    assert plo > 0  # the paired design detects the +2 effect


# --- region and ICB tables -------------------------------------------------------------------


def region_table(rows):
    """rows: (region, specialty, tariff, expansion, trust, trainees, consultants, need, pop)."""
    out = []
    for region, spec, tariff, exp, trust, trainees, cons, need, pop in rows:
        row = dict.fromkeys(REGION_YEAR_COLUMNS, 0)
        row.update(
            year=2030,
            region_code=region,
            specialty_code=spec,
            posts_tariff=tariff,
            posts_expansion=exp,
            posts_trust_funded=trust,
            trainees=trainees,
            consultants=cons,
            need_weight=float(need),
            population=float(pop),
            fair_share_posts=float(tariff + exp),
        )
        out.append(row)
    return pd.DataFrame(out, columns=list(REGION_YEAR_COLUMNS))


def icb_table(rows):
    """rows: (icb, region, consultants, need, population, core20)."""
    out = [
        {
            "year": 2030,
            "icb_code": icb,
            "region_code": region,
            "posts": 0,
            "trainees": 0,
            "consultants": cons,
            "need_weight": float(need),
            "population": float(pop),
            "core20_share": core20,
        }
        for icb, region, cons, need, pop, core20 in rows
    ]
    return pd.DataFrame(out, columns=list(ICB_YEAR_COLUMNS))


REGIONS_ONE_SPECIALTY = region_table(
    [
        ("A", "S1", 5, 1, 0, 10, 30, 100_000, 100_000),
        ("B", "S1", 15, 1, 2, 20, 30, 300_000, 300_000),
    ]
)
ICBS = icb_table(
    [
        ("a1", "A", 20, 50_000, 50_000, 0.6),
        ("a2", "A", 10, 50_000, 50_000, 0.2),
        ("b1", "B", 10, 100_000, 100_000, 0.1),
        ("b2", "B", 20, 200_000, 200_000, 0.1),
    ]
)


def test_region_metrics_hand_values():
    out = region_metrics(REGIONS_ONE_SPECIALTY, 2030).set_index("region_code")
    assert out.loc["A", "posts"] == 6 and out.loc["B", "posts"] == 18
    assert out.loc["B", "programme_posts"] == 16
    assert out["need_share"].tolist() == pytest.approx([0.25, 0.75])
    assert out["consultant_share"].tolist() == pytest.approx([0.5, 0.5])
    assert out["coverage"].tolist() == pytest.approx([2.0, 2 / 3])
    assert out["need_weight"].tolist() == pytest.approx([100_000, 300_000])
    assert out["consultants_per_100k_need"].tolist() == pytest.approx([30.0, 10.0])
    assert out["trainees_per_100k_need"].tolist() == pytest.approx([10.0, 20 / 3])
    with pytest.raises(ValueError, match="no rows for year 2031"):
        region_metrics(REGIONS_ONE_SPECIALTY, 2031)


def test_region_coverage_is_one_when_each_specialty_follows_its_own_need():
    # S1 need is 1:3 (national total 4), S2 need 3:1 on another scale (total 400); each
    # specialty's consultants follow its own need exactly, so every region is at fair share.
    table = region_table(
        [
            ("A", "S1", 0, 0, 0, 0, 10, 1, 5),
            ("B", "S1", 0, 0, 0, 0, 30, 3, 5),
            ("A", "S2", 0, 0, 0, 0, 60, 300, 5),
            ("B", "S2", 0, 0, 0, 0, 20, 100, 5),
        ]
    )
    out = region_metrics(table, 2030)
    assert out["coverage"].tolist() == pytest.approx([1.0, 1.0])
    # w = (40/120, 80/120): need shares A = 1/3*1/4 + 2/3*3/4 = 7/12
    assert out["need_share"].tolist() == pytest.approx([7 / 12, 5 / 12])


def test_icb_metrics_hand_values():
    out = icb_metrics(ICBS, 2030).set_index("icb_code")
    assert out["consultants_per_100k_need"].tolist() == pytest.approx([40, 20, 10, 10])
    # national rate 60 / 400k = 15 per 100k; coverage = rate / national rate
    assert out["coverage"].tolist() == pytest.approx([8 / 3, 4 / 3, 2 / 3, 2 / 3])


def test_inequality_summary_hand_values():
    out = inequality_summary(REGIONS_ONE_SPECIALTY, ICBS, 2030)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["year"] == 2030
    assert row["region_gini"] == pytest.approx(0.25)
    assert row["region_theil"] == pytest.approx(0.5 * math.log(4 / 3))
    # region Core20 shares: A (0.6 + 0.2) / 2 = 0.4, B 0.1; coverage 2 and 2/3
    assert row["region_deprivation_slope"] == pytest.approx((2 - 2 / 3) / 0.3)
    assert row["region_share_below"] == pytest.approx(0.75)
    need = [50_000, 50_000, 100_000, 200_000]
    assert row["icb_gini"] == pytest.approx(brute_gini([40, 20, 10, 10], need))
    assert row["icb_share_below"] == pytest.approx(300_000 / 400_000)
    expected = np.polyfit([0.6, 0.2, 0.1, 0.1], [8 / 3, 4 / 3, 2 / 3, 2 / 3], 1, w=np.sqrt(need))[0]
    assert row["icb_deprivation_slope"] == pytest.approx(expected)


def test_inequality_summary_per_run():
    equal_regions = REGIONS_ONE_SPECIALTY.assign(consultants=[10, 30])
    regions = pd.concat(
        [REGIONS_ONE_SPECIALTY.assign(run_key="r1"), equal_regions.assign(run_key="r2")],
        ignore_index=True,
    )
    icbs = pd.concat([ICBS.assign(run_key="r1"), ICBS.assign(run_key="r2")], ignore_index=True)
    out = inequality_summary(regions, icbs, 2030).set_index("run_key")
    assert out.loc["r1", "region_gini"] == pytest.approx(0.25)
    assert out.loc["r2", "region_gini"] == pytest.approx(0.0)
    assert out.loc["r2", "region_share_below"] == 0.0
    by_run = region_metrics(regions, 2030)
    assert set(by_run["run_key"]) == {"r1", "r2"} and len(by_run) == 4
