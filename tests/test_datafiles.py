"""Tests of the bundled England data, its loader/validator and its reproducible build."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.datafiles import BUNDLED_DIR, SCHEMA, DataError, EnglandData, load_data_dir
from sim.rounding import largest_remainder

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SOURCES_MD = (BUNDLED_DIR / "SOURCES.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data() -> EnglandData:
    return load_data_dir()


def london_share(data: EnglandData, specialty: str | None = None) -> float:
    posts = data.posts.merge(data.trusts[["trust_code", "region_code"]], on="trust_code")
    if specialty is not None:
        posts = posts[posts["specialty_code"] == specialty]
    london = posts.loc[posts["region_code"] == "Y56", "tariff_posts"].sum()
    return london / posts["tariff_posts"].sum()


# --- the bundled data -------------------------------------------------------------------------


def test_bundled_data_loads_with_the_schema(data):
    assert data.source == BUNDLED_DIR
    for file, columns in SCHEMA.items():
        table = getattr(data, file.removesuffix(".csv"))
        assert list(table.columns) == list(columns)
        assert len(table) > 0
    assert data.posts["tariff_posts"].dtype == np.int64
    assert data.trusts["lat"].dtype == np.float64


def test_geography_totals(data):
    assert len(data.regions) == 7
    assert set(data.regions["region_code"]) == {f"Y{n}" for n in (56, 58, 59, 60, 61, 62, 63)}
    assert len(data.local_offices) == 12
    assert len(data.icbs) == 42
    assert data.icbs["population"].sum() == 57_106_398
    assert 120 <= len(data.trusts) <= 130
    assert data.icbs["icb_code"].isin(data.trusts["icb_code"]).all()  # every ICB has a trust
    lo_pop = data.icbs.groupby("lo_code")["population"].sum()
    assert lo_pop["LDN"] == 8_866_180  # docs/sources.md §1.2 / §1.3
    assert lo_pop["KSS"] == 5_428_914
    assert 0 <= data.icbs["core20_share"].min() and data.icbs["core20_share"].max() < 0.6


def test_trusts_consistent_with_their_icb(data):
    icb = data.icbs.set_index("icb_code")
    assert (data.trusts["lo_code"].to_numpy() == icb.loc[data.trusts["icb_code"], "lo_code"]).all()
    region = icb.loc[data.trusts["icb_code"], "region_code"].to_numpy()
    assert (data.trusts["region_code"].to_numpy() == region).all()
    assert (data.trusts["sites"] >= 1).all()


def test_specialties(data):
    spec = data.specialties.set_index("specialty_code")
    assert len(spec) >= 28
    for code in ("cardiology", "haematology", "obstetrics_gynaecology", "paediatrics"):
        assert code in spec.index
    assert not spec.index.str.contains("general_practice").any()
    assert tuple(spec.loc["cardiology", ["entry_level", "training_years"]]) == (4, 5)
    assert tuple(spec.loc["haematology", ["entry_level", "training_years"]]) == (3, 5)
    assert tuple(spec.loc["obstetrics_gynaecology", ["entry_level", "training_years"]]) == (1, 7)
    assert spec.loc["obstetrics_gynaecology", "need_component"] == "maternity"
    og = spec.loc["obstetrics_gynaecology"]
    # ~30% never complete (docs/sources.md §4.3) over the real time in training (7 years x 1.15)
    completion = (1 - og["attrition_early"]) * math.exp(-og["attrition_per_year"] * 7 * 1.15)
    assert completion == pytest.approx(0.70, abs=0.001)


def test_totals_stated_in_sources_md(data):
    tariff = int(data.posts["tariff_posts"].sum())
    funded = int(data.posts["trust_funded_posts"].sum())
    consultants = int(data.consultants["consultants"].sum())
    for number in (57_106_398, tariff, funded, consultants, len(data.posts), len(data.trusts)):
        assert f"{number:,}" in SOURCES_MD, number
    assert f"{london_share(data, 'haematology'):.1%}" in SOURCES_MD
    assert f"{london_share(data):.1%}" in SOURCES_MD
    assert "SYNTHETIC" in SOURCES_MD


def test_posts_and_consultants_match_national_totals(data):
    spec = data.specialties.set_index("specialty_code")
    tariff = data.posts.groupby("specialty_code")["tariff_posts"].sum()
    expected = spec["intake_per_year"] * spec["training_years"] * 1.15
    assert (tariff.reindex(spec.index) - expected).abs().max() <= 1  # intake rounded to 0.01
    consultants = data.consultants.groupby("specialty_code")["consultants"].sum()
    assert (consultants.reindex(spec.index) == spec["consultants_national"]).all()
    assert spec.loc["cardiology", "consultants_national"] == 1653


def test_london_share_of_haematology_posts(data):
    assert 0.30 <= london_share(data, "haematology") <= 0.38  # docs/sources.md §3.1: about 34%
    assert 0.24 <= london_share(data, "paediatrics") <= 0.28  # docs/sources.md §3.3: 25.7%
    assert london_share(data) > 0.155  # London over-represented against its population


def test_largest_remainder_is_exact_and_deterministic():
    assert largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    split = largest_remainder(431, np.array([8.87, 5.43, 1.80, 3.0]))
    assert split.sum() == 431
    assert largest_remainder(0, np.array([1.0])).tolist() == [0]


# --- malformed directories ---------------------------------------------------------------------


def corrupted(tmp_path: Path, file: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    """Copy the bundled CSVs to tmp_path and apply `edit` to one file (as text)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for csv in BUNDLED_DIR.glob("*.csv"):
        shutil.copy(csv, folder / csv.name)
    table = pd.read_csv(folder / file, dtype=str, keep_default_na=False, encoding="utf-8")
    edit(table).to_csv(folder / file, index=False, encoding="utf-8", lineterminator="\n")
    return folder


