"""Parallel efficiency and per-run overhead of `traineeflow sweep` (a script, not a test).

    .venv/bin/python benchmarks/bench_sweep.py [--runs 200] [--years 3] [--executor local dask]
                                               [--workers 1 2] [--db-server postgresql+psycopg://...]

For each executor and worker count, runs a fresh sweep of `--runs` short runs (one scenario,
`--runs` replicates) into a fresh SQLite file (or a fresh PostgreSQL database on --db-server,
dropped afterwards) and reports:

- T(n): wall time of the sweep on n workers, executor start-up excluded (reported apart);
- parallel efficiency T(1) / (n T(n));
- overhead per run: (n T(n) - sum of the runs' simulation times) / runs, as % of the mean
  simulation time of a run (scheduling, shipping results, storing, idle workers at the end);
- driver store time per run (inside the overhead only where the driver is the bottleneck).

The machine's load (os.getloadavg) is printed before and after: other processes skew the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.spec import load_experiment  # noqa: E402
from experiments.sweep import DaskExecutor, LocalExecutor, Plan, run_sweep  # noqa: E402
from results.store import ResultStore  # noqa: E402
from sim.world import World  # noqa: E402


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def experiment_file(folder: Path, runs: int, years: int) -> Path:
    path = folder / "bench.toml"
    path.write_text(
        f'name = "bench_sweep"\nscenarios = ["msd_programme"]\nyears = {years}\n'
        f"replicates = {runs}\nseed = 4242\n"
    )
    return path


def fresh_db(folder: Path, server: str | None, tag: str) -> tuple[str, object]:
    if server is None:
        return f"sqlite:///{folder / f'{tag}.sqlite'}", None
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    name = f"traineeflow_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return f"{server}/{name}", (admin, name)


def drop_db(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(kind: str, workers: int, plan: Plan, url: str) -> dict[str, float]:
    started = time.perf_counter()
    executor = LocalExecutor(workers) if kind == "local" else DaskExecutor(workers=workers)
    with ResultStore(url) as store, executor as ex:
        startup = time.perf_counter() - started
        report = run_sweep(plan, store, ex)
    assert report.completed == len(plan.runs) and report.failed == 0, report
    mean_sim = report.sim_seconds / report.completed
    overhead = (workers * report.seconds - report.sim_seconds) / report.completed
    return {
        "T": report.seconds,
        "startup": startup,
        "mean_sim": mean_sim,
        "overhead": overhead,
        "store": report.store_seconds / report.completed,
        "per_task": report.runs_per_task,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument(
        "--executor", nargs="+", default=["local", "dask"], choices=["local", "dask"]
    )
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument(
        "--db-server",
        default=None,
        help="PostgreSQL server URL without database (default: SQLite files)",
    )
    args = parser.parse_args()
    world = World.load()
    print(f"{args.runs} runs of {args.years} years; {os.cpu_count()} CPUs; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plan = Plan(load_experiment(experiment_file(folder, args.runs, args.years), world), world)
        for kind in args.executor:
            results = {}
            for n in args.workers:
                url, handle = fresh_db(folder, args.db_server, f"{kind}{n}")
                try:
                    results[n] = r = measure(kind, n, plan, url)
                finally:
                    drop_db(handle)
                print(
                    f"{kind:5s} {n} worker(s): T = {r['T']:6.1f} s (+{r['startup']:.1f} s "
                    f"start-up), {args.runs / r['T']:.2f} runs/s, {r['per_task']} runs/task; "
                    f"mean run {r['mean_sim']:.3f} s; overhead/run {r['overhead']:.3f} s = "
                    f"{100 * r['overhead'] / r['mean_sim']:.1f}% of a run; driver store "
                    f"{r['store'] * 1000:.0f} ms/run = {100 * r['store'] / r['mean_sim']:.1f}%;"
                    f" {load()}",
                    flush=True,
                )
            base = min(results)
            for n in sorted(results):
                if n != base:
                    eff = base * results[base]["T"] / (n * results[n]["T"])
                    print(
                        f"{kind:5s} parallel efficiency {base} -> {n} workers: "
                        f"T({base}) x {base} / ({n} x T({n})) = {eff:.2f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
