"""Experiment specs: loading, designs (grid, LHS, Sobol, Saltelli), seeds, and validation errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from experiments.runner import replicate_seeds
from experiments.spec import SpecError, bundled_dir, load_experiment
from experiments.sweep import Plan
from results.outcomes import SUMMARY
from sim.model import run_scenario
from sim.scenario import ScenarioError, load_scenario

CAP, DECAY = "policy.programme.capacity_growth", "world.settlement_decay_miles"


@pytest.fixture
def world(england):  # the session's England world (conftest.py)
    return england


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


HEAD = 'name = "t"\nscenarios = ["msd_slow", "msd_fast"]\nyears = 3\nreplicates = 2\n'


def test_bundled_phase_pacing(world):
    exp = load_experiment("phase_pacing", world)
    assert exp.path == bundled_dir() / "phase_pacing.toml"
    assert [s.name for s in exp.scenarios] == ["msd_slow", "msd_programme", "msd_fast"]
    assert exp.spec.years == 15 and exp.spec.replicates == 2 and exp.spec.sample.method == "lhs"
    assert len(exp.points) == 4 and exp.parameters == [CAP, DECAY]
    cap = np.array([p[CAP] for p in exp.points])
    decay = np.array([p[DECAY] for p in exp.points])
    assert ((cap >= 0) & (cap <= 0.1)).all() and ((decay >= 6) & (decay <= 14)).all()
    # Latin hypercube: each of the n equal strata of each range holds exactly one point
    assert sorted(np.floor(cap / 0.1 * 4).astype(int)) == [0, 1, 2, 3]
    assert sorted(np.floor((decay - 6) / 8 * 4).astype(int)) == [0, 1, 2, 3]
    plan = Plan(exp, world)
    assert len(plan.runs) == 24 and len({r.key for r in plan.runs}) == 24
    sc = exp.scenario(2, 3)
    assert sc.name == "msd_fast" and sc.policy.programme.capacity_growth == exp.points[3][CAP]
    assert sc.world.settlement_decay_miles == exp.points[3][DECAY]
    # the pacing itself comes from the scenario files, untouched by the sweep
    assert [p.years for p in exp.scenario(0, 0).policy.programme.phases] == [10] * 4
    assert [p.years for p in exp.scenario(2, 0).policy.programme.phases] == [3] * 4


def test_seeds_are_derived_and_shared_by_scenarios_and_points(world, tmp_path):
    path = write(
        tmp_path, HEAD + f'seed = 77\n[sample]\nn = 2\n[sample.ranges]\n"{CAP}" = [0.0, 0.1]\n'
    )
    plan = Plan(load_experiment(path, world), world)
    assert plan.seeds == replicate_seeds(77, 2) and plan.seeds[0] == 77
    frame = plan.frame()
    assert len(frame) == 2 * 2 * 2
    for _, group in frame.groupby(["scenario", "point"]):
        assert sorted(group["seed"]) == sorted(plan.seeds)
    # paired order: each point and replicate runs every scenario before the next replicate
    assert list(frame["scenario"][:2]) == ["msd_slow", "msd_fast"]


def test_sampling_is_reproducible_and_seed_dependent(world, tmp_path):
    text = HEAD + "[sample]\nn = 5\nseed = {}\n[sample.ranges]\n" + f'"{CAP}" = [0.0, 0.1]\n'
    a = load_experiment(write(tmp_path, text.format(1), "a.toml"), world).points
    b = load_experiment(write(tmp_path, text.format(1), "b.toml"), world).points
    c = load_experiment(write(tmp_path, text.format(2), "c.toml"), world).points
    assert a == b and a != c


def test_grid_is_full_factorial_crossed_with_sample(world, tmp_path):
    path = write(
        tmp_path,
        HEAD + "[grid]\n"
        '"policy.programme.gap_share_per_year" = [0.1, 0.2, 0.3]\n'
        '"world.idt_annual_prob" = [0.01, 0.05]\n'
        "[sample]\nn = 2\n[sample.ranges]\n" + f'"{CAP}" = [0.0, 0.1]\n',
    )
    exp = load_experiment(path, world)
    assert len(exp.points) == 3 * 2 * 2
    combos = {
        (p["policy.programme.gap_share_per_year"], p["world.idt_annual_prob"]) for p in exp.points
    }
    assert combos == set(itertools.product([0.1, 0.2, 0.3], [0.01, 0.05]))
    assert len({p[CAP] for p in exp.points}) == 2  # the same 2 samples at every grid point
    assert len(Plan(exp, world).runs) == 12 * 2 * 2


def test_unquoted_dotted_keys_equal_quoted(world, tmp_path):
    quoted = HEAD + "[sample]\nn = 3\n[sample.ranges]\n" + f'"{CAP}" = [0.0, 0.1]\n'
    nested = HEAD + "[sample]\nn = 3\n[sample.ranges]\n" + f"{CAP} = [0.0, 0.1]\n"
    a = load_experiment(write(tmp_path, quoted, "a.toml"), world)
    b = load_experiment(write(tmp_path, nested, "b.toml"), world)
    assert a.points == b.points


def test_sobol_and_saltelli_designs(world, tmp_path):
    ranges = f'[sample.ranges]\n"{CAP}" = [0.0, 0.1]\n"{DECAY}" = [6.0, 14.0]\n'
    sobol = load_experiment(
        write(tmp_path, HEAD + '[sample]\nmethod = "sobol"\nn = 8\n' + ranges, "s.toml"), world
    )
    assert len(sobol.points) == 8
    assert all(0 <= p[CAP] <= 0.1 and 6 <= p[DECAY] <= 14 for p in sobol.points)
    salt = load_experiment(
        write(tmp_path, HEAD + '[sample]\nmethod = "saltelli"\nn = 4\n' + ranges, "x.toml"), world
    )
    assert len(salt.points) == 4 * (2 * 2 + 2)  # N (2D + 2) with second-order indices


def test_integer_parameters_are_rounded_and_list_items_addressable(world, tmp_path):
    path = write(
        tmp_path,
        HEAD + '[grid]\n"policy.programme.phases.1.years" = [4, 8]\n'
        '[sample]\nn = 6\n[sample.ranges]\n"world.arcp_extension_months" = [3, 12]\n',
    )
    exp = load_experiment(path, world)
    months = [p["world.arcp_extension_months"] for p in exp.points]
    assert all(isinstance(m, int) and 3 <= m <= 12 for m in months)
    sc = exp.scenario(0, 7)
    assert sc.world.arcp_extension_months == exp.points[7]["world.arcp_extension_months"]
    assert [p.years for p in sc.policy.programme.phases] == [10, 8, 10, 10]


def test_scenario_files_are_found_next_to_the_experiment(world, tmp_path):
    (tmp_path / "mine.toml").write_text(
        'name = "mine"\nextends = "msd_programme"\n[world]\nidt_annual_prob = 0.07\n'
    )
    sub = tmp_path / "exps"
    sub.mkdir()
    path = write(
        sub, 'name = "t"\nscenarios = ["../mine.toml", "baseline"]\nyears = 1\nreplicates = 1\n'
    )
    exp = load_experiment(path, world)
    assert [s.name for s in exp.scenarios] == ["mine", "baseline"]
    assert exp.scenarios[0].world.idt_annual_prob == 0.07 and exp.points == [{}]


def test_outcome_names_match_a_real_run(world):
    result = run_scenario(load_scenario("baseline", world), 3, 1, world)
    # fill by entry level only for the levels the data has (England: no ST2 entry)
    assert set(result.summary) == set(SUMMARY) - {"fill_rate_level_2"}


def test_spec_error_is_a_scenario_error():
    assert issubclass(SpecError, ScenarioError)  # the CLI's user_errors() turns it into exit 2


# --- malformed files: one clear error naming file and key, exit 2, nothing written ------------

RANGE = '[sample]\nn = 2\n[sample.ranges]\n"{}" = [{}, {}]\n'
BAD = {
    "unknown_key": (HEAD + "colour = 'red'\n", "key 'colour': unknown key"),
    "wrong_type": (
        'name = "t"\nscenarios = ["msd_slow"]\nyears = "15"\nreplicates = 2\n',
        "key 'years': Input should be a valid integer",
    ),
    "zero_replicates": (
        'name = "t"\nscenarios = ["msd_slow"]\nyears = 3\nreplicates = 0\n',
        "key 'replicates': Input should be greater than or equal to 1",
    ),
    "missing_years": (
        'name = "t"\nscenarios = ["msd_slow"]\nreplicates = 1\n',
        "key 'years': Field required",
    ),
    "low_above_high": (
        HEAD + RANGE.format(CAP, 0.1, 0.0),
        f"key 'sample.ranges': '{CAP}': low 0.1 > high 0",
    ),
    "unknown_path": (
        HEAD + RANGE.format("world.no_such_thing", 0, 1),
        "key 'sample.ranges.world.no_such_thing': unknown parameter",
    ),
    "unknown_root": (
        HEAD + RANGE.format("weather.rain", 0, 1),
        "key 'sample.ranges.weather.rain': unknown parameter",
    ),
    "out_of_range": (
        HEAD + RANGE.format(CAP, 0.0, 2.0),
        f"key 'sample.ranges.{CAP}': value 2.0 is invalid",
    ),
    "grid_wrong_type": (
        HEAD + '[grid]\n"policy.programme.enabled" = ["maybe"]\n',
        "key 'grid.policy.programme.enabled'",
    ),
    "range_not_numbers": (HEAD + RANGE.format(CAP, '"a"', '"b"'), "valid number"),
    "sobol_not_power_of_2": (
        HEAD + f'[sample]\nmethod = "sobol"\nn = 3\n[sample.ranges]\n"{CAP}" = [0.0, 0.1]\n',
        "key 'sample.n': method 'sobol' needs n a power of 2 (got 3)",
    ),
    "unknown_scenario": (
        'name = "t"\nscenarios = ["msd_slowest"]\nyears = 3\nreplicates = 1\n',
        "key 'scenarios.0'",
    ),
    "unknown_outcome": (
        HEAD + '[outcomes]\nsummary = ["happiness"]\n',
        "key 'outcomes.summary': unknown outcome(s) ['happiness']",
    ),
    "not_toml": (HEAD + "years = = 3\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_experiment_is_one_clear_error(case, world, tmp_path):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        Plan(load_experiment(path, world), world)
    message = str(info.value)
    assert str(path) in message and expected in message, message


@pytest.mark.parametrize(
    "case",
    [
        "unknown_key",
        "wrong_type",
        "low_above_high",
        "unknown_path",
        "zero_replicates",
        "out_of_range",
    ],
)
def test_cli_rejects_malformed_experiment_with_exit_2_and_writes_nothing(case, tmp_path):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    out, db = tmp_path / "out", tmp_path / "db.sqlite"
    for extra in (["--out", str(out)], ["--db", f"sqlite:///{db}"]):
        result = CliRunner().invoke(app, ["sweep", str(path), *extra])
        assert result.exit_code == 2, result.output
        assert "error:" in result.stderr and str(path.name) in result.stderr
        assert expected.split(":")[0] in " ".join(result.stderr.split())
        assert not out.exists() and not db.exists()
        assert result.stdout == ""


def test_cli_rejects_bad_options_before_writing(tmp_path):
    out = tmp_path / "out"
    for args, expected in (
        (["--executor", "slurm"], "--executor must be"),
        (["--scheduler", "tcp://x:1"], "--scheduler needs --executor dask"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--shard", "2/2"], "--shard must be K/N"),
    ):
        result = CliRunner().invoke(app, ["sweep", "phase_pacing", "--out", str(out), *args])
        assert result.exit_code == 2 and expected in result.stderr, result.output
    assert not out.exists()
