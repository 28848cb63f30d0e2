"""Where a command writes: checked before the first simulated month, explained after a failure.

`check_out_dir` and `check_scheduler` refuse an output folder or a Dask scheduler that cannot be
used, with one `InputError` naming the option, before anything is simulated or written.
`after_storing` turns a failure once runs are stored (a full disk while drawing a figure or
storing the next run) into one clear error that says what was stored and how to resume.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from sim.inputs import InputError, check_replicates, check_seed, check_years

VIRTUAL_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))  # kernel filesystems, not folders
SCHEDULER_SCHEMES = ("tcp", "tls")  # Dask's network protocols for a remote scheduler
CONNECT_SECONDS = 5.0  # a scheduler on a cluster's network answers within a second


def check_out_dir(folder: Path, option: str = "--out") -> Path:
    """`folder` resolved, if it is (or can be made as) a writable folder; nothing is created."""
    try:
        path = Path(folder).expanduser().resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(f"{option} {folder}: not a usable path ({exc})") from None
    if any(path == root or root in path.parents for root in VIRTUAL_ROOTS):
        raise InputError(f"{option} {folder}: inside {path.parts[1]!r}, not a place for files")
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {folder}: is a file, not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {folder}: {existing} is a file, not a folder")
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        raise InputError(f"{option} {folder}: {existing} is on a read-only file system")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{option} {folder}: no permission to write in {existing}")
    return path


def check_scheduler(address: str, option: str = "--scheduler") -> str:
    """A Dask scheduler address (tcp://host:port) that answers; nothing is started."""
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise InputError(f"{option} {address!r}: not an address ({exc})") from None
    if parts.scheme not in SCHEDULER_SCHEMES or not host or port is None or port == 0:
        raise InputError(
            f"{option} {address!r}: expected {' or '.join(SCHEDULER_SCHEMES)}://host:port, "
            "e.g. tcp://127.0.0.1:8786"
        )
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise InputError(f"{option} {address!r}: no Dask scheduler answers ({reason})") from None
    return address


class StoredThenFailed(Exception):
    """Writing failed after runs were stored; the message says what was stored and what to do."""


@contextmanager
def after_storing(what: str, stored: Callable[[], str], resume: str) -> Iterator[None]:
    """Turn an OS or database error while `what` into StoredThenFailed.

    `stored()` describes what the store holds (asked only after a failure); `resume` says how
    to carry on.
    """
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except (OSError, OperationalError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise StoredThenFailed(
            f"{what} failed: {reason}. {stored()} {resume}".replace("  ", " ")
        ) from None


def check_run_options(years: int, seed: int, replicates: int, out_dir: Path) -> None:
    """The quick checks of --years, --seed, --replicates and --out, before any heavy import."""
    check_years(years, "--years")
    check_seed(seed, "--seed")
    check_replicates(replicates, "--replicates")
    check_out_dir(out_dir)
