"""Common random numbers (Starsim style): a change that touches one specialty changes nothing else.

Random numbers are keyed by (seed, decision, month, slot) with slot = (specialty, ordinal within
specialty), so one extra post of specialty X, or a parameter that only acts on X, must leave
every other specialty's rows of the region x year table bit-identical for the same seed.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import add_tariff_post, copy_bundled

from sim.model import run_scenario
from sim.params import WorldParams
from sim.scenario import Scenario, load_scenario
from sim.world import World

SPEC = "cardiology"
TRUST = "RJ7"  # St George's (London), a cardiology training trust
SEED = 1
YEARS = 5
VALUES = ["trainees", "recruits", "ccts", "consultants", "idt_placed", "vacancies"]


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def reference(baseline, england):
    return run_scenario(baseline, SEED, YEARS, england).region_year


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    mine = frame["specialty_code"] == SPEC
    return frame[mine].reset_index(drop=True), frame[~mine].reset_index(drop=True)


def test_one_extra_post_changes_no_other_specialty(reference, baseline, tmp_path):
    folder = copy_bundled(tmp_path / "data")
    add_tariff_post(folder, TRUST, SPEC)
    world = World.load(folder)
    assert world.trust_codes.index(TRUST) >= 0
    changed = run_scenario(baseline, SEED, YEARS, world).region_year

    ref_x, ref_other = split(reference)
    new_x, new_other = split(changed)
    pd.testing.assert_frame_equal(new_other, ref_other)
    # the extra post is there, and specialty X's own story did change
    london = (new_x["region_code"] == "Y56") & (new_x["year"] == 2023)
    assert (new_x.loc[london, "posts_tariff"] - ref_x.loc[london, "posts_tariff"]).tolist() == [1]
    assert not new_x[VALUES].equals(ref_x[VALUES])


def test_a_parameter_acting_on_one_specialty_changes_no_other(reference, baseline, england):
    world = WorldParams(**{**baseline.world.model_dump(), "february_specialties": (SPEC,)})
    scenario = Scenario(name="feb_cardiology", world=world, policy=baseline.policy)
    changed = run_scenario(scenario, SEED, YEARS, england).region_year

    ref_x, ref_other = split(reference)
    new_x, new_other = split(changed)
    pd.testing.assert_frame_equal(new_other, ref_other)
    # February recruitment did act on cardiology
    assert new_x["recruits"].sum() != ref_x["recruits"].sum()
    assert not new_x[VALUES].equals(ref_x[VALUES])


def test_a_different_seed_does_change_other_specialties(reference, baseline, england):
    """The comparison above has power: with another seed the other specialties differ."""
    _, ref_other = split(reference)
    _, other = split(run_scenario(baseline, SEED + 1, YEARS, england).region_year)
    assert not other[VALUES].equals(ref_other[VALUES])
