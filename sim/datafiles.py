"""Load and validate an England data directory: the bundled `sim/england` or a user's own.

A data directory holds seven CSV files (UTF-8, header row) with exactly the columns of `SCHEMA`.
`load_data_dir` checks every file and raises one `DataError` for the first problem it finds,
naming the file, the 1-based data row (row 1 = the first line after the header) and the column.
The files and their columns are described in `sim/england/SOURCES.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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


class DataError(ValueError):
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
    if not path.is_file():
        raise DataError(path.name, f"file not found in {path.parent}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(path.name, f"cannot read CSV: {exc}") from exc
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
    return EnglandData(**{f.removesuffix(".csv"): t for f, t in tables.items()}, source=folder)
