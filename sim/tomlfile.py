"""Reading a user's TOML file with one clear error that names the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """Parse `path`; any problem is raised as `error` naming the file (`what`: 'scenario' ...)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except (OSError, ValueError) as exc:  # a folder, no permission, a NUL in the name
        raise error(f"{path}: cannot read: {exc}") from None
