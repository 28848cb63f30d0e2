"""`traineeflow viz`: serve the browser app (Mesa SolaraViz) on a loopback address.

The command is registered in `experiments/cli.py`; solara and Mesa's visualisation stack are
imported only by the server process it starts (`viz/app.py`).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from experiments.cli_common import DataOpt, ParamsOpt, ScenarioOpt, err, load_inputs, user_errors
from sim.inputs import InputError

LOOPBACK = "127.0.0.1"


def viz(
    scenario: ScenarioOpt = "msd_programme",
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        LOOPBACK
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    data: DataOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Watch a scenario run in the browser: map of England, coverage, moves, fill, vacancies."""
    with user_errors():
        if not 1 <= port <= 65535:
            raise InputError(f"--port must be in 1..65535 (got {port})")
        load_inputs(data, scenario, params)  # one clear error before any server starts
        if importlib.util.find_spec("solara") is None:
            raise InputError("the app needs solara: reinstall traineeflow (scripts/setup.sh)")
    source = str(Path(scenario).resolve()) if Path(scenario).suffix else scenario
    env = {
        **os.environ,
        "TRAINEEFLOW_VIZ_SCENARIO": source,
        "TRAINEEFLOW_VIZ_DATA": str(data.resolve()) if data is not None else "",
        "TRAINEEFLOW_VIZ_PARAMS": str(params.resolve()) if params is not None else "",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no calls to outside servers
    }
    err.print(f"serving the app on http://{host}:{port}/ (Ctrl-C stops it)", highlight=False)
    cmd = [sys.executable, "-m", "solara", "run", "viz.app", "--host", host, "--port", str(port)]
    cmd += ["--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    try:
        code = subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
