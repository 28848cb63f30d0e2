"""Issue 13's reproductions, one test each: bad input is refused before anything runs or is
written (exit 2, one clear error naming the file and key or the option, no traceback), and a
failure after runs are stored says what was stored and how to resume.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from badinput import TRAINEEFLOW, one_error, refused, refused_in_process, runner, unwritable
from helpers import copy_bundled

from experiments.cli import app
from experiments.runner import store_result
from experiments.spec import load_experiment
from experiments.sweep import LocalExecutor, Plan, pending_runs, run_sweep
from results.store import ResultStore
from sim.model import run_scenario


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def run_args(tmp: Path, *extra: str) -> list[str]:
    return ["run", "--years", "1", "--json", "--out", str(tmp / "out"), *extra]


def experiment(tmp: Path, body: str = "", scenarios: str = '"baseline"') -> Path:
    return write(
        tmp,
        "exp.toml",
        f'name = "exp"\nscenarios = [{scenarios}]\nyears = 1\nreplicates = 2\n{body}',
    )


# --- 1. the scenario name becomes a file name ---------------------------------------------------
@pytest.mark.parametrize("name", ["/tmp/traineeflow_abs", "../../escaped", "a/b", ".hidden", ""])
def test_scenario_name_must_be_a_safe_file_name(tmp_path, name):
    path = write(tmp_path, "named.toml", f"name = {json.dumps(name)}\n")
    refused(run_args(tmp_path, "--scenario", str(path)), [tmp_path], ["named.toml", "'name'"])
    assert not Path("/tmp/traineeflow_abs_regions.png").exists()


# --- 2. deep nesting and long extends chains -----------------------------------------------------
def test_deeply_nested_arrays_are_refused(tmp_path):
    path = write(tmp_path, "deep.toml", 'name = "deep"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    refused(run_args(tmp_path, "--scenario", str(path)), [tmp_path], ["deep.toml", "nested"])
    spec = experiment(tmp_path, "[grid]\n" + '"world.x" = ' + "[" * 5000 + "]" * 5000 + "\n")
    refused(["sweep", str(spec), "--out", str(tmp_path / "out")], [tmp_path], ["exp.toml"])


def test_long_extends_chain_is_refused(tmp_path):
    write(tmp_path, "s0.toml", 'name = "s0"\n')
    for i in range(1, 1500):
        write(tmp_path, f"s{i}.toml", f'name = "s{i}"\nextends = "s{i - 1}.toml"\n')
    message = refused(
        run_args(tmp_path, "--scenario", str(tmp_path / "s1499.toml")), [tmp_path], ["extends"]
    )
    assert message.index("s1499.toml") < message.index("chain of more than")


# --- 3. a device as a scenario of an experiment ---------------------------------------------------
def test_experiment_scenario_from_dev_zero_is_not_read(tmp_path):
    spec = experiment(tmp_path, scenarios='"/dev/zero"')
    refused(
        ["sweep", str(spec), "--out", str(tmp_path / "out")],
        [tmp_path],
        ["exp.toml", "scenarios.0", "/dev/zero", "not a regular file"],
    )


# --- 4. [grid] values typed as strictly as in a scenario file -------------------------------------
@pytest.mark.parametrize(
    ("key", "value"),
    [("world.settlement_decay_miles", '"20"'), ("policy.programme.enabled", '"no"')],
)
def test_grid_values_are_typed_strictly(tmp_path, key, value):
    spec = experiment(tmp_path, f'[grid]\n"{key}" = [{value}]\n')
    refused(["sweep", str(spec), "--out", str(tmp_path / "out")], [tmp_path], ["exp.toml", key])
    scenario = write(tmp_path, "same.toml", _as_scenario(key, value))
    refused(run_args(tmp_path, "--scenario", str(scenario)), [tmp_path], ["same.toml", key])


def _as_scenario(key: str, value: str) -> str:
    *tables, last = key.split(".")
    return f'name = "same"\n[{".".join(tables)}]\n{last} = {value}\n'


# --- 5. data directories: bounds and cross-file consistency --------------------------------------
def edit_csv(folder: Path, file: str, change) -> None:
    path = folder / file
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = change(table)
    table.to_csv(path, index=False)


def set_cell(column: str, value: str, row: int = 0):
    def change(t: pd.DataFrame) -> pd.DataFrame:
        t.loc[row, column] = value
        return t

    return change


def _zero_need(t: pd.DataFrame) -> pd.DataFrame:
    t["need_overall"] = "0"
    return t


def _other_region(t: pd.DataFrame) -> pd.DataFrame:
    t.loc[0, "region_code"] = "Y63" if t.loc[0, "region_code"] != "Y63" else "Y56"
    return t


def _london_icb_to_ne(t: pd.DataFrame) -> pd.DataFrame:
    t.loc[t.index[t["lo_code"] == "LDN"][0], "lo_code"] = "NE"
    return t


def _region_without_icbs(t: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([t, pd.DataFrame([{"region_code": "Y99", "region_name": "Nowhere"}])])


DATA_CASES = {
    # id: (file, change, words in the error)
    "population_1e300": ("icbs.csv", set_cell("population", "1e300"), ["icbs.csv", "population"]),
    "tariff_posts_1e10": (
        "posts.csv",
        set_cell("tariff_posts", "10000000000"),
        ["posts.csv", "row 1", "tariff_posts", "limit"],
    ),
    "need_all_zero": ("icbs.csv", _zero_need, ["icbs.csv", "need_overall", "> 0"]),
    "trust_region_not_its_icbs": (
        "trusts.csv",
        _other_region,
        ["trusts.csv", "row 1", "region_code", "ICB"],
    ),
    "icb_given_another_regions_office": (
        "icbs.csv",
        _london_icb_to_ne,
        ["trusts.csv", "lo_code", "ICB"],
    ),
    "region_without_icbs": (
        "regions.csv",
        _region_without_icbs,
        ["regions.csv", "row 8", "Y99", "no ICB"],
    ),
}


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_data_directory_is_refused(tmp_path, case):
    file, change, words = DATA_CASES[case]
    data = copy_bundled(tmp_path / "data")
    edit_csv(data, file, change)
    refused(run_args(tmp_path, "--data", str(data)), [tmp_path], words)


# --- 6. seeds, replicates and horizons on every command -----------------------------------------
@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["run", "--seed", "-1"], "--seed"),
        (["run", "--seed", str(2**63)], "--seed"),
        (["run", "--replicates", "1000000000000"], "--replicates"),
        (["compare", "baseline", "msd_programme", "--seed", "-1"], "--seed"),
        (["compare", "baseline", "msd_programme", "--replicates", str(10**12)], "--replicates"),
        (["calibrate", "--years", "1000"], "--years"),
        (["calibrate", "--seeds", "0"], "--seeds"),
        (["sensitivity", "--years", "1000"], "--years"),
        (["sensitivity", "--seed", str(2**40)], "--seed"),
        (["sensitivity", "--trajectories", "0"], "--trajectories"),
    ],
)
def test_numbers_out_of_bounds_are_refused(tmp_path, args, option):
    out = ["--out", str(tmp_path / "out")] if args[0] in ("run", "compare") else []
    refused([*args, *out], [tmp_path], [option])


# --- 7. output folders ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("where", ["unwritable", "proc", "a_file"])
def test_unusable_output_folder_is_refused_before_any_run(tmp_path, command, where):
    db = tmp_path / "elsewhere.sqlite"
    base = [command, "--years", "1", "--db", f"sqlite:///{db}"]
    if command == "compare":
        base = ["compare", "baseline", "msd_programme", "--replicates", "2", *base[1:]]
    if where == "a_file":
        target = write(tmp_path, "a_file", "")
        refused([*base, "--out", str(target)], [tmp_path], ["--out", "is a file"])
    elif where == "proc":
        refused([*base, "--out", "/proc/traineeflow_out"], [tmp_path], ["--out", "proc"])
    else:
        with unwritable(tmp_path / "locked") as locked:
            refused([*base, "--out", str(locked / "out")], [tmp_path], ["--out", str(locked)])
    assert not db.exists()


# --- 8. Dask scheduler addresses ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "words"),
    [("garbage://x:y", ["--scheduler", "garbage://x:y"]), ("tcp://127.0.0.1:1", ["no Dask"])],
)
def test_bad_scheduler_is_refused_before_the_store_is_made(tmp_path, address, words):
    spec = experiment(tmp_path)
    args = ["sweep", str(spec), "--executor", "dask", "--scheduler", address]
    refused([*args, "--out", str(tmp_path / "out")], [tmp_path], words)


# --- 9. read-only databases -----------------------------------------------------------------------
def make_store(path: Path) -> Path:
    ResultStore(path=path).close()
    return path


def test_sqlite_read_only_url_is_refused_without_side_files(tmp_path):
    db = make_store(tmp_path / "store" / "r.sqlite")
    url = f"sqlite:///{db}?mode=ro&uri=true"
    refused(run_args(tmp_path, "--db", url), [tmp_path], ["SQLite URLs take no options"])


def test_immutable_sqlite_file_is_refused_without_side_files(tmp_path):
    db = make_store(tmp_path / "store" / "r.sqlite")
    with unwritable(db.parent):
        refused(run_args(tmp_path, "--db", f"sqlite:///{db}"), [tmp_path], ["read-only"])
    assert sorted(p.name for p in db.parent.iterdir()) == ["r.sqlite"]


@pytest.mark.postgres
def test_read_only_postgresql_is_refused_before_any_run(tmp_path, new_pg_db, pg_admin):
    url = new_pg_db()
    ResultStore(url=url).close()
    admin, _ = pg_admin
    with admin.connect() as conn:
        name = url.rsplit("/", 1)[1]
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    refused(run_args(tmp_path, "--db", url), [tmp_path], ["cannot be written", "read-only"])
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar() == 0
    engine.dispose()


# --- 10. a full disk after simulating -------------------------------------------------------------
def test_disk_full_while_drawing_says_what_was_stored_and_how_to_resume(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "baseline_regions.png").symlink_to("/dev/full")  # every write: no space left
    result = runner.invoke(app, run_args(tmp_path))
    assert result.exit_code == 1, result.output
    message = one_error(result.stderr, result.stdout)
    for words in ("No space left on device", "1 of 1 run(s)", "results.sqlite", "same command"):
        assert words in message, (words, message)
    with ResultStore(path=out / "results.sqlite") as store:
        assert len(store.completed_keys()) == 1
    again = runner.invoke(app, run_args(tmp_path))  # resumes: reads the stored run
    assert again.exit_code == 1 and "1 of 1 run(s)" in " ".join(again.stderr.split())


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail, not kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_during_a_sweep_gives_a_json_report_and_a_clear_error(tmp_path):
    spec = experiment(tmp_path)
    db = make_store(tmp_path / "store.sqlite")
    proc = subprocess.run(
        [TRAINEEFLOW, "sweep", str(spec), "--db", f"sqlite:///{db}", "--json", "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_limit_file_size(db.stat().st_size + 16_384),
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["completed"] == 0 and "storing a run failed" in report["error"], report
    message = one_error(proc.stderr, "")
    assert "run the same sweep again" in message and "stored runs are skipped" in message
    with ResultStore(path=db) as store:
        assert store.completed_keys() == set()


# --- 11. SQLite URL options -----------------------------------------------------------------------
def test_sqlite_url_with_unknown_options_is_refused(tmp_path):
    db = tmp_path / "x.sqlite"
    refused(run_args(tmp_path, "--db", f"sqlite:///{db}?foo=bar"), [tmp_path], ["foo"])
    assert not db.exists()


# --- 12. sweeps count runs they stored, not runs they computed ----------------------------------
def test_sweep_counts_runs_stored_not_computed(tmp_path, england):
    plan = Plan(load_experiment(experiment(tmp_path), england), england)
    with ResultStore(path=tmp_path / "s.sqlite") as store:
        todo = pending_runs(plan, store)
        assert len(todo) == 2
        first = plan.runs[0]
        scenario = plan.experiment.scenario(first.scenario, first.point)
        assert store_result(store, run_scenario(scenario, first.seed, 1, england))  # "another"
        with LocalExecutor(workers=1) as executor:
            report = run_sweep(plan, store, executor, todo=todo)
        assert (report.completed, report.stored_by_others, report.failed) == (1, 1, 0)
        assert len(store.completed_keys()) == report.completed + 1


# --- 13. messages name the right thing ------------------------------------------------------------
def test_empty_sample_ranges_names_the_table(tmp_path):
    spec = experiment(tmp_path, "[sample]\nn = 2\n[sample.ranges]\n")
    message = refused(["sweep", str(spec), "--out", str(tmp_path / "out")], [tmp_path])
    assert "key 'sample.ranges'" in message and "sample.ranges." not in message
    assert "tuple" not in message


def test_extends_outside_names_the_file_holding_it(tmp_path):
    path = write(tmp_path, "child.toml", 'name = "child"\nextends = "/etc/passwd"\n')
    message = refused(run_args(tmp_path, "--scenario", str(path)), [tmp_path], ["extends"])
    assert message.index("child.toml") < message.index("/etc/passwd")


@pytest.mark.parametrize("kind", ["folder", "link_to_dev_zero"])
def test_data_file_that_is_not_a_file_is_named_as_such(tmp_path, kind):
    data = copy_bundled(tmp_path / "data")
    (data / "trusts.csv").unlink()
    if kind == "folder":
        (data / "trusts.csv").mkdir()
        words = ["trusts.csv", "is a folder"]
    else:
        (data / "trusts.csv").symlink_to("/dev/zero")
        words = ["trusts.csv", "not a regular file"]
    message = refused(run_args(tmp_path, "--data", str(data)), [tmp_path], words)
    assert "not found" not in message


# --- real processes -------------------------------------------------------------------------------
def test_refusals_hold_in_a_real_process(tmp_path):
    path = write(tmp_path, "named.toml", 'name = "../../escaped"\n')
    refused_in_process(run_args(tmp_path, "--scenario", str(path)), [tmp_path], ["named.toml"])
    refused_in_process(run_args(tmp_path, "--seed", "-1"), [tmp_path], ["--seed"])


def test_help_is_quick_and_imports_no_heavy_library():
    code = (
        "import sys, experiments.cli; "
        "print([m for m in ('pandas', 'sqlalchemy', 'dask', 'distributed', 'matplotlib', "
        "'SALib', 'scipy') if m in sys.modules])"
    )
    proc = subprocess.run(
        [str(Path(TRAINEEFLOW).with_name("python")), "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.strip() == "[]", proc.stdout
    help_text = subprocess.run(
        [TRAINEEFLOW, "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    for command in ("run", "compare", "sweep", "calibrate", "sensitivity", "scenarios"):
        assert command in help_text
