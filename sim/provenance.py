"""Where a result came from: code version, git commit and package versions."""

from __future__ import annotations

import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGES = ("mesa", "numpy", "pandas", "scipy", "sqlalchemy", "pydantic", "dask", "distributed")


@cache
def git_commit() -> str:
    """The checkout's commit (with '+dirty' when it has uncommitted changes), or 'unknown'."""
    try:
        sha = _git("rev-parse", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def _git(*args: str) -> str:
    here = Path(__file__).resolve().parent
    done = subprocess.run(
        ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=True
    )
    return done.stdout.strip()


@cache
def package_versions() -> dict[str, str]:
    """Versions of the packages that shape results."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out
