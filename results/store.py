"""The SQL results store: a run registry plus tidy tables, on SQLite (default) or PostgreSQL.

One `ResultStore` wraps one database. `write_run` stores a `RunResult` in a single transaction
(the run row and every table row, or nothing) and is idempotent: a run key already stored as
completed is left alone, also when two processes race to store it. The schema
(`results.store_schema`) is created on first use; a database holding anything else (foreign
tables, another schema version) is refused with a `StoreError` and never altered. URLs and
engines: `results.store_engine`; rows in and out: `results.store_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Unpack

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from results.store_engine import StoreError, check_url, make_engine, mask_url
from results.store_rows import (
    RunDetails,
    bulk_insert,
    now,
    run_row,
    table_rows,
    typed_frame,
    write_chunks,
)
from results.store_schema import (
    APP_NAME,
    ICB_YEAR,
    META,
    METADATA,
    REGION_YEAR,
    RUNS,
    SCHEMA_VERSION,
    SUMMARY,
    TABLES,
)
from sim.outputs import RunResult

__all__ = ["DEFAULT_PATH", "SCHEMA_VERSION", "ResultStore", "StoreError", "check_url", "mask_url"]
DEFAULT_PATH = Path("traineeflow_results.sqlite")
_KEY_CHUNK = 500  # run keys per IN (...) clause


class ResultStore:
    """A traineeflow results database: SQLite file by default, PostgreSQL by URL."""

    def __init__(self, url: str | None = None, path: Path | None = None) -> None:
        """Open (and on first use create) the store at `url`, or the SQLite file at `path`."""
        if url is not None and path is not None:
            raise StoreError("give a database URL or a SQLite path, not both")
        if url is None:
            file = Path(path if path is not None else DEFAULT_PATH).expanduser().resolve()
            file.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{file}"
        self.url = mask_url(url)
        check_url(url)
        self.engine = make_engine(url)
        try:
            with self._write() as conn:
                self._check_or_create(conn)
                self._check_writable(conn)
            if self.engine.dialect.name == "sqlite":  # only once the file is known to be ours
                raw = self.engine.raw_connection()
                raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # readers never block
                raw.close()
        except StoreError:
            self.engine.dispose()
            raise
        except sa.exc.DBAPIError as exc:
            self.engine.dispose()
            detail = str(getattr(exc, "orig", exc)).strip().replace(url, self.url)
            raise StoreError(f"cannot open results database {self.url!r}: {detail}") from None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite, so writers queue up front)."""
        with self.engine.connect() as conn:
            conn.execution_options(traineeflow_write=True)
            with conn.begin():
                yield conn

    def _check_or_create(self, conn: sa.Connection) -> None:
        if conn.dialect.name == "postgresql":  # serialise concurrent first opens
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7302519)"))
        inspector = sa.inspect(conn)
        names = set(inspector.get_table_names())
        if not names:
            METADATA.create_all(conn)
            conn.execute(
                META.insert().values(app=APP_NAME, schema_version=SCHEMA_VERSION, created_at=now())
            )
            return
        meta_cols = {c["name"] for c in inspector.get_columns("meta")} if "meta" in names else set()
        row = None
        if {"app", "schema_version"} <= meta_cols:
            query = sa.text("SELECT schema_version FROM meta WHERE app = :app")
            row = conn.execute(query, {"app": APP_NAME}).first()
        if row is None:
            raise StoreError(
                f"{self.url!r} already holds tables ({', '.join(sorted(names))}) "
                "and is not a traineeflow results store; it was left untouched. "
                "Use an empty database or another file."
            )
        if row[0] != SCHEMA_VERSION:
            raise StoreError(
                f"{self.url!r} is a traineeflow results store of schema version "
                f"{row[0]}, but this code reads and writes version {SCHEMA_VERSION}; "
                "it was left untouched. Use a new database or matching code."
            )
        missing = sorted(set(TABLES) - names)
        if missing:
            raise StoreError(
                f"{self.url!r} is an incomplete traineeflow store (missing tables "
                f"{', '.join(missing)}); it was left untouched."
            )

    def _check_writable(self, conn: sa.Connection) -> None:
        """A no-op update: a read-only database or role fails here, before any run."""
        query = sa.text("UPDATE meta SET schema_version = schema_version WHERE app = :app")
        try:
            conn.execute(query, {"app": APP_NAME})
        except sa.exc.DBAPIError as exc:
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise StoreError(
                f"results database {self.url!r} cannot be written ({detail}); nothing was "
                "written. Use a writable database."
            ) from None

    def _insert_ignore(self, conn: sa.Connection, table: sa.Table, row: dict[str, Any]) -> bool:
        """Insert the row unless its key is taken; True if it went in.

        PostgreSQL: INSERT ... ON CONFLICT DO NOTHING (waits for a concurrent writer of the same
        key, then yields to it). SQLite: the write transaction already holds the database's
        write lock (BEGIN IMMEDIATE), so look first, then insert (works on any SQLite version).
        """
        key = table.c.run_key
        if conn.dialect.name == "postgresql":
            stmt = postgresql.insert(table).values(**row).on_conflict_do_nothing()
            return conn.execute(stmt.returning(key)).first() is not None
        if conn.execute(sa.select(key).where(key == row["run_key"])).first() is not None:
            return False
        conn.execute(table.insert().values(**row))
        return True

    def write_run(
        self,
        result: RunResult,
        *,
        git_commit: str,
        code_version: str,
        package_versions: dict[str, str],
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
    ) -> bool:
        """Store a completed run whole, in one transaction; False if it was already stored.

        A failed or running row under the same key is replaced. `finished_at` defaults to now and
        `started_at` to `finished_at - result.seconds`. Rows that break the schema (wrong columns,
        duplicate keys) raise ValueError and store nothing.
        """
        key = result.run_key
        if self.has_run(key):  # cheap early exit; the transaction below still decides
            return False
        region = table_rows(result.region_year, REGION_YEAR, key)
        icb = table_rows(result.icb_year, ICB_YEAR, key)
        summary = [(key, str(m), None if v != v else float(v)) for m, v in result.summary.items()]
        finished = finished_at or now()
        run = run_row(
            key,
            result.scenario,
            result.params,
            result.seed,
            result.years,
            "completed",
            base_year=int(result.base_year),
            git_commit=git_commit,
            code_version=code_version,
            package_versions=package_versions,
            started_at=started_at or finished - timedelta(seconds=result.seconds),
            finished_at=finished,
            seconds=float(result.seconds),
            person_months=int(result.person_months),
        )
        try:
            with self._write() as conn:
                conn.execute(
                    RUNS.delete().where(RUNS.c.run_key == key, RUNS.c.status != "completed")
                )
                if not self._insert_ignore(conn, RUNS, run):
                    conn.rollback()
                    return False
                for table, rows in ((REGION_YEAR, region), (ICB_YEAR, icb), (SUMMARY, summary)):
                    bulk_insert(conn, table, rows)
        except sa.exc.IntegrityError as exc:
            raise ValueError(
                f"run {key} was not stored (nothing written): its rows break the "
                f"store's constraints: {str(exc.orig).strip()}"
            ) from exc
        return True

    def record_failure(
        self,
        run_key: str,
        scenario: str,
        params: Mapping[str, Any],
        seed: int,
        years: int,
        error: str,
        **details: Unpack[RunDetails],
    ) -> bool:
        """Store (or update) a failed run row without table rows; False if already completed."""
        details = {**details, "error": error, "finished_at": now()}
        return self._replace_unfinished(
            run_row(run_key, scenario, params, seed, years, "failed", **details)
        )

    def _replace_unfinished(self, row: dict[str, Any]) -> bool:
        with self._write() as conn:
            conn.execute(
                RUNS.delete().where(RUNS.c.run_key == row["run_key"], RUNS.c.status != "completed")
            )
            return self._insert_ignore(conn, RUNS, row)

    def completed_keys(self) -> set[str]:
        """Return the run keys stored as completed."""
        with self.engine.connect() as conn:
            stmt = sa.select(RUNS.c.run_key).where(RUNS.c.status == "completed")
            return set(conn.execute(stmt).scalars())

    def has_run(self, key: str) -> bool:
        """Tell whether `key` is stored as a completed run."""
        stmt = sa.select(RUNS.c.run_key).where(RUNS.c.run_key == key, RUNS.c.status == "completed")
        with self.engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def runs(
        self, scenario: str | None = None, run_keys: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Return the run registry (all statuses), params and package_versions as dicts.

        Optionally only one scenario's runs, or only the runs of the given keys.
        """
        df = self._select(RUNS, run_keys, scenario)
        for col in ("params", "package_versions"):
            df[col] = [json.loads(v) if isinstance(v, str) else {} for v in df[col]]
        return df

    def _select(
        self, table: sa.Table, run_keys: Iterable[str] | None, scenario: str | None
    ) -> pd.DataFrame:
        base = sa.select(table).order_by(*table.primary_key.columns)
        if scenario is not None:
            in_scenario = sa.select(RUNS.c.run_key).where(RUNS.c.scenario == scenario)
            base = base.where(table.c.run_key.in_(in_scenario))
        keys = None if run_keys is None else sorted(set(run_keys))
        chunks = (
            [base]
            if keys is None
            else [
                base.where(table.c.run_key.in_(keys[i : i + _KEY_CHUNK]))
                for i in range(0, len(keys), _KEY_CHUNK)
            ]
        )
        with self.engine.connect() as conn:
            rows = [row for stmt in chunks for row in conn.execute(stmt).all()]
        return typed_frame(rows, table)

    def region_year(
        self, run_keys: Iterable[str] | None = None, scenario: str | None = None
    ) -> pd.DataFrame:
        """Region x specialty x year rows (run_key + REGION_YEAR_COLUMNS), optionally filtered."""
        return self._select(REGION_YEAR, run_keys, scenario)

    def icb_year(
        self, run_keys: Iterable[str] | None = None, scenario: str | None = None
    ) -> pd.DataFrame:
        """ICB x year rows (run_key + ICB_YEAR_COLUMNS), optionally filtered."""
        return self._select(ICB_YEAR, run_keys, scenario)

    def summary(
        self, run_keys: Iterable[str] | None = None, scenario: str | None = None
    ) -> pd.DataFrame:
        """Return scalar outcomes wide: one row per completed run (run_key, scenario, seed, ...)."""
        keys = None if run_keys is None else set(run_keys)
        long = self._select(SUMMARY, keys, scenario)
        runs = self.runs(scenario)
        runs = runs[
            (runs["status"] == "completed")
            & (runs["run_key"].isin(keys) if keys is not None else True)
        ]
        wide = long.pivot(index="run_key", columns="metric", values="value")
        wide.columns.name = None
        out = runs[["run_key", "scenario", "seed"]].merge(
            wide.reset_index(), on="run_key", how="left"
        )
        return out.reset_index(drop=True)

    def export(self, directory: Path, fmt: str = "csv") -> list[Path]:
        """Write every table as stored to `directory` (csv or parquet), streaming in chunks."""
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"export format must be 'csv' or 'parquet', not {fmt!r}")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        with self.engine.connect() as conn:
            for name, table in TABLES.items():
                path = directory / f"{name}.{fmt}"
                stmt = sa.select(table).order_by(*table.primary_key.columns)
                result = conn.execution_options(yield_per=50_000).execute(stmt)
                chunks = (typed_frame(p, table) for p in result.partitions())
                write_chunks(path, fmt, chunks, typed_frame([], table))
                paths.append(path)
        return paths
