"""The results store on a real SQLite file and the real PostgreSQL server (no stand-ins).

PostgreSQL tests create their own uniquely named databases and drop them afterwards; if the
server cannot be reached they fail (they never skip).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from store_helpers import (
    NOTHING,
    PG_SERVER,
    PROVENANCE,
    counts,
    expected_counts,
    make_result,
    write,
)

from results.store import DEFAULT_PATH, ResultStore, StoreError

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
