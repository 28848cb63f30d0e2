"""Reading a user's TOML file with one clear error that names the file.

A file is read only if it is a regular file (not a folder, device, pipe or a link to one) of at
most MAX_BYTES, in UTF-8, nested at most MAX_DEPTH tables or arrays deep.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

MAX_BYTES = 1_000_000  # the bundled scenario and experiment files are under 4 kB
MAX_DEPTH = 32  # the deepest bundled key (policy.programme.phases.N.specialties.N) is 6 levels


def _depth_error(data: dict[str, Any]) -> str | None:
    """Dotted key of the first value nested deeper than MAX_DEPTH, if any (iterative walk)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > MAX_DEPTH:
            return key
        if isinstance(value, dict):
            items: Any = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for k, v in items:
            stack.append((v, f"{key}.{k}" if key else str(k), depth + 1))
    return None


def read_toml(path: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """Parse `path`; any problem is raised as `error` naming the file (`what`: 'scenario' ...)."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{path}: is a folder, not a {what} file")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: not a regular file (a device, pipe or socket); not read")
        if info.st_size > MAX_BYTES:
            raise error(f"{path}: {info.st_size:,} bytes; a {what} file may hold {MAX_BYTES:,}")
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except (OSError, ValueError) as exc:  # no permission, a NUL in the name, a broken link
        raise error(f"{path}: cannot read: {exc}") from None
    if len(raw) > MAX_BYTES:
        raise error(f"{path}: more than {MAX_BYTES:,} bytes; a {what} file may hold no more")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    deep = _depth_error(data)
    if deep is not None:
        raise error(f"{path}: key '{deep}': nested more than {MAX_DEPTH} levels deep")
    return data
