"""Rows in and out of the results store: run rows, tidy tables as row tuples, typed frames."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pandas as pd
import sqlalchemy as sa

from results.store_schema import FLOAT_COLUMNS, TEXT_COLUMNS


class RunDetails(TypedDict, total=False):
    """The optional fields of a `runs` row."""

    error: str | None
    base_year: int | None
    git_commit: str | None
    code_version: str | None
    package_versions: Mapping[str, str] | None
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None
    person_months: int | None


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _json(value: Mapping[str, Any], what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} is not JSON-serialisable: {exc}") from exc


def run_row(
    key: str,
    scenario: str,
    params: Mapping[str, Any],
    seed: int,
    years: int,
    status: str,
    **details: Unpack[RunDetails],
) -> dict[str, Any]:
    """Build a `runs` row; timestamps are stored in UTC (naive ones are taken as local time)."""
    started, finished = details.get("started_at"), details.get("finished_at")
    return {
        "run_key": key,
        "scenario": scenario,
        "params": _json(params, f"run {key} params"),
        "seed": int(seed),
        "years": int(years),
        "base_year": details.get("base_year"),
        "git_commit": details.get("git_commit"),
        "code_version": details.get("code_version"),
        "package_versions": _json(details.get("package_versions") or {}, "package_versions"),
        "status": status,
        "error": details.get("error"),
        "started_at": started and started.astimezone(UTC),
        "finished_at": finished and finished.astimezone(UTC),
        "seconds": details.get("seconds"),
        "person_months": details.get("person_months"),
    }


def table_rows(df: pd.DataFrame, table: sa.Table, run_key: str) -> list[tuple[Any, ...]]:
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
        if name in FLOAT_COLUMNS:
            data[name] = [None if v != v else v for v in col.astype("float64").tolist()]
            continue
        if col.isna().any():
            raise ValueError(f"run {run_key}: {table.name}.{name} has missing values")
        if name in TEXT_COLUMNS:
            data[name] = [str(v) for v in col.tolist()]
            continue
        num = pd.to_numeric(col)
        if not (num == num.round()).all():
            raise ValueError(f"run {run_key}: {table.name}.{name} must hold whole numbers")
        data[name] = num.astype("int64").tolist()
    return list(zip(*data.values(), strict=True))


def bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
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


def typed_frame(rows: Iterable[Any], table: sa.Table) -> pd.DataFrame:
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


def write_chunks(path: Path, fmt: str, chunks: Iterator[pd.DataFrame], empty: pd.DataFrame) -> None:
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
