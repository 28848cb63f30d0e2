"""Sweeps on real executors and real databases: a process pool, a Dask LocalCluster, SQLite files
and the PostgreSQL server (PostgreSQL tests fail, never skip, when it is down).

Runs are kept tiny (1-2 simulated years) so the whole module takes a minute or two on 2 cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from experiments.cli import app
from experiments.spec import load_experiment
from experiments.sweep import DaskExecutor, LocalExecutor, Plan, TaskRun, run_sweep
from results.outcomes import SUMMARY
from results.store import ResultStore
from sim.world import World

TRAINEEFLOW = str(Path(sys.executable).with_name("traineeflow"))
TABLES = ("runs", "region_year", "icb_year", "summary")


def spec_file(
    tmp_path: Path,
    name: str = "tiny",
    *,
    seed: int = 1,
    years: int = 2,
    n: int = 2,
    replicates: int = 2,
    scenarios: str = '"msd_slow", "msd_fast"',
    extra: str = "",
) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenarios = [{scenarios}]\nyears = {years}\nreplicates = {replicates}\n'
        f"seed = {seed}\n[sample]\nn = {n}\n[sample.ranges]\n"
        '"policy.programme.capacity_growth" = [0.0, 0.1]\n'
        '"world.settlement_decay_miles" = [6.0, 14.0]\n' + extra
    )
    return path


@pytest.fixture
def world(england):  # the session's England world (conftest.py)
    return england


def plan_for(path: Path, world: World) -> Plan:
    return Plan(load_experiment(path, world), world)


def row_counts(url: str) -> dict[str, dict[str, int]]:
    """Rows per run key in each table (the runs table only for completed runs)."""
    engine = sa.create_engine(url)
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            where = " WHERE status = 'completed'" if table == "runs" else ""
            rows = conn.execute(
                sa.text(f"SELECT run_key, count(*) FROM {table}{where} GROUP BY run_key")
            ).all()
            out[table] = {k: n for k, n in rows}
    engine.dispose()
    return out


def assert_each_run_once_and_whole(url: str, keys: set[str], per_run: dict[str, int]) -> None:
    counts = row_counts(url)
    assert set(counts["runs"]) == keys
    assert set(counts["runs"].values()) == {1}
    for table in TABLES[1:]:
        assert counts[table] == {k: per_run[table] for k in keys}, table


# every summary metric but fill_rate_level_2 (England's data has no ST2 entry)
ENGLAND_SUMMARY = len(SUMMARY) - 1


def expected_rows(world: World, years: int, summary: int = ENGLAND_SUMMARY) -> dict[str, int]:
    regions, specs, icbs = len(world.region_codes), len(world.specialty_codes), len(world.icb_codes)
    return {
        "region_year": (years + 1) * regions * specs,
        "icb_year": (years + 1) * icbs,
        "summary": summary,
    }


def stored_tables(url: str) -> dict[str, object]:
    with ResultStore(url) as store:
        summary = store.summary().drop(columns=["seconds"]).sort_values("run_key")
        return {
            "region_year": store.region_year(),
            "icb_year": store.icb_year(),
            "summary": summary.reset_index(drop=True),
            "runs": store.runs()[["run_key", "scenario", "params", "seed", "years", "status"]],
        }


# --- local and Dask executors give the same stored results ----------------------------------


def test_local_and_dask_store_identical_results(tmp_path, world):
    path = spec_file(tmp_path)
    urls = {ex: f"sqlite:///{tmp_path / ex}.sqlite" for ex in ("local", "dask")}
    reports = {}
    for ex, url in urls.items():
        result = CliRunner().invoke(
            app, ["sweep", str(path), "--executor", ex, "--workers", "2", "--db", url, "--json"]
        )
        assert result.exit_code == 0, result.output
        reports[ex] = json.loads(result.stdout)
    plan = plan_for(path, world)
    for ex, report in reports.items():
        assert report["planned"] == report["completed"] == len(plan.runs) == 8, report
        assert report["skipped"] == report["failed"] == 0 and report["executor"] == ex
        assert report["seconds"] > 0 and report["db"] == urls[ex]
        assert_each_run_once_and_whole(
            urls[ex], {r.key for r in plan.runs}, expected_rows(world, 2)
        )
    local, dask = stored_tables(urls["local"]), stored_tables(urls["dask"])
    for name in local:
        assert local[name].equals(dask[name]), name
    assert local["summary"]["consultants_end"].nunique() > 1  # the runs really differ


def test_bounded_window_and_failures_recorded_without_stopping(tmp_path, world):
    """A run that raises is stored as failed, the others complete; a re-run retries only it."""
    path = spec_file(tmp_path, n=3, replicates=2, scenarios='"msd_programme"', years=1)
    plan = plan_for(path, world)
    bad_key = plan.runs[2].key

    class Probe(Plan):
        """The real plan; one run's scenario is broken the way a bad input would be."""

        pulled = 0

        def tasks(self, runs, per_task):
            for task in super().tasks(runs, per_task):
                self.pulled += 1
                fixed = tuple(
                    TaskRun(r.key, {**r.scenario, "world": {"ltft_fte": 7.0}}, r.seed)
                    if r.key == bad_key
                    else r
                    for r in task.runs
                )
                yield type(task)(task.index, fixed, task.years, task.data, task.outcomes)

    probe = Probe(load_experiment(path, world), world)
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    outstanding = []
    with ResultStore(url) as store, LocalExecutor(2) as ex:
        done = [0]

        def tick(n):
            done[0] += 1
            outstanding.append(probe.pulled - done[0])

        report = run_sweep(probe, store, ex, runs_per_task=1, in_flight=2, progress=tick)
        assert (report.planned, report.completed, report.failed) == (6, 5, 1)
        assert max(outstanding) <= 2 and probe.pulled == 6  # tasks are pulled lazily
        runs = store.runs().set_index("run_key")
        assert runs.loc[bad_key, "status"] == "failed"
        assert "ltft_fte" in runs.loc[bad_key, "error"] and report.failures[0].startswith(bad_key)
        assert (runs.drop(index=bad_key)["status"] == "completed").all()
        again = run_sweep(plan, store, ex)  # the real plan: only the failed run is computed
        assert (again.skipped, again.completed, again.failed) == (5, 1, 0)
    assert_each_run_once_and_whole(url, {r.key for r in plan.runs}, expected_rows(world, 1))


