"""docs/model.md (the ODD description) stays true to the code.

The schedule is read from the tables of `sim/calendar.py` (the monthly step and the calendar
events) and the project functions each process calls; `sim/step_order.md` must list the tables'
processes at their offsets, months and order; the parameters from the pydantic models of
`sim/params.py` and `sim/policy.py`; defaults from the default scenario (`baseline`). A new
process or parameter that is not described, or a default that changed, fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from pydantic import BaseModel

from sim import calendar as cal
from sim.model import TraineeFlowModel
from sim.scenario import Scenario, load_scenario
from sim.world import World

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "model.md").read_text()
STEP_ORDER = (ROOT / "sim" / "step_order.md").read_text()
MONTH_NAMES = {cal.AUGUST: "August", cal.FEBRUARY: "February", cal.JUNE: "June", cal.JULY: "July"}
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]*) \|", re.MULTILINE)
PROJECT = ("sim.", "agents.")


def _calls(func: Any) -> list[ast.expr]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    return [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _project_callable(obj: Any) -> bool:
    return callable(obj) and (getattr(obj, "__module__", None) or "").startswith(PROJECT)


def _resolve(model: TraineeFlowModel, func: ast.expr) -> str | None:
    """The name of a called project function or method (None for NumPy, builtins...)."""
    module = inspect.getmodule(TraineeFlowModel)
    if isinstance(func, ast.Name):
        return func.id if _project_callable(getattr(module, func.id, None)) else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = model if func.value.id == "self" else None
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute):
        owner = getattr(model, func.value.attr, None)
    else:
        return None
    target = getattr(owner, func.attr, None) if owner is not None else None
    return func.attr if _project_callable(target) else None


def scheduled_processes(model: TraineeFlowModel) -> set[str]:
    """Every process the calendar's tables schedule, and the project functions each calls."""
    names = set(cal.MONTHLY) | {event.process for event in cal.SCHEDULE}
    for name in list(names):
        method = getattr(TraineeFlowModel, name)  # a table naming no method fails here
        names.update(n for f in _calls(method) if (n := _resolve(model, f)))
    return names


def parameters(model: type[BaseModel], prefix: str) -> list[str]:
    """Dotted keys of every field, `[]` for the items of tuples of sub-models."""
    out = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += parameters(ann, key)
            continue
        out.append(key)
        for sub in get_args(ann):
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                out += parameters(sub, f"{key}[]")
    return out


def all_parameters() -> list[str]:
    fields = Scenario.model_fields
    return parameters(fields["world"].annotation, "world") + parameters(
        fields["policy"].annotation, "policy"
    )


def _default(resolved: dict[str, Any], key: str) -> tuple[bool, Any]:
    value: Any = resolved
    for part in key.split("."):
        if "[]" in part or not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _documented(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@pytest.fixture(scope="module")
def model(england: World) -> TraineeFlowModel:
    return TraineeFlowModel(england, seed=1)


def test_every_scheduled_process_is_described(model):
    processes = scheduled_processes(model)
    # the reader finds the processes it should (guards against a reader that finds nothing)
    assert {"monthly_exits", "settle", "recruit", "arcp", "rotate", "snapshot"} <= processes
    missing = sorted(p for p in processes if f"`{p}`" not in DOC)
    assert not missing, f"docs/model.md does not describe scheduled processes {missing}"


def test_every_parameter_is_documented_with_its_default():
    keys = all_parameters()
    assert "world.settlement_decay_miles" in keys and "policy.programme.phases[].years" in keys
    rows = {key: cell.strip() for key, cell in ROW.findall(DOC)}
    missing = [k for k in keys if k not in rows]
    assert not missing, f"docs/model.md has no table row for parameters {missing}"
    resolved = load_scenario("baseline").resolved()
    wrong = []
    for key in keys:
        found, value = _default(resolved, key)
        if not found or isinstance(value, dict | list):
            continue  # tables, lists and items of lists: their row is enough
        cell = rows[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            ok = np.isclose(float(cell), value)
        else:
            ok = cell == _documented(value)
        if not ok:
            wrong.append((key, value, cell))
    assert not wrong, f"defaults in docs/model.md differ from the code: {wrong}"


def test_rows_name_only_real_parameters():
    keys = set(all_parameters())
    extra = [k for k, _ in ROW.findall(DOC) if k.split(".")[0] in ("world", "policy")]
    assert sorted(set(extra) - keys) == []


def _step_rows() -> list[list[str]]:
    rows = [line.split("|")[1:-1] for line in STEP_ORDER.splitlines() if line.startswith("| .")]
    return [[cell.strip() for cell in row] for row in rows]


def test_step_order_lists_the_calendar_tables():
    rows = _step_rows()
    assert rows, "no process rows found in sim/step_order.md"
    monthly = [row[2].strip("`") for row in rows if row[0] == ".00"]
    assert monthly == list(cal.MONTHLY), "monthly rows differ from cal.MONTHLY (or their order)"
    for event in cal.SCHEDULE:
        offset = f"{event.offset:.2f}".removeprefix("0")
        found = [r for r in rows if r[0] == offset and r[2] == f"`{event.process}`"]
        assert found, f"sim/step_order.md has no row for {event.process} at {offset}"
        assert MONTH_NAMES[event.month] in found[0][1], f"{event.process}: month not listed"
    documented = {(r[0], r[2].strip("`")) for r in rows if r[0] != ".00"}
    scheduled = {(f"{e.offset:.2f}".removeprefix("0"), e.process) for e in cal.SCHEDULE}
    assert documented == scheduled, "sim/step_order.md lists events the calendar does not have"


def test_no_process_imports_the_model():
    """Processes act on their context (sim/context.py): no module of sim/ or agents/ but the model
    itself imports sim.model."""
    importers = []
    for package in ("sim", "agents"):
        for path in sorted((ROOT / package).glob("*.py")):
            if path.name == "model.py":
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                if "sim.model" in names:
                    importers.append(f"{package}/{path.name}")
    assert importers == []
