"""Experiment specs (TOML): scenarios x parameter sweeps x replicates, validated on load.

An experiment file names scenarios (bundled names or scenario files, relative to the experiment
file), how many years to run, how many replicates (seeds derived from one master `seed` with
NumPy's SeedSequence, the same seeds for every scenario and point: common random numbers), and
optionally a parameter sweep over `WorldParams` and policy fields addressed by dotted keys
(`world.settlement_decay_miles`, `policy.programme.capacity_growth`,
`policy.programme.phases.1.years`):

- `[grid]`: a full factorial design, `"dotted.key" = [value, value, ...]`;
- `[sample]`: `method` ("lhs" Latin hypercube or "sobol" scrambled Sobol, both SciPy's qmc, or
  "saltelli", SALib's Saltelli design for Sobol indices: n x (2d + 2) points), `n`, optional
  `seed`, and `[sample.ranges]` with `"dotted.key" = [low, high]`.

Both together give every grid point crossed with every sample. `[outcomes]` declares what to keep:
`summary` (names of scalar outcomes, `results.outcomes.SUMMARY`; all by default) and `tables`
("region_year", "icb_year").
Every error is one `SpecError` (a `ScenarioError`, so the CLI exits with code 2) naming the file
and the key.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from results.outcomes import SUMMARY
from sim.inputs import MAX_REPLICATES, MAX_SEED, MAX_YEARS
from sim.outputs import RunResult
from sim.scenario import (
    Scenario,
    ScenarioError,
    check_against_world,
    first_error,
    load_scenario,
    validate_scenario,
)
from sim.tomlfile import read_toml
from sim.world import World

TABLES = ("region_year", "icb_year")
ROOTS = ("world", "policy")
MAX_RUNS = 1_000_000  # runs one experiment may plan (a plan holds every run key in memory)


class SpecError(ScenarioError):
    """An experiment file is malformed; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sample(_Strict):
    """A space-filling sample over named, bounded ranges."""

    method: Literal["lhs", "sobol", "saltelli"] = "lhs"
    n: StrictInt = Field(ge=1, le=1_000_000)
    seed: StrictInt | None = Field(None, ge=0, le=MAX_SEED)  # None: the experiment's master seed
    ranges: dict[str, tuple[StrictFloat, StrictFloat]] = Field(min_length=1)

    @field_validator("n")
    @classmethod
    def _power_of_2(cls, n: int, info: ValidationInfo) -> int:
        method = info.data.get("method")
        if method in ("sobol", "saltelli") and n & (n - 1):
            raise ValueError(f"method '{method}' needs n a power of 2 (got {n})")
        return n

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for path, (low, high) in ranges.items():
            if low > high:
                raise ValueError(f"'{path}': low {low:g} > high {high:g}")
        return ranges


class Outcomes(_Strict):
    """What each run keeps in the store."""

    summary: list[StrictStr] | None = None  # None: every scalar outcome
    tables: list[Literal["region_year", "icb_year"]] = Field(default_factory=lambda: list(TABLES))

    @field_validator("summary")
    @classmethod
    def _known(cls, summary: list[str] | None) -> list[str] | None:
        unknown = sorted(set(summary or ()) - set(SUMMARY))
        if unknown:
            raise ValueError(f"unknown outcome(s) {unknown}; known: {', '.join(SUMMARY)}")
        return summary

    def keep(self, result: RunResult) -> RunResult:
        """The run without the summary metrics and tables the experiment does not keep."""
        summary = (
            result.summary
            if self.summary is None
            else {k: v for k, v in result.summary.items() if k in self.summary}
        )
        region = result.region_year if "region_year" in self.tables else result.region_year[:0]
        icb = result.icb_year if "icb_year" in self.tables else result.icb_year[:0]
        return dataclasses.replace(result, summary=summary, region_year=region, icb_year=icb)


class ExperimentSpec(_Strict):
    """A validated experiment: what to run, not how."""

    name: StrictStr = Field(min_length=1, max_length=100)
    description: StrictStr = ""
    scenarios: list[StrictStr] = Field(min_length=1)
    years: StrictInt = Field(ge=1, le=MAX_YEARS)
    replicates: StrictInt = Field(ge=1, le=MAX_REPLICATES)
    seed: StrictInt = Field(1, ge=0, le=MAX_SEED)
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    sample: Sample | None = None
    outcomes: Outcomes = Field(default_factory=Outcomes)


