"""Load and validate an England data directory: the bundled `sim/england` or a user's own.

A data directory holds seven CSV files (UTF-8, header row) with exactly the columns of `SCHEMA`.
`load_data_dir` checks every file and raises one `DataError` for the first problem it finds,
naming the file, the 1-based data row (row 1 = the first line after the header) and the column.
The files and their columns are described in `sim/england/SOURCES.md`.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.inputs import InputError

BUNDLED_DIR = Path(__file__).resolve().parent / "england"

# Column kinds: code/text = required text, note = optional text, count = whole number >= 0,
# amount = number >= 0, positive = number > 0, share = number in 0..1, lat/lon = inside England,
# level/group/need = one of ENTRY_LEVELS / GROUPS / NEED_COMPONENTS.
SCHEMA: dict[str, dict[str, str]] = {
    "regions.csv": {"region_code": "code", "region_name": "text"},
    "local_offices.csv": {"lo_code": "code", "lo_name": "text", "region_code": "code"},
    "icbs.csv": {
        "icb_code": "code",
        "icb_name": "text",
        "region_code": "code",
        "lo_code": "code",
        "population": "count",
        "registered_population": "amount",
        "need_overall": "amount",
        "need_general_acute": "amount",
        "need_maternity": "amount",
        "need_mental_health": "amount",
        "need_health_inequalities": "amount",
        "core20_share": "share",
    },
    "trusts.csv": {
        "trust_code": "code",
        "trust_name": "text",
        "region_code": "code",
        "icb_code": "code",
        "lo_code": "code",
        "lat": "lat",
        "lon": "lon",
        "sites": "count",
    },
    "specialties.csv": {
        "specialty_code": "code",
        "specialty_name": "text",
        "group": "group",
        "entry_level": "level",
        "training_years": "positive",
        "intake_per_year": "amount",
        "applications_per_year": "amount",
        "applicants_per_year": "amount",
        "attrition_per_year": "share",
        "attrition_early": "share",
        "ltft_share": "share",
        "need_component": "need",
        "london_factor": "positive",
        "consultants_national": "count",
        "source": "note",
    },
    "posts.csv": {
        "trust_code": "code",
        "specialty_code": "code",
        "tariff_posts": "count",
        "trust_funded_posts": "count",
    },
    "consultants.csv": {
        "trust_code": "code",
        "specialty_code": "code",
        "consultants": "count",
        "establishment": "count",
    },
}
KEYS: dict[str, tuple[str, ...]] = {
    "regions.csv": ("region_code",),
    "local_offices.csv": ("lo_code",),
    "icbs.csv": ("icb_code",),
    "trusts.csv": ("trust_code",),
    "specialties.csv": ("specialty_code",),
    "posts.csv": ("trust_code", "specialty_code"),
    "consultants.csv": ("trust_code", "specialty_code"),
}
# column -> file whose key (a column of the same name) it must match
FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "local_offices.csv": {"region_code": "regions.csv"},
    "icbs.csv": {"region_code": "regions.csv", "lo_code": "local_offices.csv"},
    "trusts.csv": {
        "region_code": "regions.csv",
        "icb_code": "icbs.csv",
        "lo_code": "local_offices.csv",
    },
    "posts.csv": {"trust_code": "trusts.csv", "specialty_code": "specialties.csv"},
    "consultants.csv": {"trust_code": "trusts.csv", "specialty_code": "specialties.csv"},
}
LAT_RANGE = (49.8, 55.9)  # England's extent (Isles of Scilly to the Scottish border)
LON_RANGE = (-6.5, 1.9)
ENTRY_LEVELS = (1, 2, 3, 4)  # ST1/CT1 .. ST4 (ST2 for the rare ST2 entry)
GROUPS = ("medicine", "surgery", "psychiatry", "women_children", "diagnostics", "acute", "other")
NEED_COMPONENTS = ("overall", "general_acute", "maternity", "mental_health")  # icbs need_* columns
_MISSING = {"", "nan", "na", "n/a", "null", "none"}


class DataError(InputError):
    """A data directory problem: names the file and, where it applies, the row and column."""

    def __init__(
        self, file: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        where = file + (f" row {row}" if row is not None else "")
        if column is not None:
            where += f"{',' if row is not None else ''} column '{column}'"
        self.file, self.row, self.column, self.reason = file, row, column, message
        self.message = f"{where}: {message}"
        super().__init__(self.message)


@dataclass(frozen=True, eq=False)
class EnglandData:
    """The validated tables of one data directory (one DataFrame per file)."""

    regions: pd.DataFrame
    local_offices: pd.DataFrame
    icbs: pd.DataFrame
    trusts: pd.DataFrame
    specialties: pd.DataFrame
    posts: pd.DataFrame
    consultants: pd.DataFrame
    source: Path


def _read(path: Path) -> pd.DataFrame:
    """Read one CSV as text (all columns str, nothing converted, whitespace stripped)."""
    _check_regular_file(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(path.name, f"cannot read CSV: {exc}") from None
    except OSError as exc:
        raise DataError(path.name, f"cannot read: {exc}") from None
    return raw.apply(lambda s: s.str.strip())


def _first(mask: pd.Series | np.ndarray) -> int | None:
    """Position of the first True in `mask`, or None."""
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if len(hits) else None


def _fail_at(
    file: str, column: str, mask: pd.Series | np.ndarray, message: str, values: pd.Series
) -> None:
    """Raise for the first row where `mask` holds; `{v}` in `message` is that row's value."""
    i = _first(mask)
    if i is not None:
        raise DataError(file, message.format(v=values.iloc[i]), row=i + 1, column=column)


