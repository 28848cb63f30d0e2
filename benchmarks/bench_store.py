"""Write throughput of the results store on SQLite and PostgreSQL (a script, not a test).

    .venv/bin/python benchmarks/bench_store.py [--runs 50] [--pg postgresql+psycopg://postgres@127.0.0.1:5432]

Writes `--runs` synthetic runs of 6,000 region_year rows (15 years x 8 regions x 50 specialties)
plus 630 icb_year rows each through `ResultStore.write_run`, into a fresh SQLite file and a fresh
PostgreSQL database (created and dropped here), and prints rows per second. With `--compare` it
also times other ways of inserting one run's region_year rows (SQLAlchemy executemany of dicts,
pandas to_sql with and without method="multi") into a scratch table of the same shape.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from results.store import ResultStore  # noqa: E402
from results.store_rows import table_rows  # noqa: E402
from results.store_schema import REGION_YEAR  # noqa: E402
from sim.outputs import ICB_YEAR_COLUMNS, REGION_YEAR_COLUMNS, RunResult  # noqa: E402

REGIONS = [f"Y{n}" for n in range(56, 64)]
PROVENANCE = {"git_commit": "bench", "code_version": "0.1.0", "package_versions": {"x": "1"}}


def synthetic_run(i: int, years: int = 14, specialties: int = 50, icbs: int = 42) -> RunResult:
    rng = np.random.default_rng(i)
    ry = pd.MultiIndex.from_product(
        [range(2023, 2024 + years), REGIONS, [f"S{s:03d}" for s in range(specialties)]],
        names=["year", "region_code", "specialty_code"],
    ).to_frame(index=False)
    for col in REGION_YEAR_COLUMNS[3:]:
        floats = col in ("fair_share_posts", "need_weight", "population")
        ry[col] = rng.random(len(ry)) * 1e6 if floats else rng.integers(0, 400, len(ry))
    icb = pd.MultiIndex.from_product(
        [range(2023, 2024 + years), [f"Q{q:02d}" for q in range(icbs)]], names=["year", "icb_code"]
    ).to_frame(index=False)
    icb["region_code"] = [REGIONS[q % 8] for q in range(icbs)] * (years + 1)
    for col in ICB_YEAR_COLUMNS[3:]:
        floats = col in ("need_weight", "population", "core20_share")
        icb[col] = rng.random(len(icb)) if floats else rng.integers(0, 5000, len(icb))
    summary = {f"metric_{m}": float(rng.random()) for m in range(20)}
    return RunResult(f"bench-{i:04d}", "bench", {"i": i}, i, years, 2023, ry, icb, summary)


def bench_store(label: str, url: str, runs: list[RunResult]) -> None:
    rows = sum(len(r.region_year) + len(r.icb_year) + len(r.summary) for r in runs)
    region_rows = sum(len(r.region_year) for r in runs)
    with ResultStore(url) as store:
        start = time.perf_counter()
        for run in runs:
            assert store.write_run(run, **PROVENANCE)
        elapsed = time.perf_counter() - start
        again = time.perf_counter()
        assert not store.write_run(runs[0], **PROVENANCE)
        repeat = time.perf_counter() - again
        read = time.perf_counter()
        frame = store.region_year()
        read_s = time.perf_counter() - read
    assert len(frame) == region_rows
    print(
        f"{label:11s} {len(runs)} runs in {elapsed:6.2f} s: {len(runs) / elapsed:6.1f} runs/s, "
        f"{rows / elapsed:9,.0f} rows/s ({region_rows / elapsed:9,.0f} region_year rows/s); "
        f"{1000 * elapsed / len(runs):5.0f} ms/run; repeat write (skipped) "
        f"{1000 * repeat:4.0f} ms; read {region_rows:,} rows back in {read_s:5.2f} s"
    )


def compare_methods(label: str, url: str, run: RunResult) -> None:
    md = sa.MetaData()
    cols = [sa.Column(c.name, c.type, nullable=c.nullable) for c in REGION_YEAR.columns]
    table = sa.Table(
        "ry_scratch",
        md,
        *cols,
        sa.PrimaryKeyConstraint("run_key", "year", "region_code", "specialty_code"),
    )
    engine = sa.create_engine(url)
    md.create_all(engine)
    frame = run.region_year.assign(run_key=run.run_key)[[c.name for c in REGION_YEAR.columns]]
    names = [c.name for c in REGION_YEAR.columns]
    methods = {
        "SQLAlchemy executemany (dicts)": lambda conn: conn.execute(
            table.insert(),
            [
                dict(zip(names, row, strict=True))
                for row in table_rows(run.region_year, REGION_YEAR, run.run_key)
            ],
        ),
        "pandas to_sql (default)": lambda conn: frame.to_sql(
            "ry_scratch", conn, if_exists="append", index=False, chunksize=1000
        ),
        "pandas to_sql method=multi": lambda conn: frame.to_sql(
            "ry_scratch",
            conn,
            if_exists="append",
            index=False,
            method="multi",
            chunksize=max(1, 30_000 // len(names)),
        ),
    }
    for name, insert in methods.items():
        times = []
        for _ in range(3):
            with engine.begin() as conn:
                conn.execute(table.delete())
            start = time.perf_counter()
            with engine.begin() as conn:
                insert(conn)
            times.append(time.perf_counter() - start)
        best = min(times)
        print(f"  {label:11s} {name:32s} {len(frame) / best:9,.0f} rows/s ({1000 * best:.0f} ms)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without database ('' to skip)",
    )
    parser.add_argument("--compare", action="store_true", help="also time other insert methods")
    args = parser.parse_args()
    runs = [synthetic_run(i) for i in range(args.runs)]
    print(
        f"{args.runs} runs x {len(runs[0].region_year):,} region_year + "
        f"{len(runs[0].icb_year)} icb_year + {len(runs[0].summary)} summary rows"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bench_store("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", runs)
        if args.compare:
            compare_methods("SQLite", f"sqlite:///{Path(tmp) / 'compare.sqlite'}", runs[0])
    if not args.pg:
        return
    admin = sa.create_engine(f"{args.pg}/postgres", isolation_level="AUTOCOMMIT")
    names = [f"tf_bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        bench_store("PostgreSQL", f"{args.pg}/{names[0]}", runs)
        if args.compare:
            compare_methods("PostgreSQL", f"{args.pg}/{names[1]}", runs[0])
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
