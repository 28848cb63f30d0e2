"""The hindcast: historic series load and validate, the world scales back to the base year, a
historic run follows its series, the error is computed as stated, and bad input exits 2.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from calibration.hindcast import (
    build_history,
    describe_inputs,
    endpoint_growth,
    hindcast_scenario,
    mape,
    profile_growth,
    run_hindcast,
)
from experiments.cli import app
from experiments.sweep import LocalExecutor
from sim.datafiles import DataError
from sim.history import History, scale_world
from sim.history_data import HISTORY_DIR, MODELLED_SHARE, load_history
from sim.inputs import InputError
from sim.model import TraineeFlowModel, run_scenario
from sim.world import World

runner = CliRunner()


def test_bundled_series_load_every_row_with_kind_and_source():
    h = load_history()
    for s in (h.consultants, h.training):
        assert list(s.years) == sorted(set(s.years))
        assert all(k in ("observed", "derived", "estimate") for k in s.kinds)
        assert all(src for src in s.sources)
    # the published 1994 and 2017 figures (docs/sources.md §6.1)
    assert h.consultants.value(1994) == 16538 and h.consultants.value(2017) == 45800
    # between rows: log-linear, i.e. the geometric mean halfway
    assert h.consultants.value(1999) == pytest.approx(math.sqrt(20480 * 22322))
    assert h.consultants.kind(1999) == "estimate (interpolated)"


BAD_ROWS = [
    (("1995,17900", "1995,lots"), "consultants.csv row 6, column 'consultants_fte'"),
    (("1996,18603", "1993,18603"), "row 7, column 'year': year 1993 does not follow 1995"),
    (("1997,19661,observed", "1997,19661,guessed"), "unknown kind 'guessed'"),
    (("1995,17900", "1995,-5"), "outside 0 (excluded)"),
    (("consultants_fte", "fte"), "missing column(s) 'consultants_fte'"),
]


@pytest.mark.parametrize(("edit", "expected"), BAD_ROWS)
def test_bad_history_file_is_one_clear_error(tmp_path: Path, edit, expected: str):
    folder = tmp_path / "history"
    shutil.copytree(HISTORY_DIR, folder)
    path = folder / "consultants.csv"
    path.write_text(path.read_text().replace(*edit))
    with pytest.raises(DataError) as exc:
        load_history(folder)
    assert expected in str(exc.value)


def test_bad_history_on_the_command_line_exits_2_and_writes_nothing(tmp_path: Path):
    folder = tmp_path / "history"
    shutil.copytree(HISTORY_DIR, folder)
    (folder / "training.csv").write_text(
        "year,doctors_in_training,kind,source\n1994,x,observed,s\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["hindcast", "--history", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "training.csv row 1, column 'doctors_in_training'" in " ".join(result.stderr.split())
    assert not out.exists()
    result = runner.invoke(app, ["hindcast", "--base-year", "1999", "--out", str(out)])
    assert result.exit_code == 2 and "year 1999" in result.stderr
    assert not out.exists()


def test_mape_matches_a_hand_calculation():
    # |110-100|/100 = 10%, |190-200|/200 = 5%, |300-300|/300 = 0% -> mean 5%
    assert mape([100, 200, 300], [110, 190, 300]) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        mape([100, 0], [100, 1])


def test_build_history_uses_only_the_endpoints_for_funded_posts(england: World):
    series = load_history()
    h = build_history(england, series, 1994, 2017, "endpoints")
    g = endpoint_growth(series, 1994, 2017)
    assert (1 + g) ** 23 == pytest.approx(45800 / 16538)
    assert h.consultants == round(16538 * MODELLED_SHARE)
    ratio = h.funded_posts[1:] / np.asarray(h.funded_posts[:-1], float)
    assert np.allclose(ratio, 1 + g, atol=2e-4)  # a constant growth: nothing between is used
    posts_2023 = int(england.data.posts[["tariff_posts", "trust_funded_posts"]].to_numpy().sum())
    index = series.training
    assert h.training_posts[3] == round(posts_2023 * index.value(1997) / index.value(2023))
    inputs = describe_inputs(series, h, "endpoints", g)
    assert "RULE" in inputs["funded consultant posts"]
    assert "ESTIMATE" in inputs["training posts"]
    circular = describe_inputs(
        series, build_history(england, series, 1994, 2017, "observed"), "observed", g
    )
    assert "CIRCULAR" in circular["funded consultant posts"]
    with pytest.raises(InputError, match="year 1999"):
        build_history(england, series, 1999, 2017)


def test_scaling_to_the_base_year_conserves_totals_and_the_2023_distribution(england: World):
    h = History(1994, (12_000, 12_500), (15_000, 15_600), 14_000)
    w = scale_world(england, h)
    d0, d = england.data, w.data
    assert int(d.posts[["tariff_posts", "trust_funded_posts"]].to_numpy().sum()) == 12_000
    assert int(d.consultants["consultants"].sum()) == 14_000
    assert int(d.consultants["establishment"].sum()) == 15_000
    assert (d.consultants["establishment"] >= d.consultants["consultants"]).all()
    # every cell within one post of its exact proportional share (largest remainder)
    c0 = d0.consultants["consultants"].to_numpy(float)
    assert np.abs(d.consultants["consultants"] - c0 * 14_000 / c0.sum()).max() < 1
    factor = 12_000 / d0.posts[["tariff_posts", "trust_funded_posts"]].to_numpy().sum()
    assert np.allclose(
        d.specialties["applicants_per_year"], d0.specialties["applicants_per_year"] * factor
    )
    assert scale_world(england, h) is w  # cached: one scaled world per history


def test_historic_model_follows_its_posts_and_funded_posts(england: World):
    series = load_history()
    h = build_history(england, series, 1994, 1997, "endpoints")
    sc = hindcast_scenario(england, profile_growth(series, 1994), "endpoints")
    result = run_scenario(sc, 1, 3, england, history=h)
    ry = result.region_year.groupby("year").sum(numeric_only=True)
    assert list(ry.index) == [1994, 1995, 1996, 1997]
    posts = ry["posts_tariff"] + ry["posts_trust_funded"] + ry["posts_expansion"]
    assert list(posts) == list(h.training_posts)  # rising series: exactly the year's total
    funded = ry["consultant_posts"].to_numpy(float)
    assert np.allclose(funded, h.funded_posts, rtol=0.005)  # stochastic rounding per cell
    assert ry["consultants"].iloc[0] == h.consultants
    assert 0 < result.summary["consultants_55_plus_share_1996"] < 0.5
    # falling posts: the year's total of open posts exactly, surplus posts close once vacant
    down = History(
        1994, (h.training_posts[0], h.training_posts[0] - 600), h.funded_posts[:2], h.consultants
    )
    m = TraineeFlowModel(scale_world(england, down), sc.world, sc.policy, seed=1, history=down)
    m.run_for(12.5)
    live = m.posts.live()
    still_open = np.count_nonzero(m.posts.end_t[live] == np.iinfo(np.int32).max)
    assert still_open == down.training_posts[1] <= len(live)
    # new posts keep the base year's distribution: every cell within 2 posts of its share
    up = History(
        1994, (h.training_posts[0], h.training_posts[0] + 3000), h.funded_posts[:2], h.consultants
    )
    m = TraineeFlowModel(scale_world(england, up), sc.world, sc.policy, seed=1, history=up)
    m.run_for(12.5)
    counts = m.historic._cell_counts(m.posts.live())
    assert counts.sum() == up.training_posts[1]
    share = m.historic.post_weights / m.historic.post_weights.sum()
    assert np.abs(counts - share * counts.sum()).max() < 2
    with pytest.raises(InputError, match="drives only 1 years"):
        run_scenario(sc, 1, 2, england, history=down)


def test_hindcast_through_the_executor_equals_serial_runs_and_writes_its_report(
    england: World, tmp_path: Path
):
    with LocalExecutor(1) as ex:
        result = run_hindcast(england, seeds=(1, 2), executor=ex, end_year=1997)
    assert result.years == [1995, 1996, 1997]
    assert result.mape == pytest.approx(mape(result.observed, result.simulated))
    series = load_history()
    h = build_history(england, series, 1994, 1997)
    sc = hindcast_scenario(england, profile_growth(series, 1994), "supply")
    serial = [run_scenario(sc, s, 3, england, history=h).region_year for s in (1, 2)]
    by_year = np.mean([r.groupby("year")["consultants"].sum() for r in serial], axis=0)
    assert result.simulated == pytest.approx(list(by_year[1:] / MODELLED_SHARE))
    for (lo, hi), mid in zip(result.interval or [], result.simulated, strict=True):
        assert lo <= mid <= hi
    report = json.loads(json.dumps(result.as_dict()))
    assert {"years", "observed", "simulated", "mape", "inputs"} <= set(report)


def test_supply_led_run_is_the_pipeline_alone(england: World):
    """Funded posts never bind: consultants change only by appointments and exits."""
    series = load_history()
    h = build_history(england, series, 1994, 1997)  # the default design: supply-led
    assert h.funded_posts is None
    sc = hindcast_scenario(england, profile_growth(series, 1994), "supply")
    assert sc.world.post_creation_rate == 1.0
    assert sc.world.establishment_growth == pytest.approx((16538 / 15011) ** 0.25 - 1, abs=1e-6)
    ry = (
        run_scenario(sc, 2, 3, england, history=h)
        .region_year.groupby("year")
        .sum(numeric_only=True)
    )
    cons = ry["consultants"].to_numpy()
    change = ry["settled"] + ry["international_recruits"] - ry["consultant_exits"]
    assert list(np.diff(cons)) == list(change.iloc[1:])
    assert (ry["consultant_posts"] >= ry["consultants"]).all()
    assert ry["cct_seekers"].iloc[-1] < ry["settled"].iloc[-1] / 2  # most are appointed
    inputs = describe_inputs(series, h, "supply", 0.0)
    assert "NOT DRIVEN" in inputs["funded consultant posts"]


def test_hindcast_command_prints_json_and_writes_report_and_figure(tmp_path: Path):
    out = tmp_path / "out"
    args = ["hindcast", "--json", "--seeds", "1", "--end-year", "1996", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["years"] == [1995, 1996] and printed["observed"] == [17900, 18603]
    assert printed["mape"] == pytest.approx(mape(printed["observed"], printed["simulated"]))
    assert printed["interval"] is None  # one seed: no interval
    saved = json.loads((out / "hindcast.json").read_text())
    assert saved["simulated"] == printed["simulated"]
    assert (out / "hindcast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
