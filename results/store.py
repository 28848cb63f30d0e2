"""The SQL results store: a run registry plus tidy tables, on SQLite (default) or PostgreSQL.

One `ResultStore` wraps one database. `write_run` stores a `RunResult` in a single transaction
(the run row and every table row, or nothing) and is idempotent: a run key already stored as
completed is left alone, also when two processes race to store it. The schema is created on first
use; a database holding anything else (foreign tables, another schema version) is refused with a
`StoreError` and never altered.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from sim.inputs import InputError
from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS, RunResult

SCHEMA_VERSION = 2  # 2: consultant market columns (posts, seekers, exits, recruits)
APP_NAME = "traineeflow"
DEFAULT_PATH = Path("traineeflow_results.sqlite")
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_TEXT_COLUMNS = frozenset({"region_code", "specialty_code", "icb_code"})
_FLOAT_COLUMNS = frozenset({"fair_share_posts", "need_weight", "population", "core20_share"})
_KEY_CHUNK = 500  # run keys per IN (...) clause


class StoreError(InputError):
    """The database cannot serve as a results store (bad URL, foreign, version, read-only)."""


def _measure_type(name: str) -> sa.types.TypeEngine[Any]:
    """Map a tidy-table column to its SQL type: codes text, counts integers, the rest doubles."""
    if name in _TEXT_COLUMNS:
        return sa.String()
    return sa.Double() if name in _FLOAT_COLUMNS else sa.Integer()


_md = sa.MetaData()
META = sa.Table(
    "meta",
    _md,
    sa.Column("app", sa.String(), primary_key=True),
    sa.Column("schema_version", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
_TS = sa.DateTime(timezone=True)
RUNS = sa.Table(
    "runs",
    _md,
    sa.Column("run_key", sa.String(), primary_key=True),
    sa.Column("scenario", sa.String(), nullable=False, index=True),
    sa.Column("params", sa.Text(), nullable=False),  # JSON text
    sa.Column("seed", sa.BigInteger(), nullable=False),
    sa.Column("years", sa.Integer(), nullable=False),
    sa.Column("base_year", sa.Integer()),
    sa.Column("git_commit", sa.String()),
    sa.Column("code_version", sa.String()),
    sa.Column("package_versions", sa.Text()),  # JSON text
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("error", sa.Text()),
    sa.Column("started_at", _TS),
    sa.Column("finished_at", _TS),
    sa.Column("seconds", sa.Double()),
    sa.Column("person_months", sa.BigInteger()),
    sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name="ck_runs_status"),
)


def _run_fk() -> sa.Column[Any]:
    return sa.Column("run_key", sa.String(), sa.ForeignKey("runs.run_key", ondelete="CASCADE"))


REGION_YEAR = sa.Table(
    "region_year",
    _md,
    _run_fk(),
    *(sa.Column(c, _measure_type(c), nullable=c in _FLOAT_COLUMNS) for c in REGION_YEAR_COLUMNS),
    sa.PrimaryKeyConstraint("run_key", "year", "region_code", "specialty_code"),
)
ICB_YEAR = sa.Table(
    "icb_year",
    _md,
    _run_fk(),
    *(sa.Column(c, _measure_type(c), nullable=c in _FLOAT_COLUMNS) for c in ICB_YEAR_COLUMNS),
    sa.PrimaryKeyConstraint("run_key", "year", "icb_code"),
)
SUMMARY = sa.Table(
    "summary",
    _md,
    _run_fk(),
    sa.Column("metric", sa.String()),
    sa.Column("value", sa.Double()),
    sa.PrimaryKeyConstraint("run_key", "metric"),
)
TABLES = {t.name: t for t in (RUNS, REGION_YEAR, ICB_YEAR, SUMMARY)}


def mask_url(url: str) -> str:
    """Return `url` with any password replaced by ``***`` (also for unparseable URLs)."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # unparseable: mask by pattern
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _now() -> datetime:
    return datetime.now(UTC)


def _json(value: Mapping[str, Any], what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} is not JSON-serialisable: {exc}") from exc


