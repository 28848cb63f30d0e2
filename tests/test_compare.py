"""`traineeflow compare` and `run` end to end: JSON, report, figures, store round trip, errors."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from results.analysis import METRICS
from results.metrics import inequality_summary
from results.outcomes import OUTCOMES
from results.store import ResultStore
from sim.provenance import git_commit

ARGS = ["compare", "baseline", "msd_programme", "--replicates", "3", "--years", "6", "--json"]
FIGURES = (
    "compare_regions_over_time.png",
    "compare_region_differences.png",
    "compare_coverage_by_year.png",
    "compare_trust_map.png",
    "compare_icb_change.png",
)
HEADLINE_KEYS = {
    "mean_base",
    "mean_other",
    "diff",
    "ci_paired",
    "ci_unpaired",
    "paired_ci_width",
    "unpaired_ci_width",
}


def invoke(args):
    result = CliRunner().invoke(app, args)
    return result


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """One compare run (6 runs simulated), then the same command again (all read back)."""
    out = tmp_path_factory.mktemp("compare")
    first = invoke([*ARGS, "--out", str(out)])
    assert first.exit_code == 0, first.stderr
    second = invoke([*ARGS, "--out", str(out)])
    assert second.exit_code == 0, second.stderr
    return out, json.loads(first.stdout), json.loads(second.stdout)


def test_compare_json_has_paired_and_unpaired_intervals(compared):
    _, s, _ = compared
    assert s["base"] == "baseline" and s["others"] == ["msd_programme"]
    assert s["replicates"] == 3 and s["years"] == 6 and len(s["seeds"]) == 3
    comp = s["comparisons"]["msd_programme"]
    assert set(comp["metrics"]) == set(METRICS)
    for name in (
        "icb_gini_end",
        "london_coverage_end",
        "fair_share_gap_end",
        "consultants_end",
        "settled_within_50_miles",
        "north_coverage_end",
    ):
        m = comp["metrics"][name]
        assert HEADLINE_KEYS <= set(m), name
        assert m["ci_paired"][0] <= m["diff"] <= m["ci_paired"][1], name
        assert m["diff"] == pytest.approx(m["mean_other"] - m["mean_base"])
    head = comp["headline"]
    gini = comp["metrics"]["icb_gini_end"]
    assert head["metric"] == "icb_gini_end" == s["headline_metric"]
    for key in ("diff", "paired_ci_width", "unpaired_ci_width", "correlation"):
        assert head[key] == gini[key]
    assert 0 < head["paired_ci_width"] and 0 < head["unpaired_ci_width"]
    assert head["paired_ci_width"] == pytest.approx(gini["ci_paired"][1] - gini["ci_paired"][0])
    # Common random numbers couple the arms (a recruit keeps its applicant's random numbers
    # wherever a policy places it), so pairing removes run-to-run noise: the headline's paired
    # interval is visibly narrower than the unpaired one.
    assert head["correlation"] > 0.5
    assert head["paired_ci_width"] < 0.8 * head["unpaired_ci_width"]
    for name in ("consultants_end", "trainees_end", "fill_rate"):
        m = comp["metrics"][name]
        assert m["correlation"] > 0.5, name
        assert m["paired_ci_width"] < m["unpaired_ci_width"], name
    # the programme moves posts toward fair share: the gap closes, London loses coverage
    fair = comp["metrics"]["fair_share_gap_end"]
    assert fair["ci_paired"][1] < 0
    assert comp["metrics"]["london_coverage_end"]["diff"] < 0
    assert comp["metrics"]["posts_moved"]["mean_base"] == 0
    assert s["donor_regions"] == ["London"]  # regions by name in the JSON
    assert set(s["coverage_end"]["msd_programme"]) == {
        "London",
        "South West",
        "South East",
        "Midlands",
        "East of England",
        "North West",
        "North East and Yorkshire",
    }
    assert set(s["years_to_fair_share"]["msd_programme"]) == set(s["coverage_end"]["msd_programme"])
    # per-run outcomes are paired by seed
    seeds = [r["seed"] for r in s["per_run"]["baseline"]]
    assert seeds == [r["seed"] for r in s["per_run"]["msd_programme"]] == s["seeds"]


def test_compare_writes_report_and_figures(compared):
    out, s, _ = compared
    for name in ("report.html", "report.md", *FIGURES):
        path = out / name
        assert path.is_file() and path.stat().st_size > 1000, name
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    commit = git_commit()
    for text in (md, page):
        assert "baseline" in text and "msd_programme" in text
        assert commit in text and "SYNTHETIC" in text
        assert s["provenance"]["data_fingerprint"] in text
        assert "Common random numbers" in text
    assert page.count("data:image/png;base64,") == len(FIGURES)
    for fig in FIGURES:
        assert f"({fig})" in md
    # the headline row of the Markdown table carries the paired interval of the JSON
    gini = s["comparisons"]["msd_programme"]["metrics"]["icb_gini_end"]
    o = OUTCOMES["icb_gini_end"]
    assert f"{o.show_diff(gini['ci_paired'][0])} to {o.show_diff(gini['ci_paired'][1])}" in md


def test_compare_report_opens_with_warning_and_summary_for_a_policy_reader(compared):
    out, s, _ = compared
    page = (out / "report.html").read_text()
    body = page[page.index("<body>") :]
    # the SYNTHETIC warning and the summary come before any other section
    assert body.index("SYNTHETIC") < body.index("<h2>")
    assert re.findall(r"<h2>(.*?)</h2>", body)[0] == "Summary"
    summary = body[body.index("<h2>Summary</h2>") : body.index("<h2>", body.index("Summary"))]
    assert summary.count("<li>") == 3  # three headline findings for one compared scenario
    assert "%" in summary and "95% interval" in summary
    # the headline table names outcomes by label and unit, never by code name
    table = body[body.index("<table>") : body.index("</table>")]
    for name in s["comparisons"]["msd_programme"]["metrics"]:
        assert name not in table, name
        assert OUTCOMES[name].label in table, name


def test_second_compare_reads_stored_runs(compared):
    _, first, second = compared
    assert first["runs"] == {"simulated": 6, "reused": 0}
    assert second["runs"] == {"simulated": 0, "reused": 6}
    assert second["run_seconds"] < first["run_seconds"]
    assert second["run_keys"] == first["run_keys"]
    assert second["comparisons"] == first["comparisons"]
    assert second["per_run"] == first["per_run"]


def test_run_json_matches_what_the_store_holds(tmp_path):
    result = invoke(["run", "--years", "3", "--seed", "7", "--json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    key = printed["run_keys"][0]
    with ResultStore(path=tmp_path / "results.sqlite") as store:
        summary = store.summary([key]).iloc[0]
        region_year = store.region_year([key])
        icb_year = store.icb_year([key])
    for name in (
        "consultants_end",
        "trainees_end",
        "fill_rate",
        "settled_within_50_miles",
        "ltft_share_end",
        "ccts",
    ):
        assert summary[name] == printed[name], name
    assert summary["fair_share_gap_end"] == printed["fair_share_gap"]["end"]
    assert summary["idt_placed"] == printed["idt"]["placed"]
    last = region_year[region_year["year"] == region_year["year"].max()]
    by_region = last.groupby("region_code")[["trainees", "consultants"]].sum()
    for r in printed["regions"].values():
        code = r["code"]
        assert by_region.loc[code, "trainees"] == r["trainees"]
        assert by_region.loc[code, "consultants"] == r["consultants"]
    assert int(last["year"].iloc[0]) == printed["base_year"] + 3
    ineq = inequality_summary(region_year, icb_year, int(last["year"].iloc[0])).iloc[0]
    for name, value in printed["inequality_end"].items():
        assert ineq[name] == pytest.approx(value, rel=1e-12), name


def test_malformed_scenario_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[policy.programme]\nenabeld = true\n')
    out = tmp_path / "out"
    result = invoke(
        [
            "compare",
            "baseline",
            "msd_programme",
            str(bad),
            "--replicates",
            "3",
            "--years",
            "6",
            "--json",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr and "enabeld" in result.stderr
    assert result.stdout == ""
    assert not out.exists()
    out.mkdir()  # an existing folder is left as it was
    again = invoke(["compare", "baseline", str(bad), "--out", str(out)])
    assert again.exit_code == 2 and list(out.iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "baseline", "msd_programme", "--replicates", "1"], "at least 2"),
        (["compare", "baseline", "baseline"], "must differ"),
        (["compare", "baseline", "no_such_scenario"], "no_such_scenario"),
        (["compare", "baseline", "msd_programme", "--years", "0"], "--years"),
    ],
)
def test_bad_compare_input_exits_2_before_writing(tmp_path, args, message):
    out = tmp_path / "out"
    result = invoke([*args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # one message (may wrap once)
    assert not out.exists()


def test_compare_needs_every_arm_on_the_same_seeds(compared):
    """The per-run table of each arm is complete: one row per seed, no NaN headline."""
    _, s, _ = compared
    for arm in ("baseline", "msd_programme"):
        table = pd.DataFrame(s["per_run"][arm])
        assert len(table) == 3 and table["seed"].is_unique
        assert table["icb_gini_end"].notna().all()
