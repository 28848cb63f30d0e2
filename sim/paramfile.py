"""Parameter files (TOML): new defaults for the world parameters, e.g. from `traineeflow calibrate`.

A parameter file has a `[world]` table (values of `sim.params.WorldParams`) and optionally an
`[about]` table of notes (who wrote it, when, the loss); nothing else. Every command accepts one
with `--params FILE`: its values replace the defaults of `WorldParams` under every scenario, and
a scenario's own `[world]` values still win. Validation is as strict as for scenario files: an
unknown key, a wrong type or an out-of-range value is one `ParamsError` naming the file and the
key, raised before anything is run or written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.inputs import InputError
from sim.params import WorldParams
from sim.scenario import _tuples, first_error
from sim.tomlfile import read_toml

TABLES = ("world", "about")


class ParamsError(InputError):
    """A parameter file is malformed; the message names the file and the key."""


def load_params(path: Path | str) -> dict[str, Any]:
    """The `[world]` values of a parameter file, validated (raise ParamsError)."""
    path = Path(path)
    data = read_toml(path, ParamsError, "parameter")
    for key in data:
        if key not in TABLES:
            raise ParamsError(
                f"{path}: key '{key}': unknown key (a parameter file holds [world] and [about])"
            )
    world = data.get("world")
    if not isinstance(world, dict) or not world:
        raise ParamsError(f"{path}: key 'world': needs a [world] table with at least one value")
    about = data.get("about", {})
    if not isinstance(about, dict):
        raise ParamsError(f"{path}: key 'about': must be a table of notes")
    for key, value in world.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ParamsError(f"{path}: key 'world.{key}': not a finite number")
    try:
        WorldParams.model_validate(_tuples(world), strict=True)
    except ValidationError as exc:
        message = first_error(exc).replace("key '", "key 'world.", 1)
        raise ParamsError(f"{path}: {message}") from None
    return dict(world)


def write_params(path: Path, values: dict[str, float], about: dict[str, str | float]) -> Path:
    """Write a parameter file that `load_params` reads back to `values`."""
    lines = ["[about]"]
    lines += [f"{k} = {_toml(v)}" for k, v in about.items()]
    lines += ["", "[world]"]
    lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:  # noqa: ANN401
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
