"""The results store on a real SQLite file and the real PostgreSQL server (no stand-ins).

PostgreSQL tests create their own uniquely named databases and drop them afterwards; if the
server cannot be reached they fail (they never skip).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from results.store import DEFAULT_PATH, SCHEMA_VERSION, ResultStore, StoreError
from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS, RunResult

PG_SERVER = os.environ.get("TRAINEEFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
REGIONS = [f"Y{n}" for n in range(56, 64)]
BIG = {"years": 14, "specialties": 50}  # 15 snapshots x 8 regions x 50 specialties = 6,000 rows
PROVENANCE = {
    "git_commit": "0123abc",
    "code_version": "0.1.0",
    "package_versions": {"mesa": "3.5.1", "numpy": "2.5.5"},
}


def make_result(
    key: str,
    *,
    scenario: str = "baseline",
    seed: int = 1,
    years: int = 3,
    specialties: int = 4,
    icbs: int = 6,
) -> RunResult:
    """A deterministic synthetic run (values depend only on the key and the sizes)."""
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    grid = pd.MultiIndex.from_product(
        [range(2023, 2024 + years), REGIONS, [f"S{i:03d}" for i in range(specialties)]],
        names=["year", "region_code", "specialty_code"],
    ).to_frame(index=False)
    for col in REGION_YEAR_COLUMNS[3:]:
        if col in ("fair_share_posts", "need_weight", "population"):
            grid[col] = rng.random(len(grid)) * 10.0 ** rng.integers(2, 7)
        else:
            grid[col] = rng.integers(0, 400, len(grid))
    grid.loc[0, "fair_share_posts"] = np.nan  # stored as NULL, read back as NaN
    grid.loc[len(grid) - 1, "need_weight"] = 0.1 + 0.2  # not 0.3: must come back bit-exact
    icb = pd.MultiIndex.from_product(
        [range(2023, 2024 + years), [f"Q{i:02d}" for i in range(icbs)]], names=["year", "icb_code"]
    ).to_frame(index=False)
    icb["region_code"] = [REGIONS[int(c[1:]) % len(REGIONS)] for c in icb["icb_code"]]
    for col in ("posts", "trainees", "consultants"):
        icb[col] = rng.integers(0, 5000, len(icb))
    icb["need_weight"], icb["population"] = rng.random(len(icb)) * 2e6, rng.random(len(icb)) * 2e6
    icb["core20_share"] = rng.random(len(icb))
    summary = {
        "consultants_2030": float(rng.random() * 1e4),
        "region_gini": float(rng.random()),
        "never_within": float("nan"),
    }
    return RunResult(
        run_key=key,
        scenario=scenario,
        params={"pace": 0.2, "phases": ["A", "B"]},
        seed=seed,
        years=years,
        base_year=2023,
        region_year=grid,
        icb_year=icb[list(ICB_YEAR_COLUMNS)],
        summary=summary,
        person_months=123_456_789,
        seconds=12.5,
    )


def write(store: ResultStore, result: RunResult, **kwargs: object) -> bool:
    return store.write_run(result, **PROVENANCE, **kwargs)


def counts(store: ResultStore, key: str) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: conn.execute(
                sa.text(f"SELECT count(*) FROM {t} WHERE run_key = :k"), {"k": key}
            ).scalar_one()
            for t in ("runs", "region_year", "icb_year", "summary")
        }


def expected_counts(result: RunResult) -> dict[str, int]:
    return {
        "runs": 1,
        "region_year": len(result.region_year),
        "icb_year": len(result.icb_year),
        "summary": len(result.summary),
    }


NOTHING = {"runs": 0, "region_year": 0, "icb_year": 0, "summary": 0}


# --- databases -------------------------------------------------------------------------------


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


# --- round trip and reads --------------------------------------------------------------------


def test_round_trip_reads_back_identical_numbers(store):
    result = make_result("run-a")
    assert write(store, result) is True
    expected = result.region_year.sort_values(["year", "region_code", "specialty_code"])
    got = store.region_year(run_keys=["run-a"])
    assert (got["run_key"] == "run-a").all()
    pd.testing.assert_frame_equal(got.drop(columns="run_key"), expected.reset_index(drop=True))
    assert np.isnan(
        got.loc[
            (got["year"] == 2023)
            & (got["region_code"] == "Y56")
            & (got["specialty_code"] == "S000"),
            "fair_share_posts",
        ]
    ).all()
    assert (got["need_weight"] == 0.1 + 0.2).sum() == 1
    pd.testing.assert_frame_equal(
        store.icb_year(["run-a"]).drop(columns="run_key"),
        result.icb_year.sort_values(["year", "icb_code"]).reset_index(drop=True),
    )
    summary = store.summary().set_index("run_key")
    assert summary.loc["run-a", "consultants_2030"] == result.summary["consultants_2030"]
    assert summary.loc["run-a", "region_gini"] == result.summary["region_gini"]
    assert np.isnan(summary.loc["run-a", "never_within"])
    assert summary.loc["run-a", "scenario"] == "baseline" and summary.loc["run-a", "seed"] == 1
    run = store.runs().set_index("run_key").loc["run-a"]
    assert run["status"] == "completed" and run["params"] == result.params
    assert run["package_versions"] == PROVENANCE["package_versions"]
    assert (run["seed"], run["years"], run["base_year"]) == (1, 3, 2023)
    assert (run["git_commit"], run["code_version"]) == ("0123abc", "0.1.0")
    assert run["seconds"] == 12.5 and run["person_months"] == 123_456_789
    assert run["finished_at"] - run["started_at"] == pd.Timedelta(seconds=12.5)
    assert store.completed_keys() == {"run-a"} and store.has_run("run-a")
    assert not store.has_run("run-b")


def test_filters_by_key_and_scenario(store):
    for key, scenario in (("k1", "baseline"), ("k2", "fast"), ("k3", "fast")):
        assert write(store, make_result(key, scenario=scenario))
    assert set(store.region_year(scenario="fast")["run_key"]) == {"k2", "k3"}
    assert set(store.icb_year(run_keys={"k1", "k3"})["run_key"]) == {"k1", "k3"}
    assert store.region_year(run_keys=[]).empty
    assert list(store.summary(scenario="fast")["run_key"]) == ["k2", "k3"]
    assert list(store.runs(scenario="baseline")["run_key"]) == ["k1"]
    no_metrics = make_result("k4")
    no_metrics.summary = {}
    write(store, no_metrics)
    store.record_failure("k5", "fast", {}, 5, 3, "boom")
    wide = store.summary().set_index("run_key")
    assert list(wide.index) == ["k1", "k2", "k3", "k4"]  # every completed run, failed ones not
    assert wide.loc["k4", ["consultants_2030", "region_gini"]].isna().all()


def test_export_csv_and_parquet(store, tmp_path):
    write(store, make_result("e1"))
    store.record_failure("e2", "baseline", {}, 2, 3, "boom")
    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet)):
        paths = store.export(tmp_path / fmt, fmt=fmt)
        assert sorted(p.name for p in paths) == sorted(
            f"{t}.{fmt}" for t in ("runs", "region_year", "icb_year", "summary")
        )
        region = read(tmp_path / fmt / f"region_year.{fmt}")
        pd.testing.assert_frame_equal(region, store.region_year(), check_dtype=fmt == "parquet")
        assert list(read(tmp_path / fmt / f"runs.{fmt}")["status"]) == ["completed", "failed"]
    with pytest.raises(ValueError, match="csv"):
        store.export(tmp_path, fmt="xlsx")


def test_default_sqlite_file_and_path_argument(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with ResultStore() as default:
        write(default, make_result("d1"))
    assert (tmp_path / DEFAULT_PATH).exists()
    with ResultStore(path=tmp_path / "sub" / "r.sqlite") as by_path:
        assert by_path.completed_keys() == set()
    with ResultStore(path=tmp_path / DEFAULT_PATH) as again:
        assert again.has_run("d1")


# --- idempotency, atomicity, failures --------------------------------------------------------


def test_writing_twice_stores_once(store):
    result = make_result("twice")
    assert write(store, result) is True
    first = store.runs()
    assert write(store, result) is False
    assert write(store, make_result("twice", seed=99)) is False  # first copy wins, unchanged
    assert counts(store, "twice") == expected_counts(result)
    pd.testing.assert_frame_equal(store.runs(), first)


def test_failed_write_leaves_no_partial_run(store):
    good = make_result("atomic")
    bad = make_result("atomic")
    # the last region row duplicates a primary key: the database refuses it mid-way
    bad.region_year = pd.concat([good.region_year, good.region_year.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="nothing written"):
        write(store, bad)
    assert counts(store, "atomic") == NOTHING
    store.record_failure("atomic", "baseline", {"pace": 0.2}, 1, 3, "first attempt crashed")
    with pytest.raises(ValueError):
        write(store, bad)
    runs = store.runs()
    assert list(runs["status"]) == ["failed"] and list(runs["error"]) == ["first attempt crashed"]
    assert write(store, good) is True
    assert counts(store, "atomic") == expected_counts(good)


def test_rows_not_matching_the_schema_are_refused_before_writing(store):
    result = make_result("cols")
    result.region_year = result.region_year.drop(columns="ccts")
    with pytest.raises(ValueError, match="missing \\['ccts'\\]"):
        write(store, result)
    result = make_result("frac")
    result.region_year["trainees"] = result.region_year["trainees"] + 0.5
    with pytest.raises(ValueError, match="whole numbers"):
        write(store, result)
    assert store.runs().empty


def test_failure_then_success_replaces_the_failed_row(store):
    assert (
        store.record_failure("f1", "baseline", {"pace": 0.2}, 1, 3, "Traceback: boom", seconds=3.0)
        is True
    )
    run = store.runs().iloc[0]
    assert (run["status"], run["error"], run["seconds"]) == ("failed", "Traceback: boom", 3.0)
    assert store.completed_keys() == set() and not store.has_run("f1")
    assert write(store, make_result("f1")) is True
    run = store.runs().iloc[0]
    assert run["status"] == "completed" and pd.isna(run["error"])
    assert store.record_failure("f1", "baseline", {}, 1, 3, "late failure") is False
    assert store.runs().iloc[0]["status"] == "completed"


# --- crashes and concurrent writers (real processes) -----------------------------------------

CHILD = r"""
import json, os, sys, time
repo, tests, url, key, mode, ready, go = sys.argv[1:8]
sys.path[:0] = [repo, tests]
import sqlalchemy as sa
from results.store import ResultStore
from test_store import BIG, make_result, write
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


@pytest.mark.parametrize(
    "bad",
    [
        "not a url",
        "nosuchdialect://user:s3cret@host/db",
        "mysql+pymysql://user:s3cret@localhost/db",
        "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/test",  # nothing listens there
        "postgresql+psycopg://user:s3cret@host:notaport/db",
        f"{PG_SERVER.replace('postgres@', 'postgres:s3cret@')}/tf_no_such_database_x",
        "sqlite:////nonexistent-dir/deeper/results.sqlite",
    ],
)
def test_bad_url_raises_store_error_with_masked_url(bad):
    with pytest.raises(StoreError) as info:
        ResultStore(bad)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "s3cret" not in message
    assert bad.replace("s3cret", "***") in message


def test_url_and_path_together_are_refused(tmp_path):
    with pytest.raises(StoreError, match="not both"):
        ResultStore(url="sqlite://", path=tmp_path / "x.sqlite")
