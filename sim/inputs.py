"""Bounds on the numbers a user gives (seeds, years, replicates, counts) and the bad-input error.

Every entry point (the CLI, the Python API, experiment specs, data directories) checks what it is
given against these bounds before anything is simulated or written; a value outside them is one
`InputError` that names the option or key. `DataError`, `ScenarioError` and `StoreError` are
kinds of `InputError`, so a caller catches bad input with one class.
"""

from __future__ import annotations

from numbers import Integral

MAX_YEARS = 200  # longest horizon a run, comparison, calibration or experiment may ask for
MAX_SEED = 2**63 - 1  # seeds are stored as SQL BIGINT (signed 64-bit)
MAX_REPLICATES = 100_000  # replicates per scenario: 100,000 x 37 specialties fits a store
MAX_TRAJECTORIES = 1_000  # Morris trajectories: 1,000 x 6 runs is already a cluster job


class InputError(ValueError):
    """Bad user input: one message naming what is wrong and where; the CLI exits with code 2."""


def check_int(name: str, value: object, low: int, high: int) -> int:
    """`value` as a whole number in low..high, else an InputError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(f"{name} must be a whole number (got {value!r})")
    value = int(value)
    if value < low:
        raise InputError(f"{name} must be at least {low} (got {value})")
    if value > high:
        raise InputError(f"{name} must be at most {high:,} (got {value:,})")
    return value


def check_years(years: object, name: str = "years") -> int:
    """A horizon of 1 to MAX_YEARS years."""
    return check_int(name, years, 1, MAX_YEARS)


def check_seed(seed: object, name: str = "seed") -> int:
    """A seed of 0 to MAX_SEED."""
    return check_int(name, seed, 0, MAX_SEED)


def check_replicates(replicates: object, name: str = "replicates") -> int:
    """1 to MAX_REPLICATES replicates."""
    return check_int(name, replicates, 1, MAX_REPLICATES)
