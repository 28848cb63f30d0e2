"""Scenario files (TOML): uncertain parameters and policy levers, validated on load.

A scenario file has `name`, `description`, optionally `extends` (a bundled scenario name or a
path relative to the file), a `[world]` table (overrides of `sim.params.WorldParams`) and a
`[policy]` table (`sim.policy.PolicyParams`). Any unknown key, wrong type, out-of-range value,
unknown specialty, local office or region is one `ScenarioError` naming the file and the key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.inputs import InputError
from sim.params import WorldParams
from sim.policy import PolicyParams
from sim.tomlfile import read_toml
from sim.world import World

BUNDLED = (
    "baseline",
    "msd_programme",
    "msd_fast",
    "msd_slow",
    "msd_no_capacity_growth",
    "msd_with_expansion",
)


MAX_EXTENDS = 16  # longest `extends` chain (the bundled scenarios use at most 2)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # names output files


class ScenarioError(InputError):
    """A scenario file is malformed; the message names the file and the key."""


class Scenario(BaseModel):
    """A named, validated scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    world: WorldParams = Field(default_factory=WorldParams)
    policy: PolicyParams = Field(default_factory=PolicyParams)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        """A name that is safe as part of a file name (no folders, no leading dot)."""
        if not NAME_PATTERN.fullmatch(name):
            raise ValueError(
                f"{name!r} is not a simple name: use letters, digits, '_', '-' or '.', starting "
                "with a letter or digit, at most 100 characters (it names output files)"
            )
        return name

    def resolved(self) -> dict[str, Any]:
        """All parameters, defaults included, as plain JSON-able data."""
        return self.model_dump(mode="json")


def bundled_dir() -> Path:
    """Folder of the bundled scenario files."""
    return Path(str(resources.files("sim") / "scenarios"))


def bundled_descriptions() -> dict[str, str]:
    """Bundled scenario names with their one-line descriptions."""
    out = {}
    for name in BUNDLED:
        data = _read(bundled_dir() / f"{name}.toml")
        out[name] = str(data.get("description", ""))
    return out


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, ScenarioError, "scenario")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _locate(source: str | Path) -> Path:
    """The file of a bundled scenario name or of a path (resolved, for loop detection)."""
    path = Path(source)
    if not path.suffix and not path.exists() and str(source) in BUNDLED:
        path = bundled_dir() / f"{source}.toml"
    elif not path.suffix and not path.exists():
        raise ScenarioError(
            f"unknown scenario '{source}': not a bundled name ({', '.join(BUNDLED)})"
            " and no such file"
        )
    try:
        return path.resolve()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{source}: cannot read: {exc}") from None