def pool_workers() -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "spawn_main" in " ".join(p.cmdline())
    ]


def test_local_pool_survives_a_killed_worker(tmp_path, world):
    path = spec_file(tmp_path, n=3, replicates=2, scenarios='"msd_programme"', years=1)
    plan = plan_for(path, world)
    url = f"sqlite:///{tmp_path / 'k.sqlite'}"
    killed = []
    with ResultStore(url) as store, LocalExecutor(2) as ex:

        def tick(n):
            if not killed:
                victim = pool_workers()[0]
                victim.kill()
                victim.wait(10)
                killed.append(victim)

        report = run_sweep(plan, store, ex, runs_per_task=1, progress=tick)
        survivors = {p.pid for p in pool_workers()}
    assert len(killed) == 1 and not killed[0].is_running()
    assert survivors and killed[0].pid not in survivors  # a new pool took over
    assert (report.completed, report.failed) == (6, 0)
    assert_each_run_once_and_whole(url, {r.key for r in plan.runs}, expected_rows(world, 1))


def test_dask_local_cluster_workers_keep_glibc_malloc_defaults():
    """Dask's MALLOC_TRIM_THRESHOLD_=65536 makes runs ~1.6x slower; our LocalCluster unsets it."""
    with DaskExecutor(workers=1) as ex:
        env = ex.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_", "unset"))
        threads = ex.client.nthreads()
    assert list(env.values()) == ["unset"] and list(threads.values()) == [1]
    assert ex.client is None  # closed with the executor


# --- a Dask worker killed mid-sweep ------------------------------------------------------------


def test_dask_sweep_survives_a_killed_worker(tmp_path, world):
    from distributed import Client, LocalCluster

    path = spec_file(tmp_path, n=3, replicates=2, years=2)
    plan = plan_for(path, world)
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    killed = {}
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):

        def tick(n):
            if killed:
                return
            deadline = time.monotonic() + 10
            while not (busy := [a for a, keys in client.processing().items() if keys]):
                assert time.monotonic() < deadline, "no worker got a task"
                time.sleep(0.01)
            pids = client.run(os.getpid)
            victim = busy[0]
            killed["addr"], killed["busy"] = victim, len(client.processing()[victim])
            proc = psutil.Process(pids[victim])
            proc.kill()
            proc.wait(10)
            killed["gone"] = not proc.is_running()

        with ResultStore(url) as store, DaskExecutor(client=client) as ex:
            assert ex.workers == 2
            report = run_sweep(plan, store, ex, runs_per_task=1, progress=tick)
        client.wait_for_workers(2, timeout=60)
        worlds = client.run(lambda: len(sys.modules["experiments.sweep"]._WORLDS))
    assert killed["gone"] and killed["busy"] >= 1
    assert killed["addr"] not in worlds  # the nanny started a new worker in its place
    assert set(worlds.values()) <= {0, 1}  # one World per worker process, reused by its tasks
    assert (report.planned, report.completed, report.failed) == (12, 12, 0)
    assert_each_run_once_and_whole(url, {r.key for r in plan.runs}, expected_rows(world, 2))