def _column(file: str, name: str, kind: str, text: pd.Series) -> pd.Series:
    """Check and convert one column by its kind; raise on the first bad value."""
    missing = text.str.lower().isin(_MISSING)
    if kind == "note":
        return text
    _fail_at(file, name, missing, "missing value", text)
    if kind in ("code", "text", "group", "need"):
        allowed = {"group": GROUPS, "need": NEED_COMPONENTS}.get(kind)
        if allowed is not None:
            options = ", ".join(allowed)
            _fail_at(file, name, ~text.isin(allowed), f"unknown {name} '{{v}}' ({options})", text)
        return text
    values = pd.to_numeric(text, errors="coerce").astype(float)
    _fail_at(file, name, values.isna(), "not a number '{v}'", text)
    _fail_at(file, name, ~np.isfinite(values), "not a finite number '{v}'", text)
    whole = kind in ("count", "level")
    if whole:
        _fail_at(file, name, values % 1 != 0, "not a whole number {v}", text)
        _fail_at(file, name, values.abs() > MAX_WHOLE, "{v} is too large a number", text)
    (lat0, lat1), (lon0, lon1) = LAT_RANGE, LON_RANGE
    checks: dict[str, tuple[pd.Series, str]] = {
        "count": (values < 0, "negative count {v}"),
        "amount": (values < 0, "negative value {v}"),
        "positive": (values <= 0, "must be > 0, got {v}"),
        "share": ((values < 0) | (values > 1), "share {v} outside 0..1"),
        "lat": ((values < lat0) | (values > lat1), f"latitude {{v}} outside England {LAT_RANGE}"),
        "lon": ((values < lon0) | (values > lon1), f"longitude {{v}} outside England {LON_RANGE}"),
        "level": (~values.isin(ENTRY_LEVELS), f"must be one of {ENTRY_LEVELS}, got {{v}}"),
    }
    bad, message = checks[kind]
    _fail_at(file, name, bad, message, text)
    return values.astype(np.int64) if whole else values


