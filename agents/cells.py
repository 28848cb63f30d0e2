"""Trust x specialty cells: funded consultant posts, consultants in post, training capacity.

This store is the one owner of that state. `filled` changes only through `fill` and `vacate`
(called by the consultant appointment and exit functions of `sim/consultant_market.py`), so it
is always the count of consultants in post.
"""

from __future__ import annotations

import numpy as np


class TrustCells:
    """State of every trust x specialty cell (n_trusts x n_specs arrays)."""

    def __init__(self, establishment: np.ndarray, vacant_months: np.ndarray) -> None:
        self.establishment = establishment.astype(np.int64)  # funded consultant posts
        self.filled = np.zeros_like(self.establishment)  # consultants in post
        self.vacant_months = vacant_months.astype(np.int64)  # months with an open vacancy
        self.capacity = np.zeros(self.establishment.shape)  # training posts the cell can supervise
        self.created_this_year = 0  # consultant posts created for waiting candidates this year

    def fill(self, trust: np.ndarray, spec: np.ndarray) -> None:
        """One consultant appointed per (trust, spec) pair."""
        np.add.at(self.filled, (trust, spec), 1)

    def vacate(self, trust: np.ndarray, spec: np.ndarray) -> None:
        """One consultant gone per (trust, spec) pair."""
        np.subtract.at(self.filled, (trust, spec), 1)

    def vacancies(self) -> np.ndarray:
        """Consultant vacancies: funded posts without a holder."""
        return np.maximum(self.establishment - self.filled, 0)

    def age_vacancies(self) -> None:
        """Months each cell has had an open consultant vacancy advance (0 when none)."""
        self.vacant_months += 1  # in place: no new arrays a month
        self.vacant_months *= self.establishment > self.filled
