"""Synthetic runs and small helpers shared by the results-store tests."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from results.store import ResultStore
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
