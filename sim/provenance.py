"""Where a result came from: the model's code version, git commit and package versions.

`code_version` hashes exactly the modules in `MODEL_MODULES`: the code a run's numbers depend
on, so changing one of them gives every run a new key and stored runs are never reused for
changed code. The modules a run imports that cannot change its numbers are in `NOT_HASHED`
with the reason (input checks and their messages, file readers whose output is covered by the
data fingerprint or the resolved scenario in the run key). The offline data build
(`scripts/`) is in neither: its output enters run keys through the data fingerprint.
`tests/test_provenance.py` checks that the two lists cover every module a run imports
(`sim.model` and below).
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("mesa", "numpy", "pandas", "scipy", "sqlalchemy", "pydantic", "dask", "distributed")
ROOT = Path(__file__).resolve().parent.parent
MODEL_MODULES = (
    "agents.cells",
    "agents.columns",
    "agents.consultant",
    "agents.due",
    "agents.post",
    "agents.trainee",
    "sim.calendar",
    "sim.choice",
    "sim.cohorts",
    "sim.consultant_ages",
    "sim.consultant_market",
    "sim.context",
    "sim.history",
    "sim.initial_state",
    "sim.international",
    "sim.market_outcomes",
    "sim.model",
    "sim.need",
    "sim.outputs",
    "sim.params",
    "sim.policy",
    "sim.programme",
    "sim.recorder",
    "sim.recruitment",
    "sim.rng",
    "sim.rotation",
    "sim.rounding",
    "sim.run",
    "sim.settlement",
    "sim.training",
    "sim.transfers",
    "sim.world",
)
NOT_HASHED = {
    "sim.datafiles": "reads and checks the data files; the tables' fingerprint is in the key",
    "sim.heap": "sets the C library's heap thresholds: speed only, never a number",
    "sim.inputs": "checks of user input and their messages",
    "sim.provenance": "this module: stamps results, computes nothing in them",
    "sim.scenario": "reads and checks scenario files; the resolved scenario is in the key",
    "sim.tomlfile": "reads TOML files and words their errors",
}


def source_hash(modules: tuple[str, ...] = MODEL_MODULES, root: Path = ROOT) -> str:
    """SHA-256 (first 12 hex digits) of the named modules' source, in the order given."""
    h = hashlib.sha256()
    for module in modules:
        h.update(module.encode())
        h.update((root / f"{module.replace('.', '/')}.py").read_bytes())
    return h.hexdigest()[:12]


@cache
def code_version() -> str:
    """Package version plus the hash of the model's modules, so changed code never reuses runs."""
    try:
        version = metadata.version("traineeflow")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}+{source_hash()}"


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
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=5, check=True
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


def stamp() -> dict[str, Any]:
    """What every stored run carries: git commit, code version and package versions."""
    return {
        "git_commit": git_commit(),
        "code_version": code_version(),
        "package_versions": package_versions(),
    }
