"""Keep freed array memory in the process heap instead of handing it back to the kernel.

A run allocates and frees many short-lived NumPy arrays of 100 KB to a few MB each month. By
default glibc serves such blocks with fresh `mmap` pages or trims the heap top after a free, so
the next month's array of the same size pays a page fault (and the kernel's zeroing) per 4 KB:
about 30,000 faults and 5% of a 25-year England run. Raising glibc's thresholds keeps that
memory for reuse; peak memory does not change (it is the high-water mark either way). Other C
libraries (macOS, musl) have no `mallopt` and are left as they are.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc <malloc.h>
_MMAP_THRESHOLD = 32 << 20  # blocks below 32 MB come from the heap (glibc's dynamic maximum)
_TRIM_THRESHOLD = 128 << 20  # free memory kept at the heap top before it is given back
_TOP_PAD = 16 << 20  # extra heap requested per extension, so growth is in few large steps
_done: list[bool] = []


def keep_freed_memory() -> None:
    """Set glibc's heap thresholds once per process (a no-op elsewhere)."""
    if _done or not sys.platform.startswith("linux"):
        return
    _done.append(True)
    name = ctypes.util.find_library("c")
    if name is None:
        return
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "mallopt"):
        return
    for param, value in (
        (_M_MMAP_THRESHOLD, _MMAP_THRESHOLD),
        (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
        (_M_TOP_PAD, _TOP_PAD),
    ):
        libc.mallopt(param, value)