def _raw(source: str | Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], Path]:
    path = _locate(source)
    if path in seen:
        raise ScenarioError(f"{path}: 'extends' loops back to itself")
    data = _read(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, path
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: key 'extends' must be a scenario name or path")
    if len(seen) + 1 >= MAX_EXTENDS:
        raise ScenarioError(
            f"{path}: key 'extends': chain of more than {MAX_EXTENDS} scenario files"
        )
    parent_source = parent if parent in BUNDLED else path.parent / parent
    try:
        found = parent in BUNDLED or (
            Path(parent).suffix == ".toml" and _locate(parent_source).is_file()
        )
    except (ScenarioError, OSError):
        found = False
    if not found:  # the error is in this file's 'extends', not in a parent file
        raise ScenarioError(
            f"{path}: key 'extends': {parent!r} is neither a bundled scenario "
            f"({', '.join(BUNDLED)}) nor a .toml scenario file"
        )
    try:
        base, _ = _raw(parent_source, (*seen, path))
    except ScenarioError as exc:
        if seen:  # the outermost file names the whole chain once
            raise
        raise ScenarioError(f"{path}: key 'extends' ({parent!r}): {exc}") from None
    base.pop("description", None)
    return _merge(base, data), path


def _tuples(value: Any) -> Any:
    """TOML arrays as tuples (the models' sequences are tuples; strict mode wants them)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _non_finite(value: Any, key: str = "") -> str | None:
    """Dotted key of the first nan or inf in the data, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return key
    items = (
        value.items()
        if isinstance(value, dict)
        else (enumerate(value) if isinstance(value, list) else ())
    )
    for k, v in items:
        found = _non_finite(v, f"{key}.{k}" if key else str(k))
        if found is not None:
            return found
    return None


def load_scenario(
    source: str | Path, world: World | None = None, params: Mapping[str, Any] | None = None
) -> Scenario:
    """Load, merge (`extends`) and validate a scenario by bundled name or path.

    Validation is strict: TOML types must match (no "0.3" for a number, no 1 for true) and
    numbers must be finite. `params` (a parameter file's `[world]` values, `sim.paramfile`)
    replace the world defaults; the scenario's own `[world]` values win over them.
    """
    data, path = _raw(source)
    if params and isinstance(data.get("world", {}), dict):  # else validation names the error
        data["world"] = _merge(dict(params), data.get("world", {}))
    scenario = validate_scenario(data, str(path))
    if world is not None:
        check_against_world(scenario, world, path)
    return scenario


def with_values(
    scenario: Scenario,
    values: Mapping[str, Any],
    where: str = "params",
    world: World | None = None,
) -> Scenario:
    """`scenario` with dotted keys set, validated exactly as a scenario file is.

    Keys are those of experiment specs (`world.settlement_decay_miles`,
    `policy.programme.phases.1.years`). A misspelt key is "unknown key" and an out-of-range
    value gets the same message a file gets.
    """
    data = scenario.resolved()
    for dotted, value in values.items():
        if not isinstance(dotted, str):
            raise ScenarioError(f"{where}: key {dotted!r}: keys are dotted strings")
        _set_dotted(data, dotted, _plain(value), where)
    scenario = validate_scenario(data, where)
    if world is not None:
        check_against_world(scenario, world, where)
    return scenario


def validate_scenario(data: dict[str, Any], where: str) -> Scenario:
    """A Scenario from plain data, strictly typed (as in a file); errors name `where` and the key.

    Scenario files and the values an experiment sweeps go through this one check.
    """
    bad = _non_finite(data)
    if bad is not None:
        raise ScenarioError(f"{where}: key '{bad}': not a finite number")
    try:
        return Scenario.model_validate(_tuples(data), strict=True)
    except ValidationError as exc:
        raise ScenarioError(f"{where}: {first_error(exc)}") from None


def first_error(exc: ValidationError) -> str:
    """The first pydantic error as "key 'a.b': message"."""
    err = exc.errors()[0]
    key = ".".join(str(x) for x in err["loc"]) or "(top level)"
    msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return f"key '{key}': {msg.removeprefix('Value error, ')}"


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as the Python values a TOML file would give."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        return value.tolist()
    return value


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    """Set `a.b.0.c` in nested dicts and lists.

    Missing tables are created, so validation rejects them as unknown keys as in a file.
    """
    *head, last = dotted.split(".")
    holder: Any = data
    for i, part in enumerate([*head, last]):
        here = ".".join([*head, last][: i + 1])
        is_last = i == len(head)
        if isinstance(holder, dict):
            if is_last:
                holder[part] = value
            else:
                holder = holder.setdefault(part, {})
        elif isinstance(holder, list) and part.isdigit() and int(part) < len(holder):
            if is_last:
                holder[int(part)] = value
            else:
                holder = holder[int(part)]
        elif isinstance(holder, list):
            raise ScenarioError(f"{where}: key '{here}': no item {part} (has {len(holder)})")
        else:
            parent = here.rpartition(".")[0]
            raise ScenarioError(f"{where}: key '{parent}': is a value, not a table")


def check_against_world(scenario: Scenario, world: World, path: Path | str = "<scenario>") -> None:
    """Specialties, groups, local offices and regions named in a scenario must exist."""
    specs = set(world.specialty_codes)
    groups = set(world.data.specialties["group"])
    los, regions = set(world.lo_codes), set(world.region_codes)
    prog = scenario.policy.programme

    def check_specs(key: str, names: tuple[str, ...]) -> None:
        for name in names:
            ok = name[6:] in groups if name.startswith("group:") else name in specs
            if not ok:
                raise ScenarioError(f"{path}: key '{key}': unknown specialty or group '{name}'")

    for i, phase in enumerate(prog.phases if prog.enabled else ()):
        check_specs(f"policy.programme.phases.{i}.specialties", phase.specialties)
    for i, tranche in enumerate(prog.expansion if prog.enabled else ()):
        check_specs(f"policy.programme.expansion.{i}.specialties", tranche.specialties)
    check_specs("world.february_specialties", scenario.world.february_specialties)
    for key, names, universe in (
        ("world.lo_popularity", scenario.world.lo_popularity, los),
        ("policy.programme.region_growth", prog.region_growth, regions),
        ("policy.programme.target_table", prog.target_table or {}, regions),
    ):
        for name in names:
            if name not in universe:
                raise ScenarioError(f"{path}: key '{key}.{name}': unknown code '{name}'")
