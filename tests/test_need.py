"""Need-weighted fair shares of training posts (sim/need.py): sums, special cases and a world
small enough to compute by hand.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from sim.datafiles import NEED_COMPONENTS
from sim.model import build_model
from sim.need import (
    DEPRIVATION_WEIGHT,
    REGION_GROWTH,
    icb_fair_shares,
    region_fair_shares,
    trust_fair_shares,
)
from sim.policy import Programme
from sim.scenario import load_scenario
from sim.world import World

NO_GROWTH = {code: 1.0 for code in REGION_GROWTH}


@pytest.fixture(scope="module")
def world() -> World:
    return World.load()


# --- England ----------------------------------------------------------------------------------
@pytest.mark.parametrize("weight", [0.0, DEPRIVATION_WEIGHT, 0.5, 1.0])
@pytest.mark.parametrize("growth", [None, NO_GROWTH, {"Y56": 2.0, "Y63": 0.5}])
def test_shares_sum_to_one_per_specialty_at_every_level(world, weight, growth):
    icb = icb_fair_shares(world, weight, growth)
    assert icb.shape == (len(world.icb_codes), world.n_specialties)
    assert (icb >= 0).all()
    np.testing.assert_allclose(icb.sum(axis=0), 1.0, atol=1e-12)
    region = region_fair_shares(world, icb)
    assert region.shape == (world.n_regions, world.n_specialties)
    np.testing.assert_allclose(region.sum(axis=0), 1.0, atol=1e-12)
    trust = trust_fair_shares(world, icb)
    np.testing.assert_allclose(trust.sum(axis=0), 1.0, atol=1e-12)


def test_region_share_is_the_sum_of_its_icbs(world):
    icb = icb_fair_shares(world)
    region = region_fair_shares(world, icb)
    for r, code in enumerate(world.region_codes):
        mine = (world.data.icbs["region_code"] == code).to_numpy()
        assert mine.any()
        np.testing.assert_allclose(region[r], icb[mine].sum(axis=0), rtol=1e-12)


def test_deprivation_weight_zero_is_the_pure_need_share(world):
    icbs = world.data.icbs
    shares = icb_fair_shares(world, 0.0, NO_GROWTH)
    for s, c in enumerate(world.spec_need_component):
        component = NEED_COMPONENTS[c]
        need = icbs[f"need_{component}"].to_numpy(dtype=float)
        np.testing.assert_allclose(shares[:, s], need / need.sum(), rtol=1e-12)
    # and weight 1 is the pure health-inequalities share, the same for every specialty
    hi = icbs["need_health_inequalities"].to_numpy(dtype=float)
    np.testing.assert_allclose(
        icb_fair_shares(world, 1.0, NO_GROWTH),
        np.repeat((hi / hi.sum())[:, None], world.n_specialties, axis=1),
    )


def test_deprivation_weight_mixes_linearly(world):
    need, hi = icb_fair_shares(world, 0.0), icb_fair_shares(world, 1.0)
    np.testing.assert_allclose(icb_fair_shares(world), 0.8 * need + 0.2 * hi, rtol=1e-12)
    assert DEPRIVATION_WEIGHT == 0.2  # HEE: 20% weighting for deprivation


def test_specialties_use_their_own_need_component(world):
    names = [NEED_COMPONENTS[c] for c in world.spec_need_component]
    codes = world.specialty_codes
    assert names[codes.index("obstetrics_gynaecology")] == "maternity"
    assert len(set(names)) > 1  # configurable components are actually used
    shares = icb_fair_shares(world, 0.0, NO_GROWTH)
    by_component = {c: shares[:, names.index(c)] for c in set(names)}
    for s, c in enumerate(names):
        np.testing.assert_allclose(shares[:, s], by_component[c])
    cardiology = by_component[names[codes.index("cardiology")]]
    assert not np.allclose(by_component["maternity"], cardiology)


def test_trust_shares_add_up_to_their_icb(world):
    icb = icb_fair_shares(world)
    trust = trust_fair_shares(world, icb)
    per_icb = np.zeros_like(icb)
    np.add.at(per_icb, world.trust_icb, trust)
    with_trusts = np.bincount(world.trust_icb, minlength=len(world.icb_codes)) > 0
    np.testing.assert_allclose(per_icb[with_trusts], icb[with_trusts], rtol=1e-12)
    # ICBs without a trust hand their share to the trusts of their local office
    per_lo_trust = np.zeros((world.n_los, icb.shape[1]))
    np.add.at(per_lo_trust, world.trust_lo, trust)
    icb_lo = np.array([world.lo_codes.index(c) for c in world.data.icbs["lo_code"]])
    per_lo_icb = np.zeros_like(per_lo_trust)
    np.add.at(per_lo_icb, icb_lo, icb)
    np.testing.assert_allclose(per_lo_trust, per_lo_icb, rtol=1e-12)


def test_population_growth_raises_a_regions_share_as_the_formula_says(world):
    m = world.region_codes.index("Y60")
    others = np.arange(world.n_regions) != m
    grown_growth = {**NO_GROWTH, "Y60": 1.2}
    mixed = {}
    for weight in (0.0, 1.0):  # the need part and the deprivation part, each renormalised
        base = region_fair_shares(world, icb_fair_shares(world, weight, NO_GROWTH))
        grown = region_fair_shares(world, icb_fair_shares(world, weight, grown_growth))
        # every ICB of one region scaled by g: s' = g s / (g s + 1 - s), the rest shrink alike
        expect = 1.2 * base[m] / (1.2 * base[m] + 1.0 - base[m])
        np.testing.assert_allclose(grown[m], expect, rtol=1e-12)
        np.testing.assert_allclose(
            grown[others], base[others] * (1 - expect) / (1 - base[m]), rtol=1e-12
        )
        mixed[weight] = grown
    both = region_fair_shares(world, icb_fair_shares(world, 0.3, grown_growth))
    np.testing.assert_allclose(both, 0.7 * mixed[0.0] + 0.3 * mixed[1.0], rtol=1e-12)


def test_london_holds_more_than_its_fair_share(world):
    """The premise of the programme: London's posts exceed its need share in most specialties."""
    shares = region_fair_shares(world, icb_fair_shares(world))
    trust, spec, funding = world.baseline_posts
    tariff = funding == 0
    posts = np.zeros_like(shares)
    np.add.at(posts, (world.trust_region[trust[tariff]], spec[tariff]), 1)
    current = posts / posts.sum(axis=0, keepdims=True)
    london = world.region_codes.index("Y56")
    assert (current[london] > shares[london]).mean() > 0.8


