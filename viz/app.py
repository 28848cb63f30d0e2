"""The Solara page served by `traineeflow viz`: Mesa's SolaraViz over `ExplorerModel`.

Run through `traineeflow viz` (which validates the scenario and sets TRAINEEFLOW_VIZ_SCENARIO),
not imported by the rest of the package: it imports solara and Mesa's visualisation stack.
Each browser session gets its own model. The map redraws every step (one month); the yearly
charts only when a new August snapshot exists.
"""

from __future__ import annotations

import os
from pathlib import Path

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.scenario import BUNDLED
from viz.explorer import AS_SCENARIO, LEVERS, ExplorerModel
from viz.figures import charts_figure, map_figure

SCENARIO = os.environ.get("TRAINEEFLOW_VIZ_SCENARIO", "msd_programme")
DATA = Path(os.environ["TRAINEEFLOW_VIZ_DATA"]) if os.environ.get("TRAINEEFLOW_VIZ_DATA") else None
PARAMS = (  # a parameter file `traineeflow viz --params` validated
    Path(os.environ["TRAINEEFLOW_VIZ_PARAMS"]) if os.environ.get("TRAINEEFLOW_VIZ_PARAMS") else None
)
PLAY_INTERVAL_MS = 250  # at most ~4 frames a second while playing (issue 11: stay responsive)


def model_params() -> dict:
    """SolaraViz inputs: scenario picker, the five levers, the seed."""
    scenarios = list(dict.fromkeys([SCENARIO, *BUNDLED]))
    params: dict = {
        "scenario_name": {
            "type": "Select",
            "value": SCENARIO,
            "values": scenarios,
            "label": "Scenario",
        }
    }
    for name, (_, label, choices) in LEVERS.items():
        params[name] = {
            "type": "Select",
            "value": AS_SCENARIO,
            "values": [AS_SCENARIO, *choices],
            "label": label,
        }
    params["seed"] = {
        "type": "SliderInt",
        "value": 1,
        "min": 1,
        "max": 20,
        "step": 1,
        "label": "Seed",
    }
    params["data"] = DATA  # fixed: the data directory `traineeflow viz --data` validated
    params["params"] = PARAMS
    return params


@solara.component
def EnglandMap(model: ExplorerModel) -> solara.Element:
    """The month reached, headline numbers and the map (redrawn every step)."""
    update_counter.get()
    h = model.headline()
    deps = [id(model), model.time]
    fig = solara.use_memo(lambda: map_figure(model), deps)
    with solara.Column(gap="0px") as column:
        solara.Text(
            f"{model.scenario_spec.name}, {h['month']} (step {model.steps}): "
            f"{h['trainees']:,} trainees, {h['consultants']:,} consultants, "
            f"{h['vacant_posts']:,} vacant training posts, {h['posts_moved']:,} posts moved "
            "by the programme so far. Changed parameters take effect on Reset.",
            classes=["traineeflow-status"],
            style={"padding": "4px 12px", "font-size": "14px"},
        )
        solara.FigureMatplotlib(fig, format="png", dependencies=deps)
    return column


@solara.component
def YearlyCharts(model: ExplorerModel) -> solara.Element:
    """Coverage, posts moved, fill rates and vacancies (redrawn after each new snapshot)."""
    update_counter.get()
    deps = [id(model), model.snapshots()]
    fig = solara.use_memo(lambda: charts_figure(model), deps)
    return solara.FigureMatplotlib(fig, format="png", dependencies=deps)


@solara.component
def Page() -> solara.Element:
    """One model per browser session."""
    model = solara.use_memo(
        lambda: ExplorerModel(scenario_name=SCENARIO, data=DATA, params=PARAMS), []
    )
    return SolaraViz(
        model,
        components=[(EnglandMap, 0), (YearlyCharts, 0)],
        model_params=model_params(),
        play_interval=PLAY_INTERVAL_MS,
        name="traineeflow: NHS England specialty training",
    )
