"""Training posts: state schema. A post belongs to a trust and a specialty and has one holder."""

from __future__ import annotations

import numpy as np

from agents.columns import NEVER, ColumnStore

TARIFF, TRUST_FUNDED, EXPANSION = 0, 1, 2


class Posts(ColumnStore):
    """All training posts ever established, column-wise."""

    schema = {
        "trust": (np.int16, -1),
        "spec": (np.int16, -1),
        "funding": (np.int8, TARIFF),
        "slot": (np.uint64, 0),  # permanent random-number slot (specialty, ordinal)
        "holder": (np.int32, -1),  # trainee row holding the post (-1 vacant)
        "active": (np.bool_, True),  # False once an expansion post has ended
        "end_t": (np.int32, NEVER),  # month a time-limited post ends
        "moves": (np.int16, 0),  # times moved by the redistribution programme
    }

    def live(self) -> np.ndarray:
        """Row ids of active posts."""
        return np.flatnonzero(self.active[: self.n])

    def vacant(self) -> np.ndarray:
        """Row ids of active posts without a holder."""
        n = self.n
        return np.flatnonzero(self.active[:n] & (self.holder[:n] < 0))
