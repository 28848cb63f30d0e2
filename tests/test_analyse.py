"""`traineeflow analyse` on a real small sweep: tidy parameter tables, PRIM, report, errors."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from results.experiment_tables import read_plan
from results.outcomes import OUTCOMES
from results.store import ResultStore

# slow against fast pacing for 4 years: every slow run is still far from fair share (gap ~0.12),
# every fast one is closer (~0.08), whatever the capacity growth and settlement decay
EXPERIMENT = """
name = "small_pacing"
description = "Slow against fast pacing under uncertain capacity growth."
scenarios = ["msd_slow", "msd_fast"]
years = 4
replicates = 2
seed = 3

[sample]
method = "lhs"
n = 2

[sample.ranges]
"policy.programme.capacity_growth" = [0.0, 0.1]
"world.settlement_decay_miles" = [6.0, 14.0]
"""
PARAMS = ["policy.programme.capacity_growth", "world.settlement_decay_miles"]


def invoke(args):
    return CliRunner().invoke(app, args)


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The experiment swept for real (8 runs on a process pool), then analysed."""
    folder = tmp_path_factory.mktemp("analyse")
    spec = folder / "small.toml"
    spec.write_text(EXPERIMENT)
    db = f"sqlite:///{folder / 'sweep.sqlite'}"
    sweep = invoke(["sweep", str(spec), "--workers", "2", "--db", db, "--json"])
    assert sweep.exit_code == 0, sweep.stderr
    out = folder / "report"
    args = ["analyse", str(spec), "--db", db, "--out", str(out), "--json"]
    result = invoke([*args, "--threshold", "fair_share_gap_end>0.1"])
    assert result.exit_code == 0, result.stderr
    return folder, db, out, json.loads(result.stdout)


def test_sweep_stores_swept_values_as_columns_a_pandas_user_can_join(swept):
    _, db, _, _ = swept
    with ResultStore(url=db) as store:
        plan = read_plan(store, "small_pacing")
        summary = store.summary()
    assert len(plan) == 8 and set(PARAMS) <= set(plan.columns)
    assert plan[PARAMS].dtypes.eq("float64").all()  # real numbers, not JSON text
    assert plan.groupby("point")[PARAMS].nunique().eq(1).all().all()  # one value per point
    joined = summary.merge(plan, on=["run_key", "scenario", "seed"])
    assert len(joined) == 8 and joined["fair_share_gap_end"].notna().all()
    # the swept value is what the run used
    with ResultStore(url=db) as store:
        runs = store.runs().set_index("run_key")
    for _, row in plan.iterrows():
        params = runs.loc[row["run_key"], "params"]
        assert params["policy"]["programme"]["capacity_growth"] == pytest.approx(
            row["policy.programme.capacity_growth"]
        )


def test_prim_finds_the_slow_pacing_behind_a_wide_gap(swept):
    _, _, _, s = swept
    assert s["runs"] == 8 and s["year"] == 2027
    prim = s["prim"]
    assert prim["cases"] == 4  # the four slow runs
    assert set(prim["box"]) == {"scenario_number"}  # the box restricts the scenario only
    assert prim["box"]["scenario_number"]["max"] < 1  # to msd_slow (position 0)
    assert prim["coverage"] == 1.0 and prim["density"] == 1.0
    assert "`msd_slow`" in prim["summary"]
    scores = s["feature_scores"]["fair_share_gap_end"]
    assert max(scores, key=scores.get) == "scenario_number"


def test_analyse_report_has_summary_first_and_no_code_names_in_the_headline_table(swept):
    _, _, out, s = swept
    for name in ("report.html", "report.md", "runs.csv", "points.csv", "prim_box.csv"):
        assert (out / name).is_file(), name
    for figure in s["report"]["figures"]:
        assert open(figure, "rb").read()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text()
    body = page[page.index("<body>") :]
    assert body.index("SYNTHETIC") < body.index("<h2>")
    assert re.findall(r"<h2>(.*?)</h2>", body)[0] == "Summary"
    summary = body[body.index("<h2>Summary</h2>") : body.index("<h2>", body.index("Summary"))]
    assert "4 of 8 runs" in summary and "msd_slow" in summary
    headline = body[body.index("<table>") : body.index("</table>")]
    for name in OUTCOMES:
        assert name not in headline, name
    assert OUTCOMES["fair_share_gap_end"].label in headline
    assert "Scenario discovery (PRIM)" in body
    points = pd.read_csv(out / "points.csv")
    gap = points[points["outcome"] == "fair_share_gap_end"]
    assert (
        len(gap) == 4 and (gap["low"] <= gap["mean"]).all() and (gap["mean"] <= gap["high"]).all()
    )


def test_a_threshold_no_run_crosses_is_reported_not_an_error(swept):
    folder, db, _, _ = swept
    out = folder / "none"
    spec = str(folder / "small.toml")
    result = invoke(
        [
            "analyse",
            spec,
            "--db",
            db,
            "--out",
            str(out),
            "--threshold",
            "fair_share_gap_end>0.5",
            "--year",
            "2026",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["year"] == 2026 and s["prim"]["cases"] == 0 and s["prim"]["box"] == {}
    assert s["prim"]["summary"].startswith("No run has")
    assert "No run has" in (out / "report.html").read_text()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--threshold", "gap>>1"], "--threshold"),
        (["--threshold", "no_such_outcome>1"], "unknown outcome"),
        (["--year", "1999"], "--year"),
    ],
)
def test_bad_analyse_input_exits_2_before_writing(swept, extra, message):
    folder, db, _, _ = swept
    out = folder / "bad"
    result = invoke(["analyse", str(folder / "small.toml"), "--db", db, "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not out.exists()


def test_analyse_of_a_sweep_not_in_the_store_says_so(tmp_path, swept):
    folder, _, _, _ = swept
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    ResultStore(url=empty).close()
    result = invoke(["analyse", str(folder / "small.toml"), "--db", empty])
    assert result.exit_code == 2
    assert "no sweep of experiment 'small_pacing'" in result.stderr
    missing = invoke(["analyse", "phase_pacing", "--db", f"sqlite:///{tmp_path / 'none.sqlite'}"])
    assert missing.exit_code == 2 and "no such SQLite file" in missing.stderr
