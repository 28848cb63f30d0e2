"""Consultants: state schema. Their exit (retirement or leaving) month is drawn when they start."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from agents.columns import NEVER, ColumnStore
from agents.due import DueWindow

INITIAL, FROM_CCT, INTERNATIONAL = 0, 1, 2


class Settled(NamedTuple):
    """CCT holders appointed by settlement this month whose rows are not written yet.

    Their cells are filled at once; their rows are written with the month's international
    recruits (`sim.consultant_market.appoint_month`), one append a month.
    """

    trust: np.ndarray
    spec: np.ndarray
    slot: np.ndarray
    trainee: np.ndarray  # trainee rows
    waited: np.ndarray  # years from CCT to appointment


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
        self.settled: Settled | None = None  # this month's settled CCT holders, not yet written
