"""Small synthetic data directories for model tests.

`build_data_dir` writes a copy of the bundled England CSVs, cut down to a few trusts and one or
two specialties, to a folder (usually pytest's `tmp_path`), with the same schema, so that
`World.load(folder)` validates and loads it like any user data directory. Regions, local offices
and ICBs are kept whole (they are small and carry the need and population weights).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sim.datafiles import BUNDLED_DIR, SCHEMA


def read_bundled(file: str) -> pd.DataFrame:
    """One bundled CSV as text (nothing converted), in file order."""
    return pd.read_csv(BUNDLED_DIR / file, dtype=str, keep_default_na=False)


def copy_bundled(dest: Path) -> Path:
    """An exact copy of the bundled data directory at `dest` (created)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for file in SCHEMA:
        shutil.copyfile(BUNDLED_DIR / file, dest / file)
    return dest


def pick_trusts(n_per_lo: int = 1, los: Sequence[str] | None = None) -> list[str]:
    """The first `n_per_lo` trusts (file order) of each local office (all offices by default)."""
    trusts = read_bundled("trusts.csv")
    if los is not None:
        trusts = trusts[trusts["lo_code"].isin(los)]
    return trusts.groupby("lo_code", sort=False).head(n_per_lo)["trust_code"].tolist()


def build_data_dir(
    dest: Path,
    specialties: Sequence[str] = ("cardiology",),
    trusts: Sequence[str] | None = None,
    spec_updates: Mapping[str, object] | None = None,
    tariff_posts: int | None = None,
    trust_funded_posts: int | None = None,
    consultants: int | None = None,
    establishment: int | None = None,
) -> Path:
    """Write a reduced data directory to `dest` and return it.

    specialties: specialty codes kept. trusts: trust codes kept (default: one per local office).
    spec_updates: column -> value set on every kept specialty row (e.g. ltft_share=0).
    tariff_posts / trust_funded_posts / consultants / establishment: if given, every kept
    (trust, specialty) pair gets exactly this number (rows are added for pairs missing from the
    bundled files); establishment defaults to the consultants given (no vacancies).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    trusts = list(trusts) if trusts is not None else pick_trusts()
    specialties = list(specialties)
    for file in ("regions.csv", "local_offices.csv", "icbs.csv"):
        shutil.copyfile(BUNDLED_DIR / file, dest / file)

    tr = read_bundled("trusts.csv")
    missing = set(trusts) - set(tr["trust_code"])
    if missing:
        raise ValueError(f"unknown trust codes {sorted(missing)}")
    tr[tr["trust_code"].isin(trusts)].to_csv(dest / "trusts.csv", index=False)

    sp = read_bundled("specialties.csv")
    sp = sp[sp["specialty_code"].isin(specialties)].copy()
    if len(sp) != len(set(specialties)):
        raise ValueError(f"unknown specialty codes in {specialties}")
    for column, value in (spec_updates or {}).items():
        if column not in sp.columns:
            raise KeyError(f"specialties.csv has no column {column!r}")
        sp[column] = str(value)
    sp.to_csv(dest / "specialties.csv", index=False)

    pairs = pd.MultiIndex.from_product(
        [trusts, specialties], names=["trust_code", "specialty_code"]
    )
    posts = _cut(
        read_bundled("posts.csv"),
        pairs,
        {"tariff_posts": tariff_posts, "trust_funded_posts": trust_funded_posts},
    )
    posts.to_csv(dest / "posts.csv", index=False)
    funded = establishment if establishment is not None else consultants
    cons = _cut(
        read_bundled("consultants.csv"),
        pairs,
        {"consultants": consultants, "establishment": funded},
    )
    cons.to_csv(dest / "consultants.csv", index=False)
    return dest


def _cut(
    table: pd.DataFrame, pairs: pd.MultiIndex, fixed: Mapping[str, int | None]
) -> pd.DataFrame:
    """Rows of a (trust, specialty) table for the kept pairs; fixed counts fill every pair."""
    keyed = table.set_index(["trust_code", "specialty_code"])
    if all(v is None for v in fixed.values()):
        return keyed[keyed.index.isin(pairs)].reset_index()
    out = keyed.reindex(pairs).fillna("0")
    for column, value in fixed.items():
        if value is not None:
            out[column] = str(int(value))
    return out.reset_index()


def add_tariff_post(folder: Path, trust: str, specialty: str, n: int = 1) -> None:
    """Add `n` tariff posts of `specialty` at `trust` in a data directory (in place)."""
    path = Path(folder) / "posts.csv"
    posts = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = (posts["trust_code"] == trust) & (posts["specialty_code"] == specialty)
    if hit.any():
        now = posts.loc[hit, "tariff_posts"].astype(int)
        posts.loc[hit, "tariff_posts"] = (now + n).astype(str)
    else:
        row = {
            "trust_code": trust,
            "specialty_code": specialty,
            "tariff_posts": str(n),
            "trust_funded_posts": "0",
        }
        posts = pd.concat([posts, pd.DataFrame([row])], ignore_index=True)
    posts.to_csv(path, index=False)
