"""Trusts: the few hundred employers of trainees and consultants, as ordinary Mesa agents."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel


class Trust(mesa.Agent):
    """An acute NHS trust; its posts, trainees and consultants live in the column stores."""

    def __init__(self, model: TraineeFlowModel, index: int) -> None:
        super().__init__(model)
        w = model.world
        row = w.data.trusts.iloc[index]
        self.index = index
        self.code: str = row["trust_code"]
        self.name: str = row["trust_name"]
        self.region: str = row["region_code"]
        self.icb: str = row["icb_code"]
        self.local_office: str = row["lo_code"]
        self.lat: float = float(row["lat"])
        self.lon: float = float(row["lon"])

    @property
    def trainees(self) -> int:
        """Trainees in programme currently in a post at this trust."""
        m = self.model
        rows = m.in_training()
        return int(np.count_nonzero(m.trainees.trust[rows] == self.index))

    @property
    def posts(self) -> int:
        """Active training posts at this trust."""
        p = self.model.posts
        return int(np.count_nonzero(p.active[: p.n] & (p.trust[: p.n] == self.index)))

    @property
    def consultants(self) -> int:
        """Consultants in post at this trust (all specialties)."""
        return int(self.model.filled[self.index].sum())
