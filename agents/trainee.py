"""Trainees: state schema (one array per attribute) and the rules of progress through training.

Due dates (Covasim style): at entry a trainee's attrition month is drawn, and its CCT month follows
from its progress rate; each month the model selects "whose date has come" in bulk. ARCP and LTFT
changes move the CCT date; nothing else does.
"""

from __future__ import annotations

import numpy as np

from agents.columns import NEVER, ColumnStore
from agents.due import DueWindow

IN_TRAINING, LEFT, SEEKING, CONSULTANT, LOST = 0, 1, 2, 3, 4
STATUS_NAMES = {
    IN_TRAINING: "in training",
    LEFT: "left training",
    SEEKING: "CCT, seeking a consultant post",
    CONSULTANT: "consultant",
    LOST: "CCT, no consultant post in England",
}

# Events of a trainee's story (history log codes).
EV_START, EV_ROTATE, EV_IDT, EV_LEAVE, EV_CCT, EV_SETTLE, EV_LOST = range(7)
EVENT_NAMES = (
    "started",
    "rotated",
    "inter-deanery transfer",
    "left training",
    "CCT",
    "first consultant post",
    "no consultant post",
)


class Trainees(ColumnStore):
    """All trainees ever recruited, column-wise."""

    schema = {
        "spec": (np.int16, -1),  # specialty index
        "slot": (np.uint64, 0),  # permanent random-number slot (specialty, ordinal)
        "status": (np.int8, IN_TRAINING),
        "post": (np.int32, -1),  # post row held (-1 none)
        "trust": (np.int16, -1),  # trust of the post held, or of the last post held
        "lo": (np.int16, -1),  # local office of the programme
        "home_lo": (np.int16, -1),  # applicant's home local office (preference)
        "start_t": (np.int32, 0),  # month entered the programme
        "end_t": (np.int32, NEVER),  # month left training (attrition, release or CCT)
        "attr_due": (np.int32, NEVER),  # month of attrition (drawn at entry)
        "cct_due": (np.int32, NEVER),  # month of CCT (moves with LTFT and extensions)
        "required": (np.float32, 0.0),  # FTE months required for CCT (grows with extensions)
        "prog": (np.float32, 0.0),  # FTE months completed as of prog_t
        "prog_t": (np.int32, 0),
        "fte": (np.float32, 1.0),  # 1.0 full time, else LTFT fraction
        "extensions": (np.int16, 0),
        "idts": (np.int16, 0),
        "seek_since": (np.int32, NEVER),  # month the CCT holder started seeking
        "consultant_trust": (np.int16, -1),  # first consultant post
    }

    def __init__(self, capacity: int = 1024) -> None:
        super().__init__(capacity)
        self.attr_window = DueWindow()  # rows by attrition month
        self.cct_window = DueWindow()  # rows by CCT month (rebuilt when ARCP moves CCT months)
        self.seeking = np.empty(0, dtype=np.int64)  # rows of CCT holders seeking a post, sorted
        self.first_in_training = 0  # no row below it is in training (none ever returns)

    def in_training(self) -> np.ndarray:
        """Rows of trainees in programme (ascending).

        Scans from `first_in_training`, which each call raises to the first row it finds: a
        trainee never returns to training, so rows below it are never in training again (by
        year 25 of a run, more than half of the rows ever created).
        """
        first = self.first_in_training
        rows = np.flatnonzero(self.status[first : self.n] == IN_TRAINING)
        rows += first
        self.first_in_training = int(rows[0]) if len(rows) else self.n
        return rows


def attrition_months(
    u: np.ndarray,
    rate: np.ndarray,
    early: np.ndarray,
    group: np.ndarray,
    survived: np.ndarray | None = None,
) -> np.ndarray:
    """Months from programme start to attrition, given survival to `survived` months (None: 0).

    Hazard: `rate` per year throughout, plus an early component spread evenly over the first
    24 months whose cumulative probability is `early` (O&G's ST1-2 losses); both are given per
    group (specialty), and `group` is each trainee's. Returns inf where the trainee never
    leaves. Inverse of the piecewise-linear cumulative hazard.
    """
    h = np.asarray(rate, float) / 12.0
    e = -np.log1p(-np.clip(np.asarray(early, float), 0.0, 0.999999)) / 24.0
    slope1 = h + e
    h, slope1, h24 = h.take(group), slope1.take(group), (24.0 * slope1).take(group)
    target = -np.log(u)  # cumulative hazard at attrition: survived's plus an Exp(1) draw
    if survived is not None:
        a0 = np.asarray(survived, float)
        target += np.where(a0 < 24.0, a0 * slope1, h24 + (a0 - 24.0) * h)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = target / slope1  # within the first 24 months
        after = target - h24
        after /= h
        after += 24.0
    np.copyto(out, after, where=target > h24)
    np.copyto(out, np.inf, where=~(np.isfinite(out) & (out >= 0)))
    return out


def survival(months: np.ndarray, rate: float, early: float) -> np.ndarray:
    """Closed-form probability of still being in programme `months` after the start."""
    m = np.asarray(months, float)
    e = -np.log1p(-early) / 24.0
    return np.exp(-(rate / 12.0) * m - e * np.minimum(m, 24.0))


def due_month(start_t: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Calendar due month from a start month and a (possibly infinite) duration."""
    months = np.asarray(months, float)
    finite = np.isfinite(months) & (months < NEVER / 2)
    out = np.full(months.shape, NEVER, dtype=np.int64)
    out[finite] = np.asarray(start_t)[finite] + np.maximum(1, np.ceil(months[finite])).astype(
        np.int64
    )
    return np.minimum(out, NEVER).astype(np.int32)


def cct_month(t: int, prog: np.ndarray, required: np.ndarray, fte: np.ndarray) -> np.ndarray:
    """Month at which progress `prog` (at month t) reaches `required` at rate `fte`."""
    months = np.subtract(required, prog, dtype=float)  # in place from here: one temporary
    np.maximum(months, 0.0, out=months)
    months /= fte
    months -= 1e-6
    np.ceil(months, out=months)
    np.maximum(months, 1.0, out=months)
    months += t
    return months.astype(np.int32)
