"""Database URLs and engines of the results store: parse, check and open SQLite or PostgreSQL.

Every check here runs before anything is written, and every refusal is one `StoreError` naming
the URL (with any password masked).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sim.inputs import InputError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class StoreError(InputError):
    """The database cannot serve as a results store (bad URL, foreign, version, read-only)."""


def mask_url(url: str) -> str:
    """Return `url` with any password replaced by ``***`` (also for unparseable URLs)."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # unparseable: mask by pattern
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def make_engine(url: str) -> sa.Engine:
    """An engine for a supported URL (connects to nothing yet); StoreError otherwise."""
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
    make_engine(url).dispose()  # parses the URL and checks the backend; connects to nothing
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
