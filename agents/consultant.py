"""Consultants: state schema. Their exit (retirement or leaving) month is drawn when they start."""

from __future__ import annotations

import numpy as np

from agents.columns import NEVER, ColumnStore
from agents.due import DueWindow

INITIAL, FROM_CCT, INTERNATIONAL = 0, 1, 2


class Consultants(ColumnStore):
    """All consultants ever in post, column-wise."""

    schema = {
        "trust": (np.int16, -1),
        "spec": (np.int16, -1),
        "slot": (np.uint64, 0),
        "origin": (np.int8, INITIAL),
        "trainee": (np.int32, -1),  # trainee row for consultants who trained in the model
        "start_t": (np.int32, 0),
        "age_at_start": (np.float32, 0.0),
        "exit_due": (np.int32, NEVER),
        "active": (np.bool_, True),
    }

    def __init__(self, capacity: int = 1024) -> None:
        super().__init__(capacity)
        self.exit_window = DueWindow()  # rows by exit month
