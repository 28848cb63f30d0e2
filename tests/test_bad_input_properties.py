"""Property suite: several hundred generated malformed inputs (scenario files, experiment specs,
data directories, CLI arguments, database URLs), each refused with exit code 2, no traceback and
nothing written.

Every strategy builds input that is wrong by construction (one chosen defect on an otherwise
valid input), so an accepted input is a bug, not bad luck. The commands run in-process through
typer's CliRunner; test_bad_input.py shows the same refusals from real processes.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from annotated_types import Ge, Gt, Le, Lt
from badinput import runner, snapshot
from helpers import copy_bundled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.cli import app
from sim.datafiles import SCHEMA
from sim.params import WorldParams
from sim.policy import Programme
from sim.scenario import BUNDLED

SETTINGS = {
    "deadline": None,
    "derandomize": True,  # the same examples on every CI run
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


def refused(args: list[str], folder: Path) -> None:
    """Exit code 2, no traceback, nothing new or changed under `folder`."""
    before = snapshot(folder)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output, result.output
    assert result.stdout == "", result.stdout
    assert result.stderr.strip(), "no error message"
    assert snapshot(folder) == before, "something was written"


def fresh(scratch: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=scratch))


def toml_value(value: Any) -> str:
    """A Python value as TOML (json covers strings, numbers, booleans and arrays)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


# --- values that no bounded number field accepts -------------------------------------------------
def _bounds(field: Any) -> tuple[float | None, float | None]:
    low = high = None
    for m in field.metadata:
        if isinstance(m, Ge | Gt):
            low = m.ge if isinstance(m, Ge) else m.gt
        if isinstance(m, Le | Lt):
            high = m.le if isinstance(m, Le) else m.lt
    return low, high


NUMBER_FIELDS = {
    prefix + name: (field.annotation, *_bounds(field))
    for prefix, model in (("world.", WorldParams), ("policy.programme.", Programme))
    for name, field in model.model_fields.items()
    if field.annotation in (int, float) and _bounds(field) != (None, None)
}
wrong_type = st.one_of(
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.integers(), max_size=2),
)


@st.composite
def bad_number(draw: st.DrawFn) -> tuple[str, Any]:
    """A bounded number field with a value outside its bounds, of a wrong type, or not finite."""
    key = draw(st.sampled_from(sorted(NUMBER_FIELDS)))
    kind, low, high = NUMBER_FIELDS[key]
    over = draw(
        st.floats(min_value=1e-3, max_value=1e12) if kind is float else st.integers(1, 10**12)
    )
    choices = [draw(wrong_type)]
    if high is not None:
        choices.append(high + over)
    if low is not None:
        choices.append(low - over)
    if kind is float:
        choices.append(draw(st.sampled_from([math.nan, math.inf, -math.inf])))
    return key, draw(st.sampled_from(choices))


def nest(key: str, value: Any) -> str:
    """`a.b.c = v` as a TOML table and key."""
    *tables, last = key.split(".")
    return f"[{'.'.join(tables)}]\n{last} = {toml_value(value)}\n"


# --- A. scenario files ---------------------------------------------------------------------------
safe_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
unknown_keys = safe_names.filter(
    lambda k: k not in WorldParams.model_fields and k not in Programme.model_fields
)
bad_names = st.one_of(
    st.just(""),
    st.text(min_size=1, max_size=20).map(lambda t: t + "/x"),
    st.text(max_size=20).map(lambda t: "." + t),
    st.text(alphabet="abc", min_size=101, max_size=120),
    st.sampled_from(["/tmp/abs", "../../escaped", "a/b", "..", "a\\b", "a b"]),
)


