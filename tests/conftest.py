"""Shared fixtures: the bundled England world and one default 25-year baseline run per session."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from store_helpers import PG_SERVER

from results.store import ResultStore
from sim.model import run_scenario
from sim.outputs import RunResult
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


# --- results-store databases: SQLite files and fresh PostgreSQL databases -------------------


@pytest.fixture(scope="session")
def pg_admin():
    engine = sa.create_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10}
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL server {PG_SERVER} is not reachable (these tests need it): {exc}")
    created: list[str] = []
    yield engine, created
    with engine.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def new_pg_db(pg_admin):
    """Factory: a fresh empty PostgreSQL database of our own; returns its URL."""
    engine, created = pg_admin

    def make() -> str:
        name = f"tf_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return f"{PG_SERVER}/{name}"

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.sqlite'}"
    return request.getfixturevalue("new_pg_db")()


@pytest.fixture
def store(url):
    with ResultStore(url) as opened:
        yield opened