class Experiment:
    """A loaded experiment: the spec, its scenarios and its parameter points."""

    def __init__(
        self,
        spec: ExperimentSpec,
        path: Path,
        scenarios: list[Scenario],
        points: list[dict[str, Any]],
    ) -> None:
        """Hold a validated spec with its resolved scenarios and points."""
        self.spec, self.path, self.scenarios, self.points = spec, path, scenarios, points
        self._base = [s.resolved() for s in scenarios]

    @property
    def parameters(self) -> list[str]:
        """The swept dotted keys (grid first, then sampled)."""
        sampled = list(self.spec.sample.ranges) if self.spec.sample else []
        return [*self.spec.grid, *sampled]

    def scenario(self, index: int, point: int) -> Scenario:
        """Scenario `index` with the values of parameter point `point` applied."""
        data = apply(self._base[index], self.points[point])
        where = f"{self.path}: point {point} {self.points[point]} is invalid for '{data['name']}'"
        try:
            return validate_scenario(data, where)
        except ScenarioError as exc:
            raise SpecError(str(exc)) from None


def bundled_dir() -> Path:
    """Folder of the bundled experiment files."""
    return Path(str(resources.files("experiments")))


def load_experiment(
    source: str | Path, world: World | None = None, params: dict[str, Any] | None = None
) -> Experiment:
    """Load and validate an experiment file (or a bundled experiment name).

    `params`: a parameter file's world values, the defaults under every scenario (sim.paramfile).
    """
    path = Path(source)
    if not path.suffix and not path.exists() and (bundled_dir() / f"{source}.toml").exists():
        path = bundled_dir() / f"{source}.toml"
    path = path.resolve()
    raw = _read(path)
    for table in ("grid", "sample.ranges"):
        _flatten_table(raw, table)
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(f"{path}: {first_error(exc)}") from None
    _check_size(spec, path)
    scenarios = _load_scenarios(spec, path, world, params)
    _check_paths(spec, path, scenarios, world)
    return Experiment(spec, path, scenarios, design_points(spec, scenarios[0].resolved()))


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, SpecError, "experiment")


def _flatten_table(raw: dict[str, Any], dotted: str) -> None:
    """Turn nested TOML tables (`world.x = [..]` unquoted) into dotted keys, in place."""
    parent, _, name = dotted.rpartition(".")
    holder = raw.get(parent) if parent else raw
    if not isinstance(holder, dict) or not isinstance(holder.get(name), dict):
        return
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            flat[prefix] = value

    if holder[name]:  # an empty table stays empty (and is refused as such)
        walk("", holder[name])
        holder[name] = flat


def _check_size(spec: ExperimentSpec, path: Path) -> None:
    """At most MAX_RUNS runs (counted before any point is built)."""
    runs = len(spec.scenarios) * spec.replicates
    for values in spec.grid.values():
        runs *= max(len(values), 1)
    if spec.sample is not None:
        n, d = spec.sample.n, len(spec.sample.ranges)
        runs *= n * (2 * d + 2) if spec.sample.method == "saltelli" else n
    if runs > MAX_RUNS:
        raise SpecError(
            f"{path}: scenarios x grid x sample x replicates is {runs:,} runs; an experiment "
            f"may plan at most {MAX_RUNS:,} (split it, or shard it over several files)"
        )


def _load_scenarios(
    spec: ExperimentSpec, path: Path, world: World | None, params: dict[str, Any] | None
) -> list[Scenario]:
    out: list[Scenario] = []
    for i, name in enumerate(spec.scenarios):
        local = path.parent / name
        source: str | Path = local if Path(name).suffix and local.exists() else name
        try:
            scenario = load_scenario(source, world, params)
        except ScenarioError as exc:
            raise SpecError(f"{path}: key 'scenarios.{i}' ({name!r}): {exc}") from None
        if any(s.name == scenario.name for s in out):
            raise SpecError(
                f"{path}: key 'scenarios.{i}': scenario name '{scenario.name}' "
                "appears twice (results are stored by scenario name)"
            )
        out.append(scenario)
    return out


