"""Column-wise agent storage: one NumPy array per attribute, an agent is a row id.

Rows are never reused, so a row id is a permanent identity; arrays grow by doubling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NEVER = np.iinfo(np.int32).max  # due month of an event that will not happen


class ColumnStore:
    """Growable set of same-length arrays described by a schema {name: (dtype, fill value)}."""

    schema: dict[str, tuple[Any, Any]] = {}

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._cap = max(int(capacity), 16)
        for name, (dtype, fill) in self.schema.items():
            setattr(self, name, np.full(self._cap, fill, dtype=dtype))

    def _grow(self, needed: int) -> None:
        cap = self._cap
        while cap < needed:
            cap *= 2
        for name, (dtype, fill) in self.schema.items():
            old = getattr(self, name)
            new = np.full(cap, fill, dtype=dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self._cap = cap

    def append(self, count: int, **values: np.ndarray | int | float) -> np.ndarray:
        """Add `count` rows with the given column values; returns their row ids."""
        unknown = set(values) - set(self.schema)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        if self.n + count > self._cap:
            self._grow(self.n + count)
        start, stop = self.n, self.n + count
        for name, value in values.items():
            getattr(self, name)[start:stop] = value
        self.n = stop
        return np.arange(start, stop)

    def row(self, i: int) -> dict[str, Any]:
        """All attributes of one agent as plain Python values."""
        if not 0 <= i < self.n:
            raise IndexError(f"no row {i} (rows 0..{self.n - 1})")
        return {name: getattr(self, name)[i].item() for name in self.schema}
