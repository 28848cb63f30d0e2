"""The Python API (`experiments.api.simulate`): validation as scenario files, typed outcomes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from experiments.api import Outcomes, simulate
from sim.model import run_scenario
from sim.scenario import ScenarioError, load_scenario


def _file_error(tmp_path, body: str) -> str:
    """The message a scenario file with `body` gets, without its file name."""
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\nextends = "msd_programme"\n{body}\n')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    return str(exc.value).removeprefix(f"{path.resolve()}: ")


def _api_error(params: dict) -> str:
    with pytest.raises(ScenarioError) as exc:
        simulate("msd_programme", params, years=1)
    return str(exc.value).removeprefix("params: ")


@pytest.mark.parametrize(
    ("params", "toml"),
    [
        ({"world.settlement_decay_miles": -5}, "[world]\nsettlement_decay_miles = -5"),
        ({"world.settlement_decay_mile": 20}, "[world]\nsettlement_decay_mile = 20"),
        ({"world.ltft_fte": "0.8"}, '[world]\nltft_fte = "0.8"'),
        ({"world.arcp_extension_months": 6.5}, "[world]\narcp_extension_months = 6.5"),
        ({"policy.programme.pacing": "fast"}, '[policy.programme]\npacing = "fast"'),
        ({"policy.incentive.retention_bonus": 2.0}, "[policy.incentive]\nretention_bonus = 2.0"),
        ({"world.settlement_decay_miles": float("inf")}, "[world]\nsettlement_decay_miles = inf"),
        (
            {"policy.programme.phases.1.years": 0},
            "\n".join(
                f'[[policy.programme.phases]]\nname = "{n}"\nstart_year = {y}\nyears = {k}\n'
                f'specialties = ["group:medicine"]'
                for n, y, k in (("F", 2022, 5), ("A", 2024, 0))
            ),
        ),
    ],
)
def test_bad_values_get_the_scenario_files_error(tmp_path, params, toml):
    api = _api_error(params)
    assert api == _file_error(tmp_path, toml)
    assert re.match(r"key '[\w.]+': ", api), api


def test_unknown_specialty_is_checked_against_the_data():
    with pytest.raises(ScenarioError, match="unknown specialty or group 'cardiolgy'"):
        simulate("msd_programme", {"policy.programme.phases.0.specialties": ["cardiolgy"]}, years=1)


def test_paths_that_do_not_exist_are_named():
    with pytest.raises(ScenarioError, match=r"key 'policy.programme.phases.9': no item 9"):
        simulate("msd_programme", {"policy.programme.phases.9.years": 3}, years=1)
    with pytest.raises(ScenarioError, match=r"key 'world.ltft_fte': is a value"):
        simulate("msd_programme", {"world.ltft_fte.x": 1}, years=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"years": 0}, "years must be in 1..200"),
        ({"years": 2.5}, "years must be a whole number"),
        ({"replicates": 0}, "replicates must be in"),
        ({"seed": -1}, "seed must be in"),
        ({"seed": True}, "seed must be a whole number"),
    ],
)
def test_bad_run_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate("baseline", **kwargs)


def test_outcomes_are_tidy_and_use_the_values(england):
    out = simulate(
        "msd_programme",
        {"world.settlement_decay_miles": 25, "policy.programme.gap_share_per_year": 0.3},
        years=2,
        seed=3,
        replicates=2,
    )
    assert isinstance(out, Outcomes)
    assert out.scenario.world.settlement_decay_miles == 25.0
    assert out.scenario.policy.programme.gap_share_per_year == 0.3
    assert len(out.seeds) == 2 and out.seeds[0] == 3
    assert sorted(out.region_year["year"].unique()) == [2023, 2024, 2025]
    cells = out.region_year.groupby(["seed", "year", "region_code", "specialty_code"]).size()
    assert (cells == 1).all()  # one row per seed x year x region x specialty
    assert len(cells) == 2 * 3 * england.n_regions * england.n_specialties
    assert set(out.icb_year["icb_code"]) == set(england.icb_codes)
    for name, value in out.summary.items():
        # NaN where a 2-year run cannot tell yet (time to CCT: nobody recruited has finished)
        assert value == pytest.approx(out.replicates[name].mean(), nan_ok=True)
    cov = out.coverage
    assert set(cov.columns) == {
        "seed",
        "year",
        "region_code",
        "need_share",
        "consultant_share",
        "coverage",
    }
    shares = cov.groupby(["seed", "year"])["consultant_share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0)


def test_same_as_a_scenario_run_and_reproducible(england):
    out = simulate("baseline", {}, years=2, seed=5)
    direct = run_scenario(load_scenario("baseline", england), 5, 2, england)
    pd.testing.assert_frame_equal(
        out.region_year.drop(columns="seed"), direct.region_year, check_dtype=False
    )
    again = simulate("baseline", years=2, seed=5)
    assert {k: v for k, v in again.summary.items() if k != "seconds"} == {
        k: v for k, v in out.summary.items() if k != "seconds"
    }