# --- the driver killed mid-sweep, then re-run -------------------------------------------------


def test_killed_driver_loses_nothing_and_rerun_computes_only_the_rest(tmp_path, world):
    path = spec_file(tmp_path, n=4, replicates=2, years=2)  # 16 runs
    plan = plan_for(path, world)
    db = tmp_path / "driver.sqlite"
    url = f"sqlite:///{db}"
    cmd = [
        TRAINEEFLOW,
        "sweep",
        str(path),
        "--workers",
        "2",
        "--runs-per-task",
        "1",
        "--db",
        url,
        "--json",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    stored = 0
    while stored < 4:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sweep stored too few runs in 2 minutes"
        time.sleep(0.05)
        if db.exists():
            try:
                stored = len(row_counts(url)["runs"])
            except sa.exc.OperationalError:  # schema not created yet
                stored = 0
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()  # SIGKILL the driver only
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    gone, alive = psutil.wait_procs(workers, timeout=20)  # its pool workers follow it
    for orphan in alive:
        orphan.kill()
    assert len(workers) >= 2 and not alive
    before = set(row_counts(url)["runs"])
    assert 4 <= len(before) < len(plan.runs)
    assert_each_run_once_and_whole(url, before, expected_rows(world, 2))

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["planned"] == len(plan.runs) == 16
    assert report["skipped"] == len(before)
    assert report["completed"] == 16 - len(before) and report["failed"] == 0
    assert "runs/s" in rerun.stderr  # progress lines on stderr
    assert_each_run_once_and_whole(url, {r.key for r in plan.runs}, expected_rows(world, 2))


# --- several sweeps writing to one PostgreSQL database at once ----------------------------------


def test_concurrent_sweeps_on_postgresql_lose_no_rows(tmp_path, world, new_pg_db):
    pg_url = new_pg_db()
    a = spec_file(tmp_path, "a", seed=1, n=2, replicates=2, years=1)
    b = spec_file(
        tmp_path,
        "b",
        seed=2,
        n=2,
        replicates=2,
        years=1,
        extra='[outcomes]\nsummary = ["consultants_end", "fill_rate"]\n',
    )
    plans = {p: plan_for(p, world) for p in (a, b)}
    # `a` whole races its two shards (two drivers splitting it) for the same runs; `b` is apart
    jobs = [(a, "0/1"), (b, "0/1"), (a, "0/2"), (a, "1/2")]
    procs = [
        subprocess.Popen(
            [
                TRAINEEFLOW,
                "sweep",
                str(p),
                "--workers",
                "1",
                "--shard",
                shard,
                "--runs-per-task",
                "1",
                "--db",
                pg_url,
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p, shard in jobs
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    seen = "\n".join(
        f"{job}: exit {p.returncode}\n{o}\n{e}"
        for job, p, (o, e) in zip(jobs, procs, outs, strict=True)
    )
    assert all(p.returncode == 0 for p in procs), seen
    reports = [json.loads(stdout) for stdout, _ in outs]
    assert [r["planned"] for r in reports] == [8, 8, 4, 4], seen
    assert all(
        r["failed"] == 0 and r["completed"] + r["stored_by_others"] + r["skipped"] == r["planned"]
        for r in reports
    ), seen
    assert reports[1]["completed"] == 8, seen
    # runs stored, not computed: the three drivers of `a` report its 8 runs once in all
    assert reports[0]["completed"] + reports[2]["completed"] + reports[3]["completed"] == 8, seen
    keys_a, keys_b = ({r.key for r in plans[p].runs} for p in (a, b))
    assert not keys_a & keys_b
    counts = row_counts(pg_url)
    assert set(counts["runs"]) == keys_a | keys_b and set(counts["runs"].values()) == {1}
    full, slim = expected_rows(world, 1), expected_rows(world, 1, summary=2)
    for table in TABLES[1:]:
        assert counts[table] == (
            {k: full[table] for k in keys_a} | {k: slim[table] for k in keys_b}
        ), table
