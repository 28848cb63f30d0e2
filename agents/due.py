"""Due-date windows: the rows whose due month has come, without scanning every row each month.

A window holds, bucketed by month, the rows of a column store whose due month falls in the next
`span` months; it is built by one scan of the column when a month outside it is asked for, so a
year of monthly questions costs one scan instead of twelve. Rows created later are added with
`add`; when the due months of many rows move (ARCP), the mover `rebuild`s it from the rows and
months it has in hand. A row whose due month changed after it was bucketed is dropped when its
bucket is read (its column no longer says that month).
"""

from __future__ import annotations

import numpy as np


class DueWindow:
    """Rows due in each of the next `span` months, for one due-month column."""

    def __init__(self, span: int = 12) -> None:
        self.span = span  # months (below 2**16)
        self._start = self._end = 0  # empty: the first question builds it
        self._buckets: list[np.ndarray] = []
        self._late_rows: list[np.ndarray] = []  # rows added after the build, due in the window
        self._late_due: list[np.ndarray] = []

    def add(self, rows: np.ndarray, due: np.ndarray) -> None:
        """New rows (ascending, above every row so far) and their due months."""
        if self._end > self._start:
            soon = due < self._end
            if soon.any():
                self._late_rows.append(rows[soon])
                self._late_due.append(due[soon])

    def due(self, column: np.ndarray, n: int, t: int, first: int = 0) -> np.ndarray:
        """Rows (ascending) among rows `first`..`n`-1 whose due month in `column` is `t`.

        Rows below `first` must never fall due again (their agents have left): a scan skips them.
        """
        if not self._start <= t < self._end:
            self._build(column[first:n], first, t)
        rows = self._buckets[t - self._start]
        if self._late_rows:
            if len(self._late_rows) > 1:  # merged once, read every month
                self._late_rows = [np.concatenate(self._late_rows)]
                self._late_due = [np.concatenate(self._late_due)]
            late, late_due = self._late_rows[0], self._late_due[0]
            rows = np.concatenate([rows, late[late_due == t]])
        return rows[column[rows] == t]

    def rebuild(self, rows: np.ndarray, due: np.ndarray, t: int) -> None:
        """Rebuild from month `t` on, given every row that may fall due (ascending) and its month.

        For a caller that has just moved the due months of all such rows (ARCP): no scan.
        """
        ahead = np.subtract(due, t, dtype=np.uint32, casting="unsafe")  # as in `_build`
        soon = np.flatnonzero(ahead < self.span)
        self._fill(rows[soon], ahead[soon], t)

    def _build(self, column: np.ndarray, first: int, t: int) -> None:
        # months ahead, modulo 2**32: past months wrap to large numbers
        ahead = np.subtract(column, t, dtype=np.uint32, casting="unsafe")
        rows = np.flatnonzero(ahead < self.span)
        ahead = ahead[rows]
        rows += first
        self._fill(rows, ahead, t)

    def _fill(self, rows: np.ndarray, ahead: np.ndarray, t: int) -> None:
        """Bucket rows (ascending) by their months ahead of `t` (below `span`)."""
        ahead = ahead.astype(np.uint16)
        order = np.argsort(ahead, kind="stable")  # a radix sort on 16-bit keys
        rows = rows[order]
        cuts = np.searchsorted(ahead[order], np.arange(self.span + 1))
        self._buckets = [rows[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        self._start, self._end = t, t + self.span
        self._late_rows, self._late_due = [], []
