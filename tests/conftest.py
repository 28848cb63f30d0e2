"""Shared fixtures: the bundled England world and one default 25-year baseline run per session."""

from __future__ import annotations

import pytest

from sim.outputs import RunResult
from sim.run import run_scenario
from sim.scenario import load_scenario
from sim.world import World

BASELINE_SEED = 1
BASELINE_YEARS = 25


@pytest.fixture(scope="session")
def england() -> World:
    """The bundled England data, loaded and validated once."""
    return World.load()


@pytest.fixture(scope="session")
def baseline_run(england: World) -> RunResult:
    """The default bundled `baseline` scenario, seed 1, 25 years (about 2 s)."""
    return run_scenario(load_scenario("baseline", england), BASELINE_SEED, BASELINE_YEARS, england)