@st.composite
def bad_scenario(draw: st.DrawFn) -> str:
    """Text of a scenario file with one defect."""
    head = f'name = "{draw(safe_names)}"\n'
    kind = draw(
        st.sampled_from(
            ["number", "unknown", "name", "toml", "deep", "extends", "binary", "big", "type"]
        )
    )
    if kind == "number":
        key, value = draw(bad_number())
        if draw(st.booleans()):
            head += 'extends = "msd_programme"\n'
        return head + nest(key, value)
    if kind == "unknown":
        table = draw(st.sampled_from(["", "[world]\n", "[policy]\n", "[policy.programme]\n"]))
        return head + table + f"{draw(unknown_keys)}_x = 1\n"
    if kind == "name":
        return f"name = {toml_value(draw(bad_names))}\n"
    if kind == "toml":
        return head + draw(st.text(max_size=40)).replace("\n", " ") + "\n= broken\n"
    if kind == "deep":
        depth = draw(st.integers(34, 3000))
        return head + "x = " + "[" * depth + "]" * depth + "\n"
    if kind == "extends":
        target = draw(
            st.one_of(
                safe_names.filter(lambda n: n not in BUNDLED),
                st.sampled_from(["/dev/zero", "/etc/passwd", ".", "/proc/self/status", "x.toml"]),
            )
        )
        return head + f"extends = {json.dumps(target)}\n"
    if kind == "binary":
        return "\udcff"  # written below as a byte that is not UTF-8
    if kind == "big":
        return head + "#" * 1_000_001 + "\n"
    wrong_shape = {  # a table or list given a scalar, or a string given a list
        "world": f"world = {draw(st.integers())}\n",
        "policy": f"policy = {toml_value(draw(st.text(max_size=5)))}\n",
        "phases": f"[policy.programme]\nphases = {draw(st.integers())}\n",
        "description": f"description = {toml_value([draw(st.integers())])}\n",
    }
    return head + wrong_shape[draw(st.sampled_from(sorted(wrong_shape)))]


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_malformed_scenario_files_are_refused(scratch, data):
    folder = fresh(scratch)
    text = data.draw(bad_scenario())
    path = folder / "scenario.toml"
    if text == "\udcff":
        path.write_bytes(b'name = "x\xff"\n')
    else:
        path.write_text(text)
    command = data.draw(st.sampled_from(["run", "compare"]))
    out = ["--out", str(folder / "out"), "--years", "1"]
    args = (
        ["run", "--scenario", str(path)] if command == "run" else ["compare", "baseline", str(path)]
    )
    refused([*args, *out], folder)


# --- B. experiment specs -------------------------------------------------------------------------
VALID_SPEC = {"name": "exp", "scenarios": ["baseline"], "years": 1, "replicates": 1}
bad_ints = {
    "years": st.one_of(st.integers(max_value=0), st.integers(min_value=201)),
    "replicates": st.one_of(st.integers(max_value=0), st.integers(100_001, 10**15)),
    "seed": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63, max_value=2**64 - 1)),
}


@st.composite
def bad_spec(draw: st.DrawFn) -> str:
    """Text of an experiment file with one defect."""
    spec: dict[str, Any] = dict(VALID_SPEC)
    tables = ""
    kind = draw(
        st.sampled_from(
            [
                "int",
                "type",
                "scenarios",
                "grid_key",
                "grid_value",
                "grid_empty",
                "sample",
                "size",
                "unknown",
            ]
        )
    )
    if kind == "int":
        key = draw(st.sampled_from(sorted(bad_ints)))
        spec[key] = draw(bad_ints[key])
    elif kind == "type":
        key = draw(st.sampled_from(["years", "replicates", "seed", "scenarios", "name"]))
        spec[key] = draw(st.one_of(st.text(max_size=5), st.floats(allow_nan=False), st.booleans()))
        if key in ("name", "scenarios") and isinstance(spec[key], str):
            spec[key] = {"x": spec[key]} if key == "name" else spec[key]
    elif kind == "scenarios":
        spec["scenarios"] = draw(
            st.sampled_from(
                [[], ["/dev/zero"], ["no_such_scenario"], ["baseline", "baseline"], [".."], [3]]
            )
        )
    elif kind == "grid_key":
        root = draw(st.sampled_from(["world", "policy", "x"]))
        tables = f'[grid]\n"{root}.{draw(unknown_keys)}_z" = [1]\n'
    elif kind == "grid_value":
        key, value = draw(bad_number())
        tables = f'[grid]\n"{key}" = [{toml_value(value)}]\n'
    elif kind == "grid_empty":
        tables = '[grid]\n"world.settlement_decay_miles" = []\n'
    elif kind == "sample":
        method = draw(st.sampled_from(["lhs", "sobol", "saltelli", "grid", ""]))
        n = draw(st.integers(-5, 12))
        low, high = draw(st.floats(-1e6, 1e6)), draw(st.floats(-1e6, 1e6))
        ok_n = n >= 1 and (method == "lhs" or (n & (n - 1)) == 0)
        if method in ("lhs", "sobol", "saltelli") and ok_n:
            low, high = max(low, high) + 1.0, min(low, high)  # low above high
        tables = (
            f'[sample]\nmethod = "{method}"\nn = {n}\n[sample.ranges]\n'
            f'"world.settlement_decay_miles" = [{low!r}, {high!r}]\n'
        )
    elif kind == "size":
        spec["replicates"] = 100_000
        tables = (
            '[grid]\n"world.settlement_decay_miles" = ['
            + ", ".join(f"{10 + i}.0" for i in range(draw(st.integers(11, 40))))
            + "]\n"
        )
    else:
        spec[f"{draw(unknown_keys)}_u"] = 1
    head = "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in spec.items())
    return head + tables


