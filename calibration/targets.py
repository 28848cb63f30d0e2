"""Calibration targets: what the default England run must reproduce, read from targets.csv.

`calibration/targets.csv` holds one row per target: its name (the outcome the model measures),
the observed value, the tolerance (absolute, following the source's own uncertainty; the
`tolerance_basis` column says why), unit, the years it describes, what exactly the model measures,
the source (with its docs/sources.md section) and the source's URL.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sim.outputs import RunResult

COLUMNS = (
    "name",
    "observed",
    "tolerance",
    "unit",
    "years",
    "measure",
    "source",
    "url",
    "tolerance_basis",
)


@dataclass(frozen=True)
class Target:
    """A published figure the model should reproduce within a tolerance."""

    name: str  # the outcome's name (a run summary key, or one of DERIVED)
    value: float
    tolerance: float  # absolute
    unit: str
    years: str
    measure: str  # what the model measures
    source: str  # with its docs/sources.md section
    url: str
    tolerance_basis: str

    def holds(self, simulated: float) -> bool:
        """Whether a simulated value is within tolerance (NaN never is)."""
        return abs(simulated - self.value) <= self.tolerance

    @property
    def range(self) -> tuple[float, float]:
        """The accepted range: observed -/+ tolerance."""
        return self.value - self.tolerance, self.value + self.tolerance

    def of(self, run: RunResult) -> float:
        """The target's outcome in one run."""
        derive = DERIVED.get(self.name)
        if derive is not None:
            return derive(run)
        return float(run.summary.get(self.name, math.nan))


def idt_placed_share(run: RunResult) -> float:
    """IDT placements / IDT applications over the run."""
    from results.metrics import ratio

    return float(ratio(run.summary["idt_placed"], run.summary["idt_applications"]))


DERIVED = {"idt_placed_share": idt_placed_share}


def targets_file() -> Path:
    """The bundled targets.csv."""
    return Path(str(resources.files("calibration") / "targets.csv"))


def load_targets(path: Path | None = None) -> tuple[Target, ...]:
    """Every target of a targets file (the bundled one by default)."""
    path = targets_file() if path is None else path
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        if tuple(row) != COLUMNS:
            raise ValueError(f"{path}: columns must be {', '.join(COLUMNS)}")
        out.append(
            Target(
                row["name"],
                float(row["observed"]),
                float(row["tolerance"]),
                row["unit"],
                row["years"],
                row["measure"],
                row["source"],
                row["url"],
                row["tolerance_basis"],
            )
        )
    return tuple(out)


TARGETS = load_targets()