def _run_row(
    key: str,
    scenario: str,
    params: Mapping[str, Any],
    seed: int,
    years: int,
    status: str,
    *,
    error: str | None = None,
    base_year: int | None = None,
    git_commit: str | None = None,
    code_version: str | None = None,
    package_versions: Mapping[str, str] | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    seconds: float | None = None,
    person_months: int | None = None,
) -> dict[str, Any]:
    """Build a `runs` row; timestamps are stored in UTC (naive ones are taken as local time)."""
    return {
        "run_key": key,
        "scenario": scenario,
        "params": _json(params, f"run {key} params"),
        "seed": int(seed),
        "years": int(years),
        "base_year": base_year,
        "git_commit": git_commit,
        "code_version": code_version,
        "package_versions": _json(package_versions or {}, "package_versions"),
        "status": status,
        "error": error,
        "started_at": started_at and started_at.astimezone(UTC),
        "finished_at": finished_at and finished_at.astimezone(UTC),
        "seconds": seconds,
        "person_months": person_months,
    }


def _table_rows(df: pd.DataFrame, table: sa.Table, run_key: str) -> list[tuple[Any, ...]]:
    """Turn a tidy DataFrame into row tuples (table column order) of plain Python values."""
    columns = [c.name for c in table.columns if c.name != "run_key"]
    missing = [c for c in columns if c not in df.columns]
    extra = [c for c in df.columns if c not in columns]
    if missing or extra:
        raise ValueError(
            f"run {run_key}: {table.name} columns differ from the schema: "
            f"missing {missing}, unexpected {extra}"
        )
    data: dict[str, list[Any]] = {"run_key": [run_key] * len(df)}
    for name in columns:
        col = df[name]
        if name in _FLOAT_COLUMNS:
            data[name] = [None if v != v else v for v in col.astype("float64").tolist()]
            continue
        if col.isna().any():
            raise ValueError(f"run {run_key}: {table.name}.{name} has missing values")
        if name in _TEXT_COLUMNS:
            data[name] = [str(v) for v in col.tolist()]
            continue
        num = pd.to_numeric(col)
        if not (num == num.round()).all():
            raise ValueError(f"run {run_key}: {table.name}.{name} must hold whole numbers")
        data[name] = num.astype("int64").tolist()
    return list(zip(*data.values(), strict=True))


def _bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert row tuples inside the open transaction: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(c.name for c in table.columns)
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(table.columns))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        return
    sql = f"COPY {table.name} ({names}) FROM STDIN"
    try:
        with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:
        raise sa.exc.IntegrityError(sql, None, exc) from exc


def _typed_frame(rows: Iterable[Any], table: sa.Table) -> pd.DataFrame:
    """Build a DataFrame from result rows with dtypes fixed by the SQL schema."""
    names = [c.name for c in table.columns]
    columns = list(zip(*rows, strict=True)) or [()] * len(names)  # Row objects are slow in pandas
    df = pd.DataFrame({name: list(col) for name, col in zip(names, columns, strict=True)})
    for col in table.columns:
        kind = col.type
        if isinstance(kind, sa.DateTime):
            df[col.name] = pd.to_datetime(df[col.name], utc=True).astype("datetime64[us, UTC]")
        elif isinstance(kind, sa.Double):
            df[col.name] = df[col.name].astype("float64")
        elif isinstance(kind, sa.Integer) and not col.nullable:
            df[col.name] = df[col.name].astype("int64")
        elif isinstance(kind, sa.Integer):
            df[col.name] = df[col.name].astype("Int64")
        else:
            df[col.name] = df[col.name].astype("str")
    return df


def _make_engine(url: str) -> sa.Engine:
    masked = mask_url(url)
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(
            f"cannot parse database URL {masked!r} ({exc}); expected e.g. "
            "sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(
            f"unsupported database {backend!r} in URL {masked!r}: use "
            "sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host/db"
        )
    kwargs: dict[str, Any] = {}
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {masked!r}: {exc}") from None
    if backend == "sqlite":
        _configure_sqlite(engine)
    return engine