def set_cell(row: int, column: str, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Edit setting one cell; `row` is the 1-based data row."""

    def edit(table: pd.DataFrame) -> pd.DataFrame:
        table.loc[row - 1, column] = value
        return table

    return edit


def copy_cell(row: int, column: str, from_row: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Edit copying a cell from another row (to make a duplicate key)."""

    def edit(table: pd.DataFrame) -> pd.DataFrame:
        table.loc[row - 1, column] = table.loc[from_row - 1, column]
        return table

    return edit


CASES = [
    # (id, file, edit, row, column, words in the message)
    ("missing column", "posts.csv", lambda t: t.drop(columns=["tariff_posts"]), None,
     "tariff_posts", "missing column"),
    ("unknown column", "icbs.csv", lambda t: t.assign(extra="1"), None, "extra",
     "unknown column"),
    ("negative count", "posts.csv", set_cell(12, "tariff_posts", "-3"), 12, "tariff_posts",
     "negative count -3"),
    ("unknown trust", "consultants.csv", set_cell(5, "trust_code", "QQQ"), 5, "trust_code",
     "unknown trust_code 'QQQ' (not in trusts.csv)"),
    ("unknown specialty", "posts.csv", set_cell(8, "specialty_code", "astrology"), 8,
     "specialty_code", "not in specialties.csv"),
    ("latitude outside England", "trusts.csv", set_cell(3, "lat", "60.1"), 3, "lat",
     "outside England"),
    ("longitude outside England", "trusts.csv", set_cell(7, "lon", "2.5"), 7, "lon",
     "outside England"),
    ("non-numeric", "icbs.csv", set_cell(4, "population", "lots"), 4, "population",
     "not a number 'lots'"),
    ("not whole", "posts.csv", set_cell(2, "tariff_posts", "2.5"), 2,
     "tariff_posts", "not a whole number"),
    ("duplicate key", "trusts.csv", copy_cell(10, "trust_code", 2), 10, "trust_code",
     "duplicate trust_code"),
    ("unknown region", "local_offices.csv", set_cell(2, "region_code", "Y99"), 2, "region_code",
     "unknown region_code 'Y99' (not in regions.csv)"),
    ("unknown region of trust", "trusts.csv", set_cell(6, "region_code", "Y99"), 6,
     "region_code", "not in regions.csv"),
    ("unknown icb", "trusts.csv", set_cell(9, "icb_code", "QZZ"), 9, "icb_code",
     "not in icbs.csv"),
    ("missing value", "specialties.csv", set_cell(3, "ltft_share", ""), 3, "ltft_share",
     "missing value"),
    ("NaN value", "icbs.csv", set_cell(5, "need_overall", "NaN"), 5, "need_overall",
     "missing value"),
    ("share above 1", "specialties.csv", set_cell(5, "attrition_per_year", "1.5"), 5,
     "attrition_per_year", "outside 0..1"),
    ("core20 negative", "icbs.csv", set_cell(1, "core20_share", "-0.1"), 1, "core20_share",
     "outside 0..1"),
    ("zero training years", "specialties.csv", set_cell(4, "training_years", "0"), 4,
     "training_years", "must be > 0"),
    ("bad entry level", "specialties.csv", set_cell(6, "entry_level", "5"), 6, "entry_level",
     "must be one of"),
    ("bad need component", "specialties.csv", set_cell(2, "need_component", "dental"), 2,
     "need_component", "unknown need_component 'dental'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "edit", "row", "column", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_directory_raises_one_clear_error(tmp_path, file, edit, row, column, words):
    folder = corrupted(tmp_path, file, edit)
    with pytest.raises(DataError) as info:
        load_data_dir(folder)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.file, err.row, err.column) == (file, row, column)
    assert words in str(err)
    assert str(err).startswith(file)


def test_error_message_format(tmp_path):
    folder = corrupted(tmp_path, "posts.csv", set_cell(12, "tariff_posts", "-3"))
    with pytest.raises(DataError) as info:
        load_data_dir(folder)
    assert str(info.value) == "posts.csv row 12, column 'tariff_posts': negative count -3"
    assert info.value.message == str(info.value)


def test_duplicate_composite_key(tmp_path):
    def dup(table: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([table, table.iloc[[3]]], ignore_index=True)

    folder = corrupted(tmp_path, "posts.csv", dup)
    with pytest.raises(DataError, match="duplicate trust_code \\+ specialty_code") as info:
        load_data_dir(folder)
    assert info.value.row == len(pd.read_csv(folder / "posts.csv"))
    assert "first in row 4" in str(info.value)


def test_missing_file_and_directory(tmp_path):
    folder = corrupted(tmp_path, "posts.csv", lambda t: t)
    (folder / "regions.csv").unlink()
    with pytest.raises(DataError) as info:
        load_data_dir(folder)
    assert (info.value.file, info.value.row, info.value.column) == ("regions.csv", None, None)
    assert "not found" in str(info.value)
    with pytest.raises(DataError, match="not found"):
        load_data_dir(tmp_path / "nowhere")


# --- reproducible build ------------------------------------------------------------------------


def generated_blocks(text: str) -> dict[str, str]:
    """{name: text} of the <!-- BEGIN/END GENERATED: name --> blocks of a SOURCES.md."""
    pattern = r"<!-- BEGIN GENERATED: ([\w-]+) -->\n(.*?)<!-- END GENERATED: \1 -->"
    return dict(re.findall(pattern, text, flags=re.DOTALL))


def test_build_script_reproduces_bundled_csvs_and_sources_md(tmp_path):
    # No skip: ../shared/data is part of the checkout the build is tested against.
    assert (SHARED / "sources").is_dir(), f"shared data missing at {SHARED}"
    out = tmp_path / "england"
    subprocess.run(
        [sys.executable, "-m", "scripts.build_data", "--shared", str(SHARED), "--out", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    bundled = sorted(p.name for p in BUNDLED_DIR.glob("*.csv"))
    assert bundled == sorted(SCHEMA)
    assert sorted(p.name for p in out.glob("*.csv")) == bundled
    for name in bundled:
        assert (out / name).read_bytes() == (BUNDLED_DIR / name).read_bytes(), name
    load_data_dir(out)
    # SOURCES.md: the build copies the prose and regenerates the summary tables from the CSVs,
    # so the bundled tables must be exactly what the build writes.
    built = (out / "SOURCES.md").read_text(encoding="utf-8")
    blocks = generated_blocks(SOURCES_MD)
    assert sorted(blocks) == ["regions", "specialties", "totals"]
    assert generated_blocks(built) == blocks
    assert built == SOURCES_MD
