"""`traineeflow optimise` end to end on a small budget: front, store, resume, report, errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from experiments.optimise import LEVERS, OBJECTIVES
from results.experiment_tables import read_evaluations
from results.outcomes import OUTCOMES
from results.store import ResultStore

ARGS = ["optimise", "--years", "3", "--replicates", "2", "--population", "3", "--json"]


def invoke(args):
    return CliRunner().invoke(app, args)


def dominated(point, others):
    """True if some other point is no worse on every objective and better on one."""
    a = np.array([point[k] for k in OBJECTIVES])
    for o in others:
        b = np.array([o[k] for k in OBJECTIVES])
        if (b <= a).all() and (b < a).any():
            return True
    return False


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """Four candidates on a process pool, then the budget raised to six on Dask (resumed)."""
    out = tmp_path_factory.mktemp("optimise")
    first = invoke([*ARGS, "--budget", "4", "--workers", "2", "--out", str(out)])
    assert first.exit_code == 0, first.stderr
    with ResultStore(path=out / "results.sqlite") as store:
        runs_after_first = set(store.completed_keys())
    second = invoke(
        [*ARGS, "--budget", "6", "--executor", "dask", "--workers", "1", "--out", str(out)]
    )
    assert second.exit_code == 0, second.stderr
    return out, json.loads(first.stdout), json.loads(second.stdout), runs_after_first


def test_front_is_non_dominated_and_every_evaluation_is_stored(searched):
    out, first, _, runs = searched
    assert first["trials"] == {"resumed": 0, "new": 4}
    evaluations = first["evaluations"]
    assert len(evaluations) == 4 and len(first["front"]) >= 2
    objectives = [e["objectives"] for e in evaluations]
    front = [f["objectives"] for f in first["front"]]
    for point in front:  # nothing on the front is dominated, everything off it is
        assert not dominated(point, objectives)
    for e in evaluations:
        if e["trial"] not in {f["trial"] for f in first["front"]}:
            assert dominated(e["objectives"], objectives)
    for e in evaluations:
        assert set(e["levers"]) == {lv.name for lv in LEVERS}
        for lv in LEVERS:
            assert lv.low <= e["levers"][lv.name] <= lv.high
        assert set(e["objectives"]) == set(OBJECTIVES)
        assert len(e["per_seed"]) == len(e["run_keys"]) == 2
        assert e["objectives"]["years_to_fair_share"] == pytest.approx(
            np.mean([s["years_to_fair_share"] for s in e["per_seed"]])
        )
        assert set(e["run_keys"]) <= runs  # every run of every candidate is in the store
    with ResultStore(path=out / "results.sqlite") as store:
        table = read_evaluations(store, first["study"])
    assert len(table) >= 4 and set(OBJECTIVES) <= set(table.columns)
    row = table.set_index("trial").loc[evaluations[0]["trial"]]
    assert row["icb_gini_end"] == pytest.approx(evaluations[0]["objectives"]["icb_gini_end"])


def test_rerun_resumes_from_the_store_on_dask(searched):
    out, first, second, runs = searched
    assert second["study"] == first["study"]
    assert second["trials"] == {"resumed": 4, "new": 2}
    assert len(second["evaluations"]) == 6
    old = {e["trial"]: e for e in first["evaluations"]}
    for e in second["evaluations"]:
        if e["trial"] in old:  # read back, not re-run: identical numbers and runs
            assert e["objectives"] == old[e["trial"]]["objectives"]
            assert e["run_keys"] == old[e["trial"]]["run_keys"]
    with ResultStore(path=out / "results.sqlite") as store:
        now = set(store.completed_keys())
    new_keys = {k for e in second["evaluations"] if e["trial"] not in old for k in e["run_keys"]}
    assert now == runs | new_keys and len(now - runs) <= 4


def test_optimise_report_reads_as_a_summary_for_a_policy_reader(searched):
    out, _, second, _ = searched
    for key in ("html", "markdown", "front_csv", "evaluations_csv"):
        assert (out / second["report"][key].split("/")[-1]).is_file(), key
    for png in ("optimise_objectives.png", "optimise_levers.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text()
    body = page[page.index("<body>") :]
    assert body.index("SYNTHETIC") < body.index("<h2>")
    assert re.findall(r"<h2>(.*?)</h2>", body)[0] == "Summary"
    assert f"{len(second['front'])} of the 6 combinations" in body
    table = body[body.index("<table>") : body.index("</table>")]
    for name in OBJECTIVES:
        assert name not in table and OUTCOMES[name].label in table
    assert page.count("data:image/png;base64,") == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--budget", "0"], "--budget"),
        (["--executor", "slurm"], "--executor"),
        (["--population", "1"], "--population"),
        (["--scenario", "no_such_scenario"], "no_such_scenario"),
        (["--db", "mysql://x/y"], "unsupported database"),
    ],
)
def test_bad_optimise_input_exits_2_before_writing(tmp_path, args, message):
    out = tmp_path / "out"
    result = invoke(["optimise", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not out.exists()
