"""The results store under crashes, concurrent writers and foreign databases (real SQLite and
PostgreSQL, real processes; PostgreSQL tests fail, never skip, if the server is down)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from store_helpers import (
    BIG,
    NOTHING,
    REPO,
    TESTS,
    counts,
    expected_counts,
    make_result,
    write,
)

from results.store import SCHEMA_VERSION, ResultStore, StoreError

# --- crashes and concurrent writers (real processes) -----------------------------------------

CHILD = r"""
import json, os, sys, time
repo, tests, url, key, mode, ready, go = sys.argv[1:8]
sys.path[:0] = [repo, tests]
import sqlalchemy as sa
from results.store import ResultStore
from store_helpers import BIG, make_result, write
result = make_result(key, **BIG)
store = ResultStore(url)

def before_commit(conn):
    if mode == "hang":  # every row is written, the transaction is open: wait to be killed
        open(ready, "w").close()
        time.sleep(600)
    time.sleep(1.0)  # "race": hold the transaction open so the other writer overlaps

sa.event.listen(store.engine, "commit", before_commit)
if mode == "race":
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.002)
print(json.dumps(write(store, result)))
"""


def spawn(url: str, key: str, mode: str, ready: Path, go: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(REPO),
            str(TESTS),
            url,
            key,
            mode,
            str(ready),
            str(go or ""),
        ],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"child exited early ({proc.returncode}): {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("child never reached the marker")
        time.sleep(0.02)


def test_killed_writer_leaves_no_partial_run(url, tmp_path):
    with ResultStore(url) as store:
        proc = spawn(url, "killed", "hang", tmp_path / "in_transaction")
        wait_for(tmp_path / "in_transaction", proc)
        assert counts(store, "killed") == NOTHING  # all rows sent, none visible
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert counts(store, "killed") == NOTHING
        assert store.runs().empty
        result = make_result("killed", **BIG)
        assert len(result.region_year) == 6000
        assert write(store, result) is True
        assert counts(store, "killed") == expected_counts(result)
        pd.testing.assert_frame_equal(
            store.region_year(["killed"]).drop(columns="run_key"),
            result.region_year.sort_values(["year", "region_code", "specialty_code"]).reset_index(
                drop=True
            ),
        )


@pytest.mark.parametrize("after_failure", [False, True])
def test_concurrent_writers_of_one_key_store_one_copy(url, tmp_path, after_failure):
    with ResultStore(url) as store:
        if after_failure:
            store.record_failure("race", "baseline", {}, 1, 14, "earlier attempt failed")
        go = tmp_path / "go"
        procs = [spawn(url, "race", "race", tmp_path / f"ready{i}", go) for i in range(2)]
        for i, proc in enumerate(procs):
            wait_for(tmp_path / f"ready{i}", proc)
        go.touch()
        outs = [proc.communicate(timeout=120) for proc in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
        assert sorted(json.loads(out) for out, _ in outs) == [False, True]
        assert counts(store, "race") == expected_counts(make_result("race", **BIG))
        assert list(store.runs()["status"]) == ["completed"]


# --- SQLite and PostgreSQL agree -------------------------------------------------------------


def test_sqlite_and_postgresql_store_identical_results(tmp_path, new_pg_db):
    stamps = {
        "started_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "finished_at": datetime(2026, 1, 2, 3, 4, 18, 178901, tzinfo=UTC),
    }
    frames = []
    for url in (f"sqlite:///{tmp_path / 'same.sqlite'}", new_pg_db()):
        with ResultStore(url) as store:
            for i, scenario in enumerate(["baseline", "fast", "fast"]):
                write(store, make_result(f"same{i}", scenario=scenario, seed=i), **stamps)
            store.record_failure(
                "same-failed", "slow", {"x": [1, 2]}, 7, 3, "boom", started_at=stamps["started_at"]
            )
            runs = store.runs().drop(columns="finished_at")  # the failure's is "now"
            frames.append((runs, store.region_year(), store.icb_year(), store.summary()))
    for lite, pg in zip(*frames, strict=True):
        pd.testing.assert_frame_equal(lite, pg)


# --- refusing databases that are not ours ----------------------------------------------------


def _sqlite_with(tmp_path: Path, *statements: str) -> Path:
    path = tmp_path / "other.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()
    return path


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _foreign_url(kind: str, tmp_path: Path, new_pg_db, *statements: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{_sqlite_with(tmp_path, *statements)}"
    url = new_pg_db()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()
    return url


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    "statements",
    [
        ("CREATE TABLE patients (id integer, name text)", "INSERT INTO patients VALUES (1, 'x')"),
        ("CREATE TABLE meta (key text, value text)", "INSERT INTO meta VALUES ('app', 'other')"),
        (
            "CREATE TABLE meta (app text, schema_version integer)",
            "INSERT INTO meta VALUES ('someone-else', 1)",
        ),
    ],
)
def test_foreign_database_is_refused_and_untouched(kind, statements, tmp_path, new_pg_db):
    url = _foreign_url(kind, tmp_path, new_pg_db, *statements)
    before = _tables(url)
    file = tmp_path / "other.sqlite"
    content = file.read_bytes() if kind == "sqlite" else b""
    with pytest.raises(StoreError, match="not a traineeflow results store"):
        ResultStore(url)
    assert _tables(url) == before
    if kind == "sqlite":
        assert file.read_bytes() == content  # not one byte changed (not even the journal mode)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        table = statements[0].split()[2]
        assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 1
    engine.dispose()


def test_other_schema_version_is_refused_and_untouched(url):
    with ResultStore(url) as store:
        write(store, make_result("v1"))
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE meta SET schema_version = :v"), {"v": SCHEMA_VERSION + 98})
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 98}"):
        ResultStore(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT schema_version FROM meta")).scalar_one()
        assert version == SCHEMA_VERSION + 98
        assert conn.execute(sa.text("SELECT count(*) FROM region_year")).scalar_one() == 128
    engine.dispose()


def test_reopening_our_own_store_keeps_its_runs(url):
    with ResultStore(url) as store:
        write(store, make_result("keep"))
    with ResultStore(url) as store:
        assert store.completed_keys() == {"keep"}