def check_url(url: str) -> None:
    """Refuse, before anything is opened, a URL this store cannot use or write through.

    SQLite URLs take no query options (``mode=ro``, ``immutable=1`` and unknown ones would make
    a store that cannot be written, or be ignored); a SQLite file must be a writable regular
    file in a writable folder (WAL mode writes ``-wal`` and ``-shm`` files beside it).
    """
    masked = mask_url(url)
    try:
        query = sa.make_url(url).query if url.startswith("sqlite") else {}
    except (sa.exc.ArgumentError, ValueError):
        query = {}  # _make_engine words this error
    if query:
        raise StoreError(
            f"database URL {masked!r}: SQLite URLs take no options "
            f"(got {', '.join(sorted(query))}); use sqlite:///path/to/file.sqlite"
        )
    _make_engine(url).dispose()  # parses the URL and checks the backend; connects to nothing
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    if parsed.database in (None, "", ":memory:"):
        return
    file = Path(parsed.database).expanduser()
    folder = file.parent
    if file.exists() and not file.is_file():
        raise StoreError(f"database URL {masked!r}: {file} is not a regular file")
    if not folder.is_dir():
        raise StoreError(f"database URL {masked!r}: no folder {folder}")
    for target in (file, folder) if file.exists() else (folder,):
        if not os.access(target, os.W_OK) or os.statvfs(target).f_flag & os.ST_RDONLY:
            raise StoreError(
                f"database URL {masked!r}: {target} is read-only; nothing was written. "
                "Use a writable file."
            )


def _configure_sqlite(engine: sa.Engine) -> None:
    """Let SQLAlchemy emit BEGIN (IMMEDIATE for writes); foreign keys on; wait when busy."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        for pragma in ("foreign_keys=ON", "busy_timeout=60000"):  # per connection
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("traineeflow_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
        self.engine = _make_engine(url)
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
            _md.create_all(conn)
            conn.execute(
                META.insert().values(app=APP_NAME, schema_version=SCHEMA_VERSION, created_at=_now())
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
        region = _table_rows(result.region_year, REGION_YEAR, key)
        icb = _table_rows(result.icb_year, ICB_YEAR, key)
        summary = [(key, str(m), None if v != v else float(v)) for m, v in result.summary.items()]
        finished = finished_at or _now()
        run = _run_row(
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
                    _bulk_insert(conn, table, rows)
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
        *,
        base_year: int | None = None,
        git_commit: str | None = None,
        code_version: str | None = None,
        package_versions: Mapping[str, str] | None = None,
        seconds: float | None = None,
        started_at: datetime | None = None,
    ) -> bool:
        """Store (or update) a failed run row without table rows; False if already completed."""
        row = _run_row(
            run_key,
            scenario,
            params,
            seed,
            years,
            "failed",
            error=error,
            base_year=base_year,
            git_commit=git_commit,
            code_version=code_version,
            package_versions=package_versions,
            seconds=seconds,
            started_at=started_at,
            finished_at=_now(),
        )
        return self._replace_unfinished(row)

    def record_start(
        self,
        run_key: str,
        scenario: str,
        params: Mapping[str, Any],
        seed: int,
        years: int,
        *,
        base_year: int | None = None,
        git_commit: str | None = None,
        code_version: str | None = None,
    ) -> bool:
        """Mark a run as running (optional bookkeeping); False if already completed."""
        row = _run_row(
            run_key,
            scenario,
            params,
            seed,
            years,
            "running",
            base_year=base_year,
            git_commit=git_commit,
            code_version=code_version,
            started_at=_now(),
        )
        return self._replace_unfinished(row)

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

    def runs(self, scenario: str | None = None) -> pd.DataFrame:
        """Return the run registry (all statuses), params and package_versions as dicts."""
        stmt = sa.select(RUNS).order_by(RUNS.c.run_key)
        if scenario is not None:
            stmt = stmt.where(RUNS.c.scenario == scenario)
        with self.engine.connect() as conn:
            df = _typed_frame(conn.execute(stmt), RUNS)
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
        return _typed_frame(rows, table)

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
                chunks = (_typed_frame(p, table) for p in result.partitions())
                _write_chunks(path, fmt, chunks, _typed_frame([], table))
                paths.append(path)
        return paths


def _write_chunks(
    path: Path, fmt: str, chunks: Iterator[pd.DataFrame], empty: pd.DataFrame
) -> None:
    """Write DataFrame chunks to one CSV or Parquet file (header/schema from `empty`)."""
    if fmt == "csv":
        empty.to_csv(path, index=False)
        for chunk in chunks:
            chunk.to_csv(path, mode="a", header=False, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.Schema.from_pandas(empty, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in chunks:
            writer.write_table(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))
