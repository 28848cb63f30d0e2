"""The `traineeflow` command line: `scenarios`, `run --json`, and bad input (exit 2, one clear
error, nothing written).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from experiments.cli import app
from sim.scenario import BUNDLED, bundled_descriptions

TRAINEEFLOW = Path(sys.executable).parent / "traineeflow"
REGION_KEYS = {
    "posts",
    "trainees",
    "consultants",
    "need_share",
    "consultant_share",
    "coverage",
    "fair_share_posts",
}
TOP_KEYS = {
    "scenario",
    "seed",
    "years",
    "replicates",
    "settled_within_50_miles",
    "trainees_end",
    "consultants_end",
    "regions",
    "person_months",
    "seconds",
    "posts_moved",
    "fair_share_gap",
    "unplaced_moves",
    "idt",
}
runner = CliRunner()


def strict_json(text: str) -> dict:
    """Parse one JSON object, refusing NaN/Infinity (not JSON)."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_scenarios_lists_all_six_bundled_scenarios():
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    entries = [f"{name}: {' '.join(d.split())}" for name, d in bundled_descriptions().items()]
    assert len(entries) == 6
    where = [text.find(entry) for entry in entries]
    assert -1 not in where and where == sorted(where), text  # all six, in the bundled order


def test_scenarios_prints_one_line_per_scenario_when_piped():
    """`traineeflow scenarios | grep fast` must find the whole entry (no wrapping at 80 columns)."""
    result = runner.invoke(app, ["scenarios"])  # not a terminal, as in a pipe
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines] == list(BUNDLED), result.stdout