@settings(max_examples=120, **SETTINGS)
@given(text=bad_spec())
def test_malformed_experiment_specs_are_refused(scratch, text):
    folder = fresh(scratch)
    path = folder / "exp.toml"
    path.write_text(text)
    refused(["sweep", str(path), "--out", str(folder / "out")], folder)


# --- C. data directories --------------------------------------------------------------------------
BAD_BY_KIND = {
    "count": ["-1", "1.5", "x", "", "nan", "inf", "1e300", "99999999999"],
    "amount": ["-0.5", "x", "", "nan", "1e300"],
    "positive": ["0", "-2", "x", "", "1e300"],
    "share": ["-0.1", "1.5", "x", ""],
    "lat": ["0", "60", "x", ""],
    "lon": ["10", "-20", "x", ""],
    "level": ["0", "5", "2.5", "x"],
    "group": ["nonsense", ""],
    "need": ["nonsense", ""],
    "code": [""],
    "text": [""],
}
CELLS = [
    (file, column, kind)
    for file, columns in SCHEMA.items()
    for column, kind in columns.items()
    if kind in BAD_BY_KIND
]


@st.composite
def bad_data_change(draw: st.DrawFn) -> tuple[str, Any]:
    """(file, change) where change(folder) breaks that file of a copied data directory."""
    kind = draw(st.sampled_from(["cell", "column", "extra", "duplicate", "gone", "empty"]))
    if kind == "cell":
        file, column, col_kind = draw(st.sampled_from(CELLS))
        value = draw(st.sampled_from(BAD_BY_KIND[col_kind]))
        row = draw(st.integers(0, 5))

        def cell(t: pd.DataFrame) -> pd.DataFrame:
            t.loc[min(row, len(t) - 1), column] = value
            return t

        return file, cell
    file = draw(st.sampled_from(sorted(SCHEMA)))
    if kind == "column":
        column = draw(st.sampled_from(sorted(SCHEMA[file])))
        return file, lambda t: t.drop(columns=[column])
    if kind == "extra":
        return file, lambda t: t.assign(surplus_column="1")
    if kind == "duplicate":
        return file, lambda t: pd.concat([t, t.iloc[[0]]])
    if kind == "empty":
        return file, lambda t: t.iloc[:0]
    return file, None  # the file is missing


@settings(max_examples=40, **SETTINGS)
@given(change=bad_data_change())
def test_malformed_data_directories_are_refused(scratch, change):
    folder = fresh(scratch)
    data = copy_bundled(folder / "data")
    file, edit = change
    if edit is None:
        (data / file).unlink()
    else:
        table = pd.read_csv(data / file, dtype=str, keep_default_na=False)
        edit(table).to_csv(data / file, index=False)
    refused(["run", "--years", "1", "--data", str(data), "--out", str(folder / "out")], folder)


