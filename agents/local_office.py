"""Local offices (former HEE deaneries): they run recruitment, rotations and IDTs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel


class LocalOffice(mesa.Agent):
    """A postgraduate local office; its trainees rotate among its trusts."""

    def __init__(self, model: TraineeFlowModel, index: int) -> None:
        super().__init__(model)
        row = model.world.data.local_offices.iloc[index]
        self.index = index
        self.code: str = row["lo_code"]
        self.name: str = row["lo_name"]
        self.region: str = row["region_code"]

    @property
    def trust_indices(self) -> np.ndarray:
        """Indices of the trusts of this office."""
        return np.flatnonzero(self.model.world.trust_lo == self.index)

    @property
    def trainees(self) -> int:
        """Trainees in programme with this office."""
        m = self.model
        rows = m.in_training()
        return int(np.count_nonzero(m.trainees.lo[rows] == self.index))