@pytest.fixture(scope="module")
def programme_json(tmp_path_factory) -> tuple[dict, Path, str]:
    """`traineeflow run --scenario msd_programme --years 2 --json` as a real process."""
    out = tmp_path_factory.mktemp("cli") / "out"
    proc = subprocess.run(
        [
            str(TRAINEEFLOW),
            "run",
            "--scenario",
            "msd_programme",
            "--years",
            "2",
            "--json",
            "--out",
            str(out),
            "--seed",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return strict_json(proc.stdout), out, proc.stdout


def test_run_json_prints_one_object_with_the_issue_keys(programme_json):
    summary, out, stdout = programme_json
    assert stdout.count("\n") == 1 and stdout.strip().startswith("{")  # one line, one object
    assert TOP_KEYS <= set(summary)
    assert summary["scenario"] == "msd_programme"
    assert (summary["seed"], summary["years"], summary["replicates"]) == (5, 2, 1)
    assert 0.5 < summary["settled_within_50_miles"] < 1.0
    assert summary["trainees_end"] > 10_000 and summary["consultants_end"] > 10_000
    assert summary["person_months"] > 0 and summary["seconds"] > 0
    assert "intervals_95" not in summary
    regions = summary["regions"]
    assert len(regions) == 7 and regions["London"]["code"] == "Y56"  # names, not codes
    for code, region in regions.items():
        assert REGION_KEYS <= set(region), code
        assert region["coverage"] == pytest.approx(
            region["consultant_share"] / region["need_share"]
        )
    assert sum(r["need_share"] for r in regions.values()) == pytest.approx(1.0)
    assert sum(r["consultant_share"] for r in regions.values()) == pytest.approx(1.0)
    # the programme's outcomes
    moved = summary["posts_moved"]
    assert moved["total"] > 0
    per_region = moved["net_by_region_year"]
    assert set(per_region) == set(regions)
    years = {y for r in per_region.values() for y in r}
    assert {"2024", "2025"} <= years
    for year in years:  # posts move between regions: net flows cancel nationally
        assert sum(r.get(year, 0.0) for r in per_region.values()) == pytest.approx(0.0)
    assert per_region["London"]["2024"] < 0  # London gives posts up
    within = summary["years_to_fair_share"]  # region name -> years (None: not by the horizon)
    assert set(within) == set(regions)
    assert all(v is None or 0 <= v <= 2 for v in within.values())
    assert within["London"] is None  # two years are too few to move London's surplus
    gap = summary["fair_share_gap"]
    assert set(gap) == {"start", "end"} and 0 < gap["end"] < gap["start"]
    assert summary["unplaced_moves"] >= 0
    assert set(summary["idt"]) == {"applications", "placed"}
    assert 0 < summary["idt"]["placed"] <= summary["idt"]["applications"]
    fair = sum(r["fair_share_posts"] for r in regions.values())
    assert (
        0.8 * sum(r["posts"] for r in regions.values())
        < fair
        <= sum(r["posts"] for r in regions.values())
    )
    written = sorted(p.name for p in out.iterdir())
    assert "results.sqlite" in written and "msd_programme_regions.png" in written


def test_run_again_reads_the_stored_run(programme_json):
    summary, out, _ = programme_json
    result = runner.invoke(
        app,
        [
            "run",
            "--scenario",
            "msd_programme",
            "--years",
            "2",
            "--json",
            "--out",
            str(out),
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    again = strict_json(result.stdout)
    assert again["run_keys"] == summary["run_keys"]
    for key in ("trainees_end", "consultants_end", "unplaced_moves", "fair_share_gap", "idt"):
        assert again[key] == summary[key]


def test_replicates_give_intervals(tmp_path):
    result = runner.invoke(
        app, ["run", "--years", "2", "--replicates", "3", "--json", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    summary = strict_json(result.stdout)
    assert summary["replicates"] == 3
    assert len(set(summary["seeds"])) == 3 and len(set(summary["run_keys"])) == 3
    intervals = summary["intervals_95"]
    for name in ("settled_within_50_miles", "trainees_end", "consultants_end"):
        low, high = intervals[name]
        assert low <= summary[name] <= high, name
        assert low < high, name  # three different seeds are not identical
    assert set(intervals["coverage"]) == set(summary["regions"])


def test_run_takes_a_user_scenario_file_extending_a_bundled_one(tmp_path):
    path = tmp_path / "my_policy.toml"
    path.write_text(
        'name = "my_policy"\nextends = "msd_programme"\n[policy.programme]\n'
        'pacing = "max_posts"\nmax_posts_per_donor_per_year = 1\n'
    )
    result = runner.invoke(
        app,
        ["run", "--scenario", str(path), "--years", "1", "--json", "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    summary = strict_json(result.stdout)
    assert summary["scenario"] == "my_policy"
    moved = summary["posts_moved"]
    # at most one post per donor region and specialty: London alone gives up at most 37 a year
    assert 0 < -moved["net_by_region_year"]["London"]["2024"] <= 37


# --- bad input: exit 2, one clear error, nothing written ---------------------------------------
def bad_scenario(tmp: Path) -> Path:
    path = tmp / "broken_scenario.toml"
    path.write_text(
        'name = "broken"\nextends = "msd_programme"\n[policy.programme]\ndeprivation_weight = 1.7\n'
    )
    return path


def bad_data(tmp: Path) -> Path:
    folder = tmp / "mydata"
    folder.mkdir()
    (folder / "regions.csv").write_text("region_code,region_name\nY56,London\n")
    return folder


BAD_INPUTS = {
    # id: (extra arguments, words the one error line must contain)
    "malformed_scenario_file": (
        lambda t: ["--scenario", str(bad_scenario(t))],
        ["broken_scenario.toml", "policy.programme.deprivation_weight"],
    ),
    "years_zero": (lambda t: ["--years", "0"], ["--years", "at least 1"]),
    "years_too_many": (lambda t: ["--years", "500"], ["--years"]),
    "replicates_zero": (lambda t: ["--replicates", "0"], ["--replicates", "at least 1"]),
    "unknown_scenario": (lambda t: ["--scenario", "msd_turbo"], ["unknown scenario 'msd_turbo'"]),
    "missing_scenario_file": (lambda t: ["--scenario", str(t / "nope.toml")], ["nope.toml"]),
    "bad_db_url": (lambda t: ["--db", "notadb://x"], ["notadb"]),
    "unreachable_postgres": (
        lambda t: ["--db", "postgresql+psycopg://postgres@127.0.0.1:1/x"],
        ["127.0.0.1"],
    ),
    "data_dir_missing": (lambda t: ["--data", str(t / "no_such_dir")], ["no_such_dir"]),
    "data_dir_incomplete": (lambda t: ["--data", str(bad_data(t))], ["local_offices.csv"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_is_one_clear_error_exit_2_and_nothing_written(tmp_path, case):
    make_args, words = BAD_INPUTS[case]
    out = tmp_path / "out"
    out.mkdir()
    sqlite = tmp_path / "elsewhere.sqlite"
    args = ["run", "--years", "1", "--json", "--out", str(out), *make_args(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output
    message = " ".join(result.stderr.split())  # the console may wrap a long message
    for word in words:
        assert word in message, (word, message)
    assert list(out.iterdir()) == []
    if "--db" not in args:  # the same input with a SQLite URL creates no database either
        again = runner.invoke(app, [*args, "--db", f"sqlite:///{sqlite}"])
        assert again.exit_code == 2
        assert not sqlite.exists()


def test_bad_input_from_a_real_process(tmp_path):
    out = tmp_path / "never_made"
    proc = subprocess.run(
        [str(TRAINEEFLOW), "run", "--scenario", str(bad_scenario(tmp_path)), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("error:") == 1
    assert "broken_scenario.toml" in proc.stderr and "deprivation_weight" in proc.stderr
    assert not out.exists()


def test_commands_never_import_the_cli_module_back():
    # cli.py registers the commands; a command module importing experiments.cli would be a loop
    import ast

    folder = Path(__file__).resolve().parents[1] / "experiments"
    for path in folder.glob("*.py"):
        if path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                named = [f"{node.module}.{a.name}" for a in node.names]
                assert node.module != "experiments.cli", path.name
                assert "experiments.cli" not in named, path.name
            elif isinstance(node, ast.Import):
                assert all(a.name != "experiments.cli" for a in node.names), path.name
