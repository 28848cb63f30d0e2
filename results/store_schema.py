"""The results store's SQL schema: the run registry, the tidy tables and the summary table.

Each table is declared by `define_table` from its columns, key and required columns, so every
table of the results database (here and in `results.experiment_tables`) reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS

SCHEMA_VERSION = 2  # 2: consultant market columns (posts, seekers, exits, recruits)
APP_NAME = "traineeflow"
TEXT_COLUMNS = frozenset({"region_code", "specialty_code", "icb_code"})
FLOAT_COLUMNS = frozenset({"fair_share_posts", "need_weight", "population", "core20_share"})

type Type = sa.types.TypeEngine[Any]
STR, INT, BIG, DOUBLE, TEXT = sa.String(), sa.Integer(), sa.BigInteger(), sa.Double(), sa.Text()
TS = sa.DateTime(timezone=True)


def define_table(
    md: sa.MetaData,
    name: str,
    columns: dict[str, Type],
    key: tuple[str, ...],
    required: Iterable[str] = (),
    *extra: sa.SchemaItem,
) -> sa.Table:
    """A table of `columns` (in order) with primary key `key`; `required` columns are NOT NULL."""
    needed = set(key) | set(required)
    cols = [sa.Column(c, t, nullable=c not in needed) for c, t in columns.items()]
    return sa.Table(name, md, *cols, sa.PrimaryKeyConstraint(*key), *extra)


def measure_type(name: str) -> Type:
    """Map a tidy-table column to its SQL type: codes text, counts integers, the rest doubles."""
    if name in TEXT_COLUMNS:
        return STR
    return DOUBLE if name in FLOAT_COLUMNS else INT


def _tidy(md: sa.MetaData, name: str, columns: tuple[str, ...], key: tuple[str, ...]) -> sa.Table:
    """A tidy table of one run's rows: run_key (cascading from runs) then the measures."""
    types = {"run_key": STR, **{c: measure_type(c) for c in columns}}
    required = [c for c in columns if c not in FLOAT_COLUMNS]
    fk = sa.ForeignKeyConstraint(["run_key"], ["runs.run_key"], ondelete="CASCADE")
    return define_table(md, name, types, ("run_key", *key), required, fk)


METADATA = sa.MetaData()
META = define_table(
    METADATA,
    "meta",
    {"app": STR, "schema_version": INT, "created_at": TS},
    ("app",),
    ("schema_version", "created_at"),
)
RUNS = define_table(
    METADATA,
    "runs",
    {
        "run_key": STR,
        "scenario": STR,
        "params": TEXT,  # JSON text
        "seed": BIG,
        "years": INT,
        "base_year": INT,
        "git_commit": STR,
        "code_version": STR,
        "package_versions": TEXT,  # JSON text
        "status": STR,
        "error": TEXT,
        "started_at": TS,
        "finished_at": TS,
        "seconds": DOUBLE,
        "person_months": BIG,
    },
    ("run_key",),
    ("scenario", "params", "seed", "years", "status"),
    sa.Index("ix_runs_scenario", "scenario"),
    sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name="ck_runs_status"),
)
REGION_YEAR = _tidy(
    METADATA, "region_year", REGION_YEAR_COLUMNS, ("year", "region_code", "specialty_code")
)
ICB_YEAR = _tidy(METADATA, "icb_year", ICB_YEAR_COLUMNS, ("year", "icb_code"))
SUMMARY = define_table(
    METADATA,
    "summary",
    {"run_key": STR, "metric": STR, "value": DOUBLE},
    ("run_key", "metric"),
    (),
    sa.ForeignKeyConstraint(["run_key"], ["runs.run_key"], ondelete="CASCADE"),
)
TABLES = {t.name: t for t in (RUNS, REGION_YEAR, ICB_YEAR, SUMMARY)}
