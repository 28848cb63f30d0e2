"""Tidy tables of experiments beside the run store: swept values and optimiser evaluations.

`experiment_runs` maps each run of a sweep to its parameter point and replicate, and
`experiment_points` holds the swept values of each point as (parameter, value) rows, so a pandas
user joins `summary` -> `experiment_runs` -> `experiment_points` on real columns instead of reading
JSON. `optimise_evaluations` holds every evaluation of an optimisation as (study, trial, kind,
name, value) rows, kind being "lever" or "objective". The tables live in the results database
next to the store's own (created on first use, never altered after).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from results.store import ResultStore
from results.store_schema import BIG, DOUBLE, INT, STR, define_table

_md = sa.MetaData()
EXPERIMENT_RUNS = define_table(
    _md,
    "experiment_runs",
    {
        "experiment": STR,
        "run_key": STR,
        "scenario": STR,
        "point": INT,
        "replicate": INT,
        "seed": BIG,
    },
    ("experiment", "run_key"),
    ("scenario", "point", "replicate", "seed"),
)
EXPERIMENT_POINTS = define_table(
    _md,
    "experiment_points",
    # value: NULL when the swept value is not a number; text: the value as written (JSON)
    {"experiment": STR, "point": INT, "parameter": STR, "value": DOUBLE, "text": STR},
    ("experiment", "point", "parameter"),
    ("text",),
)
EVALUATIONS = define_table(
    _md,
    "optimise_evaluations",
    {"study": STR, "trial": INT, "kind": STR, "name": STR, "value": DOUBLE},
    ("study", "trial", "kind", "name"),
)


_LOCK = 7302520  # PostgreSQL advisory lock: writers of these tables (drivers may run at once)


@contextmanager
def _serialised(store: ResultStore) -> Iterator[sa.Connection]:
    """One write transaction that no other writer of these tables overlaps.

    SQLite: BEGIN IMMEDIATE (the store's write option). PostgreSQL: a transaction-level advisory
    lock, so two sweep drivers never race to create the tables or replace the same rows.
    """
    with store.engine.connect() as conn:
        conn.execution_options(traineeflow_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
            yield conn


def _ensure(store: ResultStore) -> None:
    with _serialised(store) as conn:
        _md.create_all(conn, checkfirst=True)


def _replace(store: ResultStore, table: sa.Table, where: Any, rows: list[dict[str, Any]]) -> None:
    """Delete the rows matching `where` and insert `rows`, in one serialised transaction."""
    with _serialised(store) as conn:
        _md.create_all(conn, checkfirst=True)
        conn.execute(table.delete().where(where))
        if rows:
            conn.execute(table.insert(), rows)


def _number(value: Any) -> float | None:  # noqa: ANN401
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return None
    return float(value)


def write_plan(store: ResultStore, experiment: str, frame: pd.DataFrame, params: list[str]) -> None:
    """Store a sweep plan (`experiments.sweep.Plan.frame`): its runs and swept values."""
    runs = [
        {
            "experiment": experiment,
            "run_key": r.run_key,
            "scenario": r.scenario,
            "point": int(r.point),
            "replicate": int(r.replicate),
            "seed": int(r.seed),
        }
        for r in frame.itertuples()
    ]
    points = frame.drop_duplicates("point")
    values = [
        {
            "experiment": experiment,
            "point": int(row["point"]),
            "parameter": p,
            "value": _number(row[p]),
            "text": json.dumps(row[p], default=str),
        }
        for _, row in points.iterrows()
        for p in params
    ]
    _replace(store, EXPERIMENT_RUNS, EXPERIMENT_RUNS.c.experiment == experiment, runs)
    _replace(store, EXPERIMENT_POINTS, EXPERIMENT_POINTS.c.experiment == experiment, values)


def read_plan(store: ResultStore, experiment: str) -> pd.DataFrame:
    """One row per run of a stored sweep: run_key, scenario, point, replicate, seed, parameters.

    Empty when the store holds no sweep of that name.
    """
    _ensure(store)
    with store.engine.connect() as conn:
        runs = pd.read_sql(
            sa.select(EXPERIMENT_RUNS).where(EXPERIMENT_RUNS.c.experiment == experiment), conn
        )
        points = pd.read_sql(
            sa.select(EXPERIMENT_POINTS).where(EXPERIMENT_POINTS.c.experiment == experiment), conn
        )
    if runs.empty:
        return runs
    wide = points.pivot(index="point", columns="parameter", values="value").reset_index()
    wide.columns.name = None
    return runs.drop(columns="experiment").merge(wide, on="point", how="left")


def write_evaluations(
    store: ResultStore,
    study: str,
    trial: int,
    levers: dict[str, float],
    objectives: dict[str, float],
) -> None:
    """Store one evaluation of an optimisation (replacing an earlier one of the same trial)."""
    rows = [
        {"study": study, "trial": trial, "kind": kind, "name": name, "value": float(value)}
        for kind, values in (("lever", levers), ("objective", objectives))
        for name, value in values.items()
    ]
    where = (EVALUATIONS.c.study == study) & (EVALUATIONS.c.trial == trial)
    _replace(store, EVALUATIONS, where, rows)


def read_evaluations(store: ResultStore, study: str) -> pd.DataFrame:
    """Evaluations of a study wide: trial, then one column per lever and objective."""
    _ensure(store)
    with store.engine.connect() as conn:
        rows = pd.read_sql(sa.select(EVALUATIONS).where(EVALUATIONS.c.study == study), conn)
    wide = rows.pivot(index="trial", columns="name", values="value").reset_index()
    wide.columns.name = None
    return wide
