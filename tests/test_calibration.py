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
    assert {"settled_within_50_miles", "fill_rate_level_3", "ltft_share_end"} <= names
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


def test_every_calibration_target_holds_in_the_default_run(world):
    from calibration.check import check, observed

    results = check(observed(load_scenario("baseline", world), world, years=25))
    names = {t.name for t, _, _ in results}
    assert {"training_time_ratio", "og_non_completion", "settled_within_50_miles"} <= names
    off = [(t.name, round(v, 3), t.value, t.tolerance) for t, v, ok in results if not ok]
    assert not off, off


def test_cohort_non_completion_matches_the_closed_form_for_paediatrics(world):
    # paediatrics: 4%/yr hazard over the real time in training (nominal 8 years x the model's
    # own training-time ratio), no early component: 1 - exp(-0.04 x 8 x ratio)
    import numpy as np

    from calibration.cohorts import non_completion, training_time_ratio
    from sim.run import build_model

    model = build_model(load_scenario("baseline", world), 1, world)
    model.run_for(12 * 18 + 0.5)
    expected = 1 - np.exp(-0.04 * 8 * training_time_ratio(model))
    got = non_completion(model, "paediatrics", 12, 36)
    n = 3 * 450  # about three yearly intakes
    assert abs(got - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 0.02