def test_model_uses_the_scenario_levers(world):
    sc = load_scenario("msd_programme", world)
    prog = sc.policy.programme.model_copy(update={"deprivation_weight": 0.5})
    m = build_model(
        sc.model_copy(update={"policy": sc.policy.model_copy(update={"programme": prog})}), 1, world
    )
    expect = region_fair_shares(world, icb_fair_shares(world, 0.5, prog.region_growth))
    np.testing.assert_allclose(m.programme.region_shares, expect, rtol=1e-12)
    national = m.programme.programme_posts_by_spec()
    np.testing.assert_allclose(m.programme.fair_share_posts().sum(axis=0), national, rtol=1e-9)


def test_region_growth_lever_is_validated():
    with pytest.raises(ValueError, match="region_growth"):
        Programme(region_growth={"Y56": 3.0})


# --- a world small enough to compute by hand ---------------------------------------------------
TINY = {
    "regions.csv": "region_code,region_name\nR1,North\nR2,South\n",
    "local_offices.csv": "lo_code,lo_name,region_code\nL1,North LO,R1\nL2,South LO,R2\n",
    "icbs.csv": (
        "icb_code,icb_name,region_code,lo_code,population,registered_population,need_overall,"
        "need_general_acute,need_maternity,need_mental_health,need_health_inequalities,"
        "core20_share\n"
        "Q1,One,R1,L1,100,100,100,100,50,100,200,0.1\n"
        "Q2,Two,R1,L1,300,300,300,300,50,300,200,0.2\n"  # no trust: shared by L1's trusts
        "Q3,Three,R2,L2,600,600,600,600,100,600,600,0.3\n"
    ),
    "trusts.csv": (
        "trust_code,trust_name,region_code,icb_code,lo_code,lat,lon,sites\n"
        "T1,A,R1,Q1,L1,53.0,-1.5,1\nT2,B,R1,Q1,L1,53.1,-1.4,1\nT3,C,R2,Q3,L2,51.0,-0.5,1\n"
    ),
    "specialties.csv": (
        "specialty_code,specialty_name,group,entry_level,training_years,intake_per_year,"
        "applications_per_year,applicants_per_year,attrition_per_year,attrition_early,ltft_share,"
        "need_component,london_factor,consultants_national,source\n"
        "cardiology,Cardiology,medicine,3,5,10,20,18,0.02,0,0.1,overall,1,50,x\n"
        "obstetrics_gynaecology,O&G,women_children,1,7,10,20,18,0.03,0,0.25,maternity,1,50,x\n"
    ),
    "posts.csv": (
        "trust_code,specialty_code,tariff_posts,trust_funded_posts\n"
        "T1,cardiology,5,0\nT3,cardiology,5,0\nT1,obstetrics_gynaecology,5,0\n"
    ),
    "consultants.csv": "trust_code,specialty_code,consultants,establishment\nT1,cardiology,10,11\n",
}


@pytest.fixture()
def tiny(tmp_path: Path) -> World:
    for name, text in TINY.items():
        (tmp_path / name).write_text(text)
    return World.load(tmp_path)


def test_hand_computed_fair_shares(tiny):
    growth = {"R1": 1.0, "R2": 1.5}
    icb = icb_fair_shares(tiny, 0.2, growth)
    f = Fraction
    # cardiology (overall need): need x growth = 100, 300, 900 of 1300; deprivation (HI) x
    # growth = 200, 200, 900 of 1300; fair = 0.8 need + 0.2 HI
    cardio = [
        f(8, 10) * f(n, 1300) + f(2, 10) * f(h, 1300)
        for n, h in ((100, 200), (300, 200), (900, 900))
    ]
    assert cardio == [f(12, 130), f(28, 130), f(90, 130)]
    # O&G (maternity need): 50, 50, 150 of 250
    obs = [
        f(8, 10) * f(n, 250) + f(2, 10) * f(h, 1300) for n, h in ((50, 200), (50, 200), (150, 900))
    ]
    expect = [[float(a), float(b)] for a, b in zip(cardio, obs, strict=True)]
    np.testing.assert_allclose(icb, np.array(expect), rtol=1e-12)
    region = region_fair_shares(tiny, icb)
    np.testing.assert_allclose(region[:, 0], [40 / 130, 90 / 130], rtol=1e-12)
    np.testing.assert_allclose(region[:, 1], [float(obs[0] + obs[1]), float(obs[2])], rtol=1e-12)
    trust = trust_fair_shares(tiny, icb)
    # Q1's share splits over its two trusts; Q2 has no trust, so L1's trusts share it too
    np.testing.assert_allclose(trust[:, 0], [20 / 130, 20 / 130, 90 / 130], rtol=1e-12)
    half = float((obs[0] + obs[1]) / 2)
    np.testing.assert_allclose(trust[:, 1], [half, half, float(obs[2])], rtol=1e-12)