# --- D. command-line arguments ------------------------------------------------------------------
not_an_int = st.one_of(
    st.sampled_from(["", "x", "1.5", "1e3", "--", "٣"]), st.text(alphabet="abc!", min_size=1)
)
BAD_OPTIONS = {
    "--years": st.one_of(st.integers(max_value=0), st.integers(min_value=201), not_an_int),
    "--seed": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63), not_an_int),
    "--replicates": st.one_of(st.integers(max_value=0), st.integers(min_value=100_001), not_an_int),
}
COMMANDS = {
    "run": ["run"],
    "compare": ["compare", "baseline", "msd_programme"],
    "calibrate": ["calibrate"],
    "sensitivity": ["sensitivity"],
}
SWEEP_BAD = {
    "--executor": st.text(min_size=1, max_size=8).filter(lambda t: t not in ("local", "dask")),
    "--shard": st.one_of(
        st.text(max_size=8).filter(lambda t: "/" not in t),
        st.tuples(st.integers(0, 50), st.integers(0, 50))
        .filter(lambda kn: kn[0] >= kn[1])
        .map(lambda kn: f"{kn[0]}/{kn[1]}"),
    ),
    "--workers": st.one_of(st.integers(max_value=0), st.integers(min_value=4_097), not_an_int),
    "--runs-per-task": st.one_of(st.integers(max_value=0), not_an_int),
    "--scheduler": st.just("tcp://127.0.0.1:1"),  # with the local executor: refused as such
}
bad_schedulers = st.one_of(
    st.builds(
        "{}://127.0.0.1:8786".format,
        st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(lambda s: s not in ("tcp", "tls")),
    ),
    st.builds("tcp://{}".format, st.text(alphabet="abc:/.", max_size=10)),  # no port
    st.builds("tcp://127.0.0.1:{}".format, st.sampled_from(["0", "x", "99999", "-1", ""])),
    st.just("tcp://127.0.0.1:1"),  # nothing listens on port 1
)


@st.composite
def bad_args(draw: st.DrawFn, folder: Path) -> list[str]:
    """A command line with one bad option (or an unknown one, or a bad --out)."""
    kind = draw(st.sampled_from(["number", "number", "sweep", "unknown", "out", "scheduler"]))
    if kind == "scheduler":
        address = draw(bad_schedulers)
        return [
            "sweep",
            "phase_pacing",
            "--out",
            str(folder / "out"),
            "--executor",
            "dask",
            "--scheduler",
            address,
        ]
    if kind == "sweep":
        option = draw(st.sampled_from(sorted(SWEEP_BAD)))
        value = draw(SWEEP_BAD[option])
        return ["sweep", "phase_pacing", "--out", str(folder / "out"), f"{option}={value}"]
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = [*COMMANDS[command]]
    if command in ("run", "compare"):
        args += ["--out", str(folder / "out")]
    if kind == "unknown":
        return [*args, f"--{draw(safe_names)}-zz"]
    if kind == "out":
        (folder / "a_file").write_text("")
        if command not in ("run", "compare"):
            return [*args, "--years", "0"]
        place = draw(
            st.sampled_from([folder / "a_file", folder / "a_file" / "sub", Path("/proc/x")])
        )
        return [*args, "--out", str(place)]
    options = ["--years"] if command == "calibrate" else list(BAD_OPTIONS)
    if command == "sensitivity":
        options = ["--years", "--seed"]
    option = draw(st.sampled_from(options))
    return [*args, f"{option}={draw(BAD_OPTIONS[option])}"]


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_bad_command_lines_are_refused(scratch, data):
    folder = fresh(scratch)
    refused(data.draw(bad_args(folder)), folder)


# --- E. database URLs -----------------------------------------------------------------------------
@st.composite
def bad_url(draw: st.DrawFn, folder: Path) -> str:
    """A database URL that cannot serve as a results store."""
    kind = draw(st.sampled_from(["scheme", "query", "nofolder", "folder", "garbage", "port"]))
    if kind == "scheme":
        scheme = draw(st.sampled_from(["mysql", "oracle", "mssql", "notadb", "http", "redis"]))
        return f"{scheme}://user@127.0.0.1/{draw(safe_names)}"
    if kind == "query":
        key, value = draw(safe_names), draw(safe_names)
        return f"sqlite:///{folder / 'q.sqlite'}?{key}={value}"
    if kind == "nofolder":
        return f"sqlite:///{folder / draw(safe_names) / 'x.sqlite'}"
    if kind == "folder":
        return f"sqlite:///{folder}"
    if kind == "port":
        return f"postgresql+psycopg://u@127.0.0.1:{draw(safe_names)}/db"
    return draw(
        st.text(alphabet="abc:/@?", min_size=1, max_size=20).filter(lambda t: "://" not in t)
    )


@settings(max_examples=80, **SETTINGS)
@given(data=st.data())
def test_bad_database_urls_are_refused(scratch, data):
    folder = fresh(scratch)
    url = data.draw(bad_url(folder))
    refused(["run", "--years", "1", "--db", url, "--out", str(folder / "out")], folder)