def _lookup(data: Any, parts: list[str]) -> tuple[bool, Any]:
    """Follow dotted parts through dicts (and lists, by index); (found, value)."""
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False, None
    return True, data


def apply(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of a resolved scenario dict with dotted keys set to values."""
    out = copy.deepcopy(base)
    for dotted, value in values.items():
        *head, last = dotted.split(".")
        _, holder = _lookup(out, head)
        holder[int(last) if isinstance(holder, list) else last] = value
    return out


def _check_paths(
    spec: ExperimentSpec, path: Path, scenarios: list[Scenario], world: World | None
) -> None:
    """Every swept key names a parameter of every scenario and accepts its values."""
    sample = spec.sample.ranges if spec.sample else {}
    trials = [(f"grid.{k}", k, v) for k, v in spec.grid.items()]
    trials += [(f"sample.ranges.{k}", k, list(v)) for k, v in sample.items()]
    for key, dotted, values in trials:
        if dotted in spec.grid and dotted in sample:
            raise SpecError(f"{path}: key '{key}': swept both in [grid] and [sample.ranges]")
        if not values:
            raise SpecError(f"{path}: key '{key}': needs at least one value")
        for scenario in scenarios:
            base = scenario.resolved()
            parts = dotted.split(".")
            found, current = _lookup(base, parts)
            if parts[0] not in ROOTS or len(parts) < 2 or not found:
                raise SpecError(
                    f"{path}: key '{key}': unknown parameter '{dotted}' (scenario "
                    f"'{scenario.name}' has no such field under world or policy)"
                )
            if isinstance(current, dict | list) and key.startswith("sample."):
                raise SpecError(f"{path}: key '{key}': '{dotted}' is not a number")
            for value in values:
                value = _cast(value, current) if key.startswith("sample.") else value
                where = (
                    f"{path}: key '{key}': value {value!r} is invalid for scenario "
                    f"'{scenario.name}'"
                )
                try:
                    trial = validate_scenario(apply(base, {dotted: value}), where)
                except ScenarioError as exc:
                    raise SpecError(str(exc)) from None
                if world is not None:
                    try:
                        check_against_world(trial, world, path)
                    except ScenarioError as exc:
                        raise SpecError(f"{exc} (from experiment key '{key}')") from None


def _cast(value: float, current: Any) -> Any:
    """Sampled floats become whole numbers for integer parameters."""
    if isinstance(current, int) and not isinstance(current, bool):
        return int(np.rint(value))
    return float(value)


def unit_sample(sample: Sample, seed: int) -> np.ndarray:
    """Points in the unit hypercube (rows) for `sample` (d = number of ranges)."""
    d = len(sample.ranges)
    rng = np.random.default_rng(seed)
    if sample.method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d, rng=rng).random(sample.n)
    if sample.method == "sobol":
        from scipy.stats import qmc

        return qmc.Sobol(d, scramble=True, rng=rng).random_base2(int(np.log2(sample.n)))
    from SALib.sample import sobol as saltelli

    problem = {"num_vars": d, "names": list(sample.ranges), "bounds": [[0.0, 1.0]] * d}
    return saltelli.sample(problem, sample.n, calc_second_order=True, seed=seed)


def design_points(spec: ExperimentSpec, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Every parameter point: the grid's full factorial crossed with the sample."""
    grid = [
        dict(zip(spec.grid, combo, strict=True)) for combo in itertools.product(*spec.grid.values())
    ]
    if spec.sample is None:
        return grid
    sample = spec.sample
    unit = unit_sample(sample, spec.seed if sample.seed is None else sample.seed)
    low = np.array([r[0] for r in sample.ranges.values()])
    high = np.array([r[1] for r in sample.ranges.values()])
    scaled = low + unit * (high - low)  # also fine when low == high
    current = [_lookup(base, k.split("."))[1] for k in sample.ranges]
    drawn = [
        {k: _cast(v, c) for k, v, c in zip(sample.ranges, row, current, strict=True)}
        for row in scaled
    ]
    return [{**g, **s} for g in grid for s in drawn]