def _table(folder: Path, file: str) -> pd.DataFrame:
    """Read one file, check its columns, values and key; return the typed table."""
    raw = _read(folder / file)
    schema = SCHEMA[file]
    missing = [c for c in schema if c not in raw.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        raise DataError(file, f"missing column(s) {names}", column=missing[0])
    unknown = [c for c in raw.columns if c not in schema]
    if unknown:
        names = ", ".join(f"'{c}'" for c in unknown)
        raise DataError(file, f"unknown column(s) {names}", column=unknown[0])
    if raw.empty:
        raise DataError(file, "no data rows")
    table = pd.DataFrame(
        {name: _column(file, name, kind, raw[name]) for name, kind in schema.items()}
    )
    key = list(KEYS[file])
    dup = table.duplicated(key, keep="first")
    i = _first(dup)
    if i is not None:
        value = tuple(table.iloc[i][key])
        first = _first((table[key] == table.iloc[i][key]).all(axis=1))
        shown = value[0] if len(key) == 1 else value
        raise DataError(
            file,
            f"duplicate {' + '.join(key)} {shown!r} (first in row {(first or 0) + 1})",
            row=i + 1,
            column=key[0] if len(key) == 1 else None,
        )
    return table


def load_data_dir(path: Path | None = None) -> EnglandData:
    """Load and validate a data directory (None = the bundled England data in `sim/england`).

    Raises DataError (a ValueError) naming the file, row and column of the first problem.
    """
    folder = Path(path) if path is not None else BUNDLED_DIR
    if not folder.is_dir():
        raise DataError(str(folder), "data directory not found")
    tables: dict[str, pd.DataFrame] = {}
    for file in SCHEMA:
        table = _table(folder, file)
        for column, parent in FOREIGN_KEYS.get(file, {}).items():
            known = tables[parent][column]
            message = f"unknown {column} '{{v}}' (not in {parent})"
            _fail_at(file, column, ~table[column].isin(known), message, table[column])
        tables[file] = table
    check_bounds(tables)
    check_consistency(tables)
    return EnglandData(**{f.removesuffix(".csv"): t for f, t in tables.items()}, source=folder)


# --- file kinds, bounds and cross-file consistency ----------------------------------------------
MAX_WHOLE = 2**53  # whole numbers above this are not exact as floats (nor safe as int64 sums)
MAX_CSV_BYTES = 50_000_000  # the largest bundled file (posts.csv) is about 0.1 MB
# Upper bounds per column: far above England's largest value, low enough that sums and the
# arrays built from them stay in memory and inside 64-bit integers.
UPPER: dict[tuple[str, str], float] = {
    ("icbs.csv", "population"): 1e8,  # England: 57 million people in all (largest ICB 3.0m)
    ("icbs.csv", "registered_population"): 1e8,
    ("icbs.csv", "need_overall"): 1e8,
    ("icbs.csv", "need_general_acute"): 1e8,
    ("icbs.csv", "need_maternity"): 1e8,
    ("icbs.csv", "need_mental_health"): 1e8,
    ("icbs.csv", "need_health_inequalities"): 1e8,
    ("trusts.csv", "sites"): 1_000,  # the largest bundled trust has 15 sites
    ("specialties.csv", "training_years"): 20,  # the longest bundled training is 8 years
    ("specialties.csv", "intake_per_year"): 100_000,  # bundled: at most 568 a year
    ("specialties.csv", "applications_per_year"): 1_000_000,  # bundled: at most 1,620
    ("specialties.csv", "applicants_per_year"): 1_000_000,
    ("specialties.csv", "london_factor"): 100,  # bundled: at most 2.8
    ("specialties.csv", "consultants_national"): 1_000_000,  # bundled: at most 5,711
    ("posts.csv", "tariff_posts"): 100_000,  # bundled: at most 152 per trust and specialty
    ("posts.csv", "trust_funded_posts"): 100_000,
    ("consultants.csv", "consultants"): 100_000,  # bundled: at most 175
    ("consultants.csv", "establishment"): 100_000,  # bundled: at most 191
}
# Totals over a file: about 30x England's posts (31,056) or consultants (about 50,000), so that
# a run's agent arrays stay well inside memory.
TOTALS: dict[str, tuple[tuple[str, ...], int]] = {
    "posts.csv": (("tariff_posts", "trust_funded_posts"), 1_000_000),
    "consultants.csv": (("consultants",), 1_500_000),
}


def _check_regular_file(path: Path) -> None:
    """A data file must be a regular file (not a folder, device or pipe) of sensible size."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataError(path.name, f"file not found in {path.parent}") from None
    except (OSError, ValueError) as exc:
        raise DataError(path.name, f"cannot read: {exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(path.name, f"is a folder, not a CSV file (in {path.parent})")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(path.name, "not a regular file (a device, pipe or socket); not read")
    if info.st_size > MAX_CSV_BYTES:
        raise DataError(
            path.name, f"{info.st_size:,} bytes; a data file may hold {MAX_CSV_BYTES:,}"
        )


def check_bounds(tables: dict[str, pd.DataFrame]) -> None:
    """Every bounded column at most its UPPER bound, every TOTALS sum within its limit."""
    for (file, column), high in UPPER.items():
        if file in tables and column in tables[file]:
            values = tables[file][column]
            _fail_at(file, column, values > high, f"{{v}} is above the limit {high:,.0f}", values)
    for file, (columns, high) in TOTALS.items():
        if file in tables:
            total = int(sum(tables[file][c].sum() for c in columns if c in tables[file]))
            if total > high:
                raise DataError(
                    file, f"{' + '.join(columns)} add up to {total:,}; at most {high:,} in all"
                )


def check_consistency(tables: dict[str, pd.DataFrame]) -> None:
    """Geography agrees across files, and every region and local office has people and need.

    A trust lies in its ICB's region and local office; every region and local office has at
    least one ICB; a local office's region is the one holding most of its ICBs' population (as
    sim/england/SOURCES.md defines it); every region has a positive population and positive
    need in every need column (need shares divide by them).
    """
    regions, los = tables["regions.csv"], tables["local_offices.csv"]
    icbs, trusts = tables["icbs.csv"], tables["trusts.csv"]
    by_icb = icbs.set_index("icb_code")
    for column in ("region_code", "lo_code"):
        theirs = trusts["icb_code"].map(by_icb[column])
        _fail_at(
            "trusts.csv",
            column,
            trusts[column] != theirs,
            f"'{{v}}' differs from the {column} of the trust's ICB in icbs.csv",
            trusts[column],
        )
    for file, table, code in (
        ("regions.csv", regions, "region_code"),
        ("local_offices.csv", los, "lo_code"),
    ):
        _fail_at(
            file,
            code,
            ~table[code].isin(icbs[code]),
            "'{v}' has no ICB in icbs.csv",
            table[code],
        )
    population = icbs.groupby(["lo_code", "region_code"])["population"].sum()
    largest = population.groupby(level="lo_code").idxmax().map(lambda pair: pair[1])
    _fail_at(
        "local_offices.csv",
        "region_code",
        los["region_code"] != los["lo_code"].map(largest),
        "'{v}' is not the region holding most of this local office's ICB population",
        los["region_code"],
    )
    need = [c for c in icbs.columns if c == "population" or c.startswith("need_")]
    sums = icbs.groupby("region_code")[need].sum()
    for column in need:
        for code in regions["region_code"]:
            total = float(sums.at[code, column])
            if not total > 0:
                raise DataError(
                    "icbs.csv",
                    f"the ICBs of region {code} have {column} {total:g} in all; it must be > 0",
                    column=column,
                )
