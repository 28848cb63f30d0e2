"""Sensitivity analysis: SALib indices through the model's code path, checked on analytic cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from calibration.sensitivity import (
    OUTCOMES,
    RANGES,
    ishigami,
    ishigami_indices,
    run_sensitivity,
)
from experiments.cli import app
from results.store import ResultStore

PI = np.pi
ISHIGAMI = {f"x{i}": (-PI, PI, "analytic") for i in (1, 2, 3)}


def test_sobol_indices_of_the_ishigami_function_match_the_closed_form():
    res, x, _ = run_sensitivity("sobol", 2048, 1, lambda x: {"y": ishigami(x)}, ISHIGAMI)
    assert len(x) == 2048 * (3 + 2) and not res.warnings
    exact = ishigami_indices()
    rows = {r["parameter"]: r for r in res.rows}
    for j, name in enumerate(ISHIGAMI):
        for key in ("S1", "ST"):
            got, conf = rows[name][key], rows[name][f"{key}_conf"]
            assert 0 < conf < 0.1
            assert abs(got - exact[key][j]) < max(2 * conf, 0.02), (name, key, got)
    assert res.ranking("y") == ["x1", "x2", "x3"]  # by ST: 0.56, 0.44, 0.24


def test_morris_on_a_linear_toy_gives_each_slope_times_its_range():
    coef = np.array([3.0, -1.0, 0.0])
    ranges = {"a": (0.0, 1.0, ""), "b": (0.0, 2.0, ""), "c": (5.0, 9.0, "")}
    res, _, _ = run_sensitivity("morris", 20, 3, lambda x: {"y": x @ coef}, ranges)
    rows = {r["parameter"]: r for r in res.rows}
    for name, c, (lo, hi, _) in zip(ranges, coef, ranges.values(), strict=True):
        assert rows[name]["mu_star"] == pytest.approx(abs(c) * (hi - lo))
        assert rows[name]["sigma"] == pytest.approx(0.0, abs=1e-9)  # linear: no interaction
        assert rows[name]["mu_star_conf"] == pytest.approx(0.0, abs=1e-9)
    assert not res.warnings


def test_small_samples_are_flagged():
    res, _, _ = run_sensitivity("sobol", 8, 1, lambda x: {"y": ishigami(x)}, ISHIGAMI)
    assert res.warnings and "too few" in res.warnings[0]
    res, _, _ = run_sensitivity("morris", 2, 1, lambda x: {"y": x.sum(axis=1)}, ISHIGAMI)
    assert res.warnings


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_cli_runs_the_model_on_the_executors_and_stores_every_run(tmp_path, method):
    size = ["--samples", "2"] if method == "sobol" else ["--trajectories", "2"]
    args = ["sensitivity", "--method", method, *size, "--years", "2", "--workers", "2"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    d = len(RANGES)
    assert s["points"] == (2 * (d + 2) if method == "sobol" else 2 * (d + 1))
    assert s["ranges"] == {k: [lo, hi] for k, (lo, hi, _) in RANGES.items()}
    assert s["warnings"]  # two samples are far too few
    keys = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    assert {r["outcome"] for r in s["indices"]} == set(OUTCOMES)
    for r in s["indices"]:
        assert all(k in r for k in keys)
    for f in ("indices", "json", "figure"):
        assert (tmp_path / s["files"][f].split("/")[-1]).stat().st_size > 0
    store = ResultStore(path=tmp_path / "results.sqlite")
    runs = store.runs()
    store.close()
    done = int((runs["status"] == "completed").sum())
    assert 0 < done <= s["runs"]  # repeated Morris points share their runs
    if method == "sobol":
        assert done == s["runs"] == 2 * s["points"]
    assert set(runs["scenario"]) == {"baseline", "msd_programme"}
