"""Calibration targets as data, the check of the bundled defaults, the fit and parameter files."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from calibration.check import CHECK_SEEDS, CHECK_YEARS, compare_targets, loss
from calibration.targets import COLUMNS, TARGETS, targets_file
from experiments.batch import Design, run_design
from experiments.cli import app
from experiments.sweep import LocalExecutor
from results.store import ResultStore
from sim.paramfile import ParamsError, load_params, write_params
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")


def test_targets_file_has_every_column_a_source_and_a_url():
    with targets_file().open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(TARGETS) >= 9
    for t in TARGETS:
        assert t.tolerance > 0 and t.unit and t.years and t.measure and t.tolerance_basis
        assert t.url.startswith("http") and t.url in SOURCES, t.name  # the URL is in the repo
        assert t.holds(t.value) and not t.holds(t.value + 1.01 * t.tolerance)
        assert not t.holds(float("nan"))
        for section in re.findall(r"§(\d+\.\d+)", t.source):  # each section exists
            assert re.search(rf"^###? {re.escape(section)} ", SOURCES, re.M), (t.name, section)


def test_idt_tolerance_is_the_published_range():
    idt = next(t for t in TARGETS if t.name == "idt_placed_share")
    assert idt.range == pytest.approx((0.48, 0.55))


def test_loss_is_the_mean_squared_miss_in_tolerances():
    rows = [
        {"simulated": 0.85, "observed": 0.80, "tolerance": 0.05},  # at the edge: 1
        {"simulated": 1.0, "observed": 1.0, "tolerance": 0.1},  # exact: 0
        {"simulated": 0.7, "observed": 0.9, "tolerance": 0.1},  # two tolerances off: 4
    ]
    assert loss(rows) == pytest.approx(5 / 3)
    assert loss([*rows, {"simulated": float("nan"), "observed": 1, "tolerance": 1}]) == np.inf


@pytest.fixture(scope="module")
def default_check(england, tmp_path_factory):
    """The bundled defaults on CHECK_SEEDS x CHECK_YEARS, through the executors."""
    store = ResultStore(path=tmp_path_factory.mktemp("cal") / "r.sqlite")
    sc = load_scenario("baseline", england)
    design = Design("calibrate", [sc], CHECK_YEARS, 1, CHECK_SEEDS)
    with LocalExecutor(2) as ex:
        batch = run_design(design, england, store, lambda: ex)
    runs = batch.runs(0, 0)
    store.close()
    return compare_targets(runs), runs


def test_every_calibration_target_holds_with_the_bundled_defaults(default_check):
    rows, runs = default_check
    assert len(runs) == CHECK_SEEDS and len({r.seed for r in runs}) == CHECK_SEEDS
    off = {
        r["name"]: (round(r["simulated"], 3), r["range"]) for r in rows if not r["within_tolerance"]
    }
    assert not off, off  # every target within its tolerance
    for r in rows:
        lo, hi = r["interval"]
        assert lo <= r["simulated"] <= hi
        assert r["simulated"] == pytest.approx(np.mean(r["per_seed"]))


def test_cohort_non_completion_matches_the_closed_form_for_paediatrics(england):
    # paediatrics: 4%/yr hazard over the real time in training (nominal 8 years x the model's
    # own training-time ratio), no early component: 1 - exp(-0.04 x 8 x ratio)
    from sim.cohorts import non_completion, training_time_ratio
    from sim.model import build_model

    model = build_model(load_scenario("baseline", england), 1, england)
    model.run_for(12 * 18 + 0.5)
    expected = 1 - np.exp(-0.04 * 8 * training_time_ratio(model.ctx))
    got = non_completion(model.ctx, "paediatrics", 12, 36)
    n = 3 * 450  # about three yearly intakes
    assert abs(got - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 0.02


def test_short_runs_leave_cohort_outcomes_undefined(baseline_run, england):
    from sim.model import run_scenario

    short = run_scenario(load_scenario("baseline", england), 1, 1, england)
    assert np.isnan(short.summary["training_time_ratio"])
    assert 1.0 < baseline_run.summary["training_time_ratio"] < 1.3


def test_parameter_files_round_trip_and_bad_ones_name_the_key(tmp_path):
    good = write_params(tmp_path / "p.toml", {"idt_declare_prob": 0.7}, {"loss": 0.1})
    assert load_params(good) == {"idt_declare_prob": 0.7}
    cases = {
        "[world]\nidt_declare_prob = 1.5\n": "world.idt_declare_prob",
        "[world]\nnot_a_parameter = 1.0\n": "world.not_a_parameter",
        '[world]\nidt_declare_prob = "0.5"\n': "world.idt_declare_prob",
        "[policy]\nx = 1\n": "'policy'",
        '[about]\nnote = "no world"\n': "'world'",
        "[world]\nidt_declare_prob = nan\n": "world.idt_declare_prob",
        "world = [": "not valid TOML",
    }
    for text, key in cases.items():
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ParamsError, match=re.escape(key)):
            load_params(bad)


def test_params_file_sets_defaults_and_the_scenarios_own_values_win(tmp_path, england):
    params = {"idt_declare_prob": 0.7, "home_pull": 2.5}
    sc = load_scenario("msd_programme", england, params)
    assert sc.world.idt_declare_prob == 0.7 and sc.world.home_pull == 2.5
    own = tmp_path / "own.toml"
    own.write_text('name = "own"\nextends = "baseline"\n[world]\nhome_pull = 1.0\n')
    assert load_scenario(own, england, params).world.home_pull == 1.0


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--years", "1"],
        ["compare", "baseline", "msd_programme", "--years", "1"],
        ["sweep", "phase_pacing"],
        ["sensitivity"],
        ["calibrate", "--check"],
        ["optimise", "--budget", "1"],
        ["viz"],
    ],
)
def test_every_command_refuses_a_bad_params_file_and_writes_nothing(tmp_path, command):
    bad = tmp_path / "bad.toml"
    bad.write_text("[world]\nsettlement_decay_miles = -3.0\n")
    out = tmp_path / "out"
    args = [*command, "--params", str(bad)]
    if command[0] != "viz":
        args += ["--out", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "world.settlement_decay_miles" in res.output
    assert not out.exists()


def test_calibrate_fit_writes_a_parameter_file_every_command_accepts(tmp_path):
    out = tmp_path / "cal"
    args = ["calibrate", "--fit", "idt_declare_prob", "--budget", "3", "--batch", "3"]
    args += ["--years", "2", "--seeds", "1", "--workers", "2", "--out", str(out), "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["trials"] == {"resumed": 0, "new": 3} and len(s["evaluations"]) == 3
    first = min(s["evaluations"], key=lambda e: e["trial"])
    assert first["params"] == {"idt_declare_prob": 0.6}  # trial 0: the defaults
    assert s["best"]["loss"] == min(e["loss"] for e in s["evaluations"])
    for name in ("params.toml", "evaluations.csv", "targets.png", "loss.png", "report.md"):
        assert (out / name).stat().st_size > 0, name
    fitted = load_params(out / "params.toml")
    assert fitted["idt_declare_prob"] == pytest.approx(
        s["best"]["params"]["idt_declare_prob"], 1e-3
    )
    again = CliRunner().invoke(app, [*args[:-1], "--json"])  # resumes: nothing new
    assert json.loads(again.stdout)["trials"] == {"resumed": 3, "new": 0}
    run = CliRunner().invoke(
        app,
        [
            "run",
            "--years",
            "1",
            "--params",
            str(out / "params.toml"),
            "--out",
            str(tmp_path / "run"),
            "--json",
        ],
    )
    assert run.exit_code == 0, run.output


def test_calibrate_check_json_lists_every_target(tmp_path):
    args = ["calibrate", "--check", "--years", "2", "--seeds", "2", "--workers", "2"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["targets"]
    assert [r["name"] for r in rows] == [t.name for t in TARGETS]
    for r in rows:
        assert {"name", "observed", "simulated", "interval", "within_tolerance", "source"} <= set(r)
    ratio = next(r for r in rows if r["name"] == "training_time_ratio")
    assert ratio["simulated"] is None and ratio["within_tolerance"] is False  # nobody done yet
    idt = next(r for r in rows if r["name"] == "idt_placed_share")
    assert idt["url"].startswith("https://medical.hee.nhs.uk/")


def test_every_sources_section_cited_in_code_and_docs_exists():
    cited = set()
    for folder in ("sim", "calibration", "experiments", "results", "agents"):
        for f in (ROOT / folder).glob("*.py"):
            cited |= set(re.findall(r"§(\d+\.\d+)", f.read_text(encoding="utf-8")))
    cited |= set(re.findall(r"§(\d+\.\d+)", (ROOT / "docs" / "model.md").read_text()))
    cited |= set(re.findall(r"§(\d+\.\d+)", targets_file().read_text()))
    assert cited
    missing = [c for c in sorted(cited) if not re.search(rf"^###? {re.escape(c)} ", SOURCES, re.M)]
    assert not missing, missing
