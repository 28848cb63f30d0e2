"""The browser app's model and figures without a browser, and `traineeflow viz` bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from sim.scenario import ScenarioError, load_scenario, with_values
from viz.explorer import AS_SCENARIO, LEVERS, ExplorerModel, lever_values
from viz.figures import charts_figure, map_figure, region_outlines


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@pytest.fixture(scope="module")
def explorer() -> ExplorerModel:
    return ExplorerModel("msd_programme", seed=1)


def test_levers_are_scenario_keys_validated_as_files():
    assert lever_values({name: AS_SCENARIO for name in LEVERS}) == {}
    m = ExplorerModel("msd_no_capacity_growth", settlement_decay="25", pace="0.5")
    assert m.params.settlement_decay_miles == 25.0
    assert m.policy.programme.gap_share_per_year == 0.5
    assert m.policy.programme.capacity_growth == 0.0  # "as scenario" keeps the scenario's value
    with pytest.raises(ValueError, match="unknown lever 'speed'"):
        lever_values({"speed": "1"})
    with pytest.raises(ScenarioError, match="levers: key 'world.settlement_decay_miles'"):
        ExplorerModel(settlement_decay="-5")
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        ExplorerModel("nope")


@pytest.mark.parametrize("name", list(LEVERS))
def test_every_lever_choice_is_a_valid_scenario_value(name):
    key, _, choices = LEVERS[name]
    base = load_scenario("msd_programme")
    for choice in choices:
        assert lever_values({name: choice}) == {key: float(choice)}
        with_values(base, {key: float(choice)}, "levers")  # raises if the key or value is bad


def test_a_step_is_a_month_and_snapshots_are_counted(explorer):
    assert explorer.month_label() == "Aug 2023" and explorer.snapshots() == 1
    for _ in range(12):
        explorer.step()
    assert explorer.month_label() == "Aug 2024" and explorer.snapshots() == 2
    years = explorer.region_year()["year"].unique().tolist()
    assert years == [2023, 2024]
    cov = explorer.region_coverage()
    assert sorted(cov["year"].unique()) == [2023, 2024]
    shares = explorer.icb_coverage()
    assert np.all(shares > 0) and np.isfinite(shares).all()
    assert explorer.trust_posts().sum() == explorer.posts.live().size
    h = explorer.headline()
    assert h["trainees"] == explorer.counts.trainees and h["posts_moved"] > 0


def test_figures_draw_and_follow_the_model():
    m = ExplorerModel("msd_programme", seed=2)
    map0, charts0 = _png(map_figure(m)), _png(charts_figure(m))
    m.step()
    assert _png(map_figure(m)) != map0  # consultants move every month
    assert _png(charts_figure(m)) == charts0  # no new snapshot yet
    for _ in range(12):
        m.step()
    assert _png(charts_figure(m)) != charts0


def test_region_outlines_cover_the_trusts(explorer):
    outlines = region_outlines()
    assert sorted(outlines) == sorted(explorer.world.region_codes)
    pts = np.concatenate([r for rings in outlines.values() for r in rings])
    trusts = explorer.world.data.trusts
    assert pts[:, 0].min() < trusts["lon"].min() and trusts["lon"].max() < pts[:, 0].max()
    assert pts[:, 1].min() < trusts["lat"].min() and trusts["lat"].max() < pts[:, 1].max()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "nope"], "unknown scenario 'nope'"),
        (["--port", "0"], "--port must be in 1..65535"),
        (["--port", "70000"], "--port must be in 1..65535"),
        (["--data", "/nonexistent"], "data directory not found"),
    ],
)
def test_viz_bad_input_exits_2_before_serving(args, message):
    result = CliRunner().invoke(app, ["viz", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "serving" not in result.output


def test_explorer_takes_a_parameter_file(tmp_path):
    from sim.paramfile import write_params

    path = write_params(tmp_path / "p.toml", {"img_inflow_share": 0.02}, {"note": "test"})
    m = ExplorerModel("msd_programme", seed=1, params=path)
    assert m.scenario_spec.world.img_inflow_share == 0.02
