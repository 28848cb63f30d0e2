"""Load and validate the historic national series that drive and test a run from a past year.

A history directory (the bundled `sim/england/history`) holds two CSV files, each with comment
lines (`#`) on its sources, then a header row:

- `consultants.csv`: `year, consultants_fte, kind, source`: the national consultant series a
  hindcast is compared with;
- `training.csv`: `year, doctors_in_training, kind, source`: the index that scales training posts.

`kind` is `observed` (as published), `derived` (arithmetic on published figures) or `estimate`
(a judgement). Years are whole, strictly increasing, 1948-2100; values are positive numbers.
Any problem is one `DataError` naming the file, the data row and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.datafiles import DataError, _check_regular_file

HISTORY_DIR = Path(__file__).resolve().parent / "england" / "history"
KINDS = ("observed", "derived", "estimate")
FIRST_YEAR, LAST_YEAR = 1948, 2100  # the NHS began in 1948
MAX_VALUE = 10_000_000  # far above England's 60,000 doctors in training or 46,000 consultants
# ESTIMATE: the 37 modelled specialties' share of England's HCHS consultants (the rest: other
# pathology, genetics, dental, rehabilitation, sexual health; scripts/build_consultants.py)
MODELLED_SHARE = 0.89
FILES = {"consultants.csv": "consultants_fte", "training.csv": "doctors_in_training"}


@dataclass(frozen=True)
class Series:
    """One national series: values by year with each row's kind and source."""

    name: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    kinds: tuple[str, ...]
    sources: tuple[str, ...]

    def value(self, year: int) -> float:
        """The value of `year`, log-linearly interpolated between rows (not extrapolated)."""
        if not self.years[0] <= year <= self.years[-1]:
            raise DataError(
                self.name,
                f"no value for {year}: the series covers {self.years[0]}-{self.years[-1]}",
            )
        if year in self.years:
            return self.values[self.years.index(year)]
        return float(np.exp(np.interp(year, self.years, np.log(self.values))))

    def kind(self, year: int) -> str:
        """The row's kind, or 'estimate (interpolated)' between rows."""
        if year in self.years:
            return self.kinds[self.years.index(year)]
        return "estimate (interpolated)"

    def rows_between(self, first: int, last: int) -> list[int]:
        """Years with a row in first..last."""
        return [y for y in self.years if first <= y <= last]


@dataclass(frozen=True)
class HistoricSeries:
    """The consultant series (to compare with) and the training index (to drive posts)."""

    consultants: Series
    training: Series
    source: Path


def _rows(path: Path) -> list[dict[str, str]]:
    """Data rows of a CSV whose leading comment lines start with '#'."""
    _check_regular_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path.name, f"cannot read: {exc}") from None
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(path.name, f"cannot read CSV: {exc}") from None
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in rows]


def load_series(path: Path, value_column: str) -> Series:
    """One series file, validated."""
    file = path.name
    rows = _rows(path)
    expected = ["year", value_column, "kind", "source"]
    header = list(rows[0].keys()) if rows else []
    missing = [c for c in expected if c not in header]
    if not rows:
        raise DataError(file, "no data rows")
    if missing:
        raise DataError(
            file, f"missing column(s) {', '.join(map(repr, missing))}", column=missing[0]
        )
    years: list[int] = []
    values: list[float] = []
    for i, row in enumerate(rows, start=1):
        try:
            year = int(row["year"])
        except ValueError:
            raise DataError(file, f"not a whole year {row['year']!r}", i, "year") from None
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise DataError(file, f"year {year} outside {FIRST_YEAR}-{LAST_YEAR}", i, "year")
        if years and year <= years[-1]:
            raise DataError(file, f"year {year} does not follow {years[-1]}", i, "year")
        try:
            value = float(row[value_column])
        except ValueError:
            raise DataError(file, f"not a number {row[value_column]!r}", i, value_column) from None
        if not 0 < value <= MAX_VALUE:
            raise DataError(
                file, f"{value:g} outside 0 (excluded) to {MAX_VALUE:,}", i, value_column
            )
        if row["kind"] not in KINDS:
            raise DataError(file, f"unknown kind {row['kind']!r} ({', '.join(KINDS)})", i, "kind")
        if not row["source"]:
            raise DataError(file, "missing value", i, "source")
        years.append(year)
        values.append(value)
    return Series(
        file,
        tuple(years),
        tuple(values),
        tuple(r["kind"] for r in rows),
        tuple(r["source"] for r in rows),
    )


def load_history(path: Path | None = None) -> HistoricSeries:
    """The history directory (None = the bundled England series), validated."""
    folder = Path(path) if path is not None else HISTORY_DIR
    if not folder.is_dir():
        raise DataError(str(folder), "history directory not found")
    series = {name: load_series(folder / name, column) for name, column in FILES.items()}
    return HistoricSeries(series["consultants.csv"], series["training.csv"], folder)
