import pytest

from calibration.sensitivity import morris
from calibration.settlement import local_share
from calibration.targets import TARGETS
from sim.scenario import load_scenario
from sim.world import World


@pytest.fixture(scope="module")
def world():
    return World.load()


def test_targets_have_sources_and_tolerances():
    names = {t.name for t in TARGETS}
    assert {"settled_within_50_miles", "fill_rate", "ltft_share_end"} <= names
    for t in TARGETS:
        assert t.tolerance > 0 and t.source
        assert t.holds(t.value) and not t.holds(t.value + 2 * t.tolerance)


def test_local_settlement_falls_as_decay_distance_grows(world):
    sc = load_scenario("baseline", world)
    near = local_share(sc, world, 8.0, [1], 4)
    far = local_share(sc, world, 40.0, [1], 4)
    assert near > far + 0.1


def test_morris_finds_decay_drives_local_settlement(world):
    sc = load_scenario("baseline", world)
    table = morris(sc, world, trajectories=2, years=3)
    local = table[table["outcome"] == "settled_within_50_miles"].set_index("parameter")
    assert local["mu_star"].idxmax() == "settlement_decay_miles"
    fill = table[table["outcome"] == "fill_rate"].set_index("parameter")
    # consultant-market parameters cannot change who fills training posts
    assert fill.loc["establishment_growth", "mu_star"] == 0.0
