"""Regenerate docs/validation.md: targets, analytic cohort checks, hindcast, sensitivity.

    .venv/bin/python scripts/validation_report.py    # full budgets: ~25 minutes the first time
    .venv/bin/python scripts/validation_report.py --samples 8 --trajectories 4 --years 3

Every number in the page is computed here: the bundled defaults against every target of
calibration/targets.csv (the `calibrate --check` path: CHECK_SEEDS seeds x CHECK_YEARS years on
the executors), the closed-form cohort checks of tests/test_model_analytic.py (their z-scores),
the hindcast (calibration/hindcast.py), and Morris and Sobol indices of the
policy outcomes (the `sensitivity` path) beside the Sobol indices of the Ishigami function, whose
exact values are known. The page carries a stamp: a hash of the model code, the targets, the
calibration and sensitivity code and this script; tests/test_validation_doc.py fails when the
stamp or the targets table no longer matches, so the page is regenerated whenever they change.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

DOC = ROOT / "docs" / "validation.md"
STAMPED = (  # besides the model code (sim/, agents/: sim.run.code_version)
    "calibration/*.py",
    "calibration/targets.csv",
    "experiments/batch.py",
    "scripts/validation_report.py",
    "tests/test_model_analytic.py",
)


def stamp() -> str:
    """Hash of everything the page's numbers depend on."""
    from sim.provenance import code_version

    h = hashlib.sha256(code_version().encode())
    for pattern in STAMPED:
        for f in sorted(ROOT.glob(pattern)):
            h.update(f.relative_to(ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def stamp_line() -> str:
    """The line that records the stamp in the page."""
    return f"<!-- validation stamp: {stamp()} (scripts/validation_report.py) -->"


def targets_table() -> list[str]:
    """The targets as data: every column of calibration/targets.csv but the measure."""
    from calibration.targets import TARGETS

    lines = [
        "| target | observed | tolerance | unit | years | source | why this tolerance |",
        "| --- | ---: | ---: | --- | --- | --- | --- |",
    ]
    for t in TARGETS:
        lines.append(
            f"| `{t.name}` | {t.value:g} | ±{t.tolerance:g} | {t.unit} | {t.years} | "
            f"{t.source} ([link]({t.url})) | {t.tolerance_basis} |"
        )
    return lines


def check_section(world: Any, store: Any, get: Any, figdir: Path) -> list[str]:  # noqa: ANN401
    """The bundled defaults against every target, and the figure."""
    from calibration.check import CHECK_SEEDS, CHECK_YEARS, compare_targets, loss
    from calibration.report import targets_figure
    from experiments.batch import Design, run_design
    from sim.scenario import load_scenario

    design = Design("calibrate", [load_scenario("baseline", world)], CHECK_YEARS, 1, CHECK_SEEDS)
    runs = run_design(design, world, store, get).runs(0, 0)
    rows = compare_targets(runs)
    targets_figure({"bundled defaults": rows}, figdir / "validation_targets.png")
    held = sum(r["within_tolerance"] for r in rows)
    lines = [
        f"The bundled `baseline`, seeds {[r.seed for r in runs]}, {CHECK_YEARS} years "
        f"(`traineeflow calibrate --check`): **{held} of {len(rows)} targets within tolerance**; "
        f"loss {loss(rows):.3f} (mean of ((simulated - observed) / tolerance)^2).",
        "",
        "| target | observed | simulated (mean of seeds) | 95% interval | accepted range "
        "| within |",
        "| --- | ---: | ---: | --- | --- | --- |",
    ]
    for r in rows:
        lo, hi = r["interval"]
        a, b = r["range"]
        lines.append(
            f"| `{r['name']}` | {r['observed']:g} | {r['simulated']:.3f} | {lo:.3f} to {hi:.3f} "
            f"| {a:.3f} to {b:.3f} | {'yes' if r['within_tolerance'] else '**no**'} |"
        )
    return [*lines, "", "![targets](validation_targets.png)", ""]


def cohort_section(tmp: Path) -> list[str]:
    """z-scores of the closed-form cohort checks (tests/test_model_analytic.py)."""
    import numpy as np
    import test_model_analytic as ta
    from helpers import build_data_dir, pick_trusts

    lines = [
        "A one-specialty world (cardiology, D = 5 years, 360 posts, 5% yearly attrition, no LTFT, "
        "extensions or IDTs, far more applicants than posts) against the closed form of "
        "tests/test_model_analytic.py, over seeds "
        f"{list(ta.SEEDS)} x {ta.YEARS} years. z: (observed - expected) / sd; the test allows "
        f"|z| < {ta.Z:g}, and rejects a hazard 25% higher.",
        "",
        "| early attrition | cohort z, k = 1..4 | CCT z | steady intake (expected I*) | "
        "max cohort z at 1.25x hazard |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for early in (0.0, 0.15):
        folder = build_data_dir(
            tmp / f"analytic_{early}",
            specialties=("cardiology",),
            trusts=pick_trusts(2),
            spec_updates={
                "ltft_share": 0,
                "attrition_per_year": ta.RATE,
                "attrition_early": early,
                "applications_per_year": 20_000,
                "applicants_per_year": 20_000,
            },
            tariff_posts=ta.POSTS_PER_TRUST,
            trust_funded_posts=0,
            consultants=10,
        )
        runs = ta.simulate(folder, early)
        s = runs.survival()
        z = ta.pooled_z(runs, s)
        i_star = runs.posts / s[: ta.D].sum()
        intake = runs.intake[:, ta.D : ta.YEARS].mean()
        wrong = np.max(np.abs(ta.pooled_z(runs, runs.survival(ta.RATE * 1.25))))
        lines.append(
            f"| {early:.0%} over 24 months | {', '.join(f'{v:+.2f}' for v in z)} | "
            f"{ta.cct_z(runs, s):+.2f} | {intake:.1f} ({i_star:.1f}) | {wrong:.1f} |"
        )
    return [*lines, ""]


def hindcast_section(figdir: Path) -> list[str]:
    """Simulated against observed history (calibration/hindcast.py; design in docs/hindcast.md)."""
    from calibration.hindcast import hindcast_figure, run_hindcast

    res = run_hindcast()
    hindcast_figure(res, figdir / "validation_hindcast.png")
    lines = [
        "England's consultants, simulated from 1994 against the national series (supply-led: "
        "funded posts never bind, so consultants come from the pipeline; design, inputs and the "
        "other designs in [docs/hindcast.md](hindcast.md)): mean absolute percentage error "
        f"**{res.mape:.1f}%** over the years with an observed figure.",
        "",
        "| year | observed | simulated |",
        "| --- | ---: | ---: |",
    ]
    for y, o, s in zip(res.years, res.observed, res.simulated, strict=True):
        obs = "" if o is None else f"{o:,.0f}"
        lines.append(f"| {y} | {obs} | {s:,.0f} |")
    return [*lines, "", "![hindcast](validation_hindcast.png)", ""]


def sensitivity_section(
    world: Any,  # noqa: ANN401
    store: Any,  # noqa: ANN401
    get: Any,  # noqa: ANN401
    figdir: Path,
    samples: int,
    trajectories: int,
    years: int,
) -> list[str]:
    """The analytic Sobol check, then Morris and Sobol indices of the policy outcomes."""
    import numpy as np

    from calibration.sensitivity import (
        OUTCOMES,
        ishigami,
        ishigami_indices,
        model_evaluator,
        run_sensitivity,
    )
    from calibration.sensitivity_report import figure, ranges_table
    from sim.scenario import load_scenario

    box = {f"x{i}": (-np.pi, np.pi, "") for i in (1, 2, 3)}
    toy, _, _ = run_sensitivity("sobol", 2048, 1, lambda x: {"y": ishigami(x)}, box)
    exact = ishigami_indices()
    lines = [
        "**Analytic check** (same code path): Sobol indices of the Ishigami function "
        "(a = 7, b = 0.1), 2,048 base samples, against the exact values.",
        "",
        "| input | S1 (95%) | exact S1 | ST (95%) | exact ST |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for j, r in enumerate(toy.rows):
        lines.append(
            f"| {r['parameter']} | {r['S1']:.3f} ± {r['S1_conf']:.3f} | {exact['S1'][j]:.3f} | "
            f"{r['ST']:.3f} ± {r['ST_conf']:.3f} | {exact['ST'][j]:.3f} |"
        )
    base, prog = load_scenario("baseline", world), load_scenario("msd_programme", world)
    lines += ["", "**The model**: uncertain world parameters and their declared ranges.", ""]
    lines += [*ranges_table(), ""]
    for method, n in (("morris", trajectories), ("sobol", samples)):
        evaluate = model_evaluator(base, prog, years, 1, world, store, get)
        res, _, _ = run_sensitivity(method, n, 1, evaluate)  # type: ignore[arg-type]
        name = f"validation_{method}.png"
        figure(res, figdir / name)
        size = f"{n} trajectories" if method == "morris" else f"{n} base samples"
        lines += [
            f"**{method.capitalize()}**: {size}, {res.evaluations} points x 2 scenarios "
            f"(baseline, msd_programme on the same seed) x {years} years."
            + "".join(f" Warning: {w}." for w in res.warnings),
            "",
            "| outcome | parameters, most influential first "
            + ("(ST)" if method == "sobol" else "(mu*)")
            + " |",
            "| --- | --- |",
        ]
        key = "ST" if method == "sobol" else "mu_star"
        for outcome in OUTCOMES:
            rows = {r["parameter"]: r for r in res.rows if r["outcome"] == outcome}
            top = [
                f"{p} {rows[p][key]:.3g} ± {rows[p][key + '_conf']:.2g}"
                for p in res.ranking(outcome)[:4]
            ]
            lines.append(f"| {outcome} | {'; '.join(top)} |")
        lines += ["", f"![{method}]({name})", ""]
    return lines


def main() -> None:
    """Regenerate docs/validation.md."""
    import tempfile

    from experiments.cli_common import lazy_executor
    from results.store import ResultStore
    from sim.world import World

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=128, help="Sobol base samples (power of 2)")
    ap.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    ap.add_argument("--years", type=int, default=15, help="years per sensitivity run")
    ap.add_argument("--workers", type=int, default=None, help="local worker processes")
    ap.add_argument("--db", default=str(ROOT / "out" / "validation" / "results.sqlite"))
    args = ap.parse_args()
    import time

    start = time.perf_counter()
    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    figdir = DOC.parent
    world = World.load()
    store = ResultStore(path=Path(args.db))
    with (
        lazy_executor("local", None, args.workers, None) as get,
        tempfile.TemporaryDirectory() as tmp,
    ):
        sections = [
            (
                "Calibration targets",
                targets_table() + [""] + check_section(world, store, get, figdir),
            ),
            ("Analytic cohort checks", cohort_section(Path(tmp))),
            ("Hindcast", hindcast_section(figdir)),
            (
                "Sensitivity",
                sensitivity_section(
                    world, store, get, figdir, args.samples, args.trajectories, args.years
                ),
            ),
        ]
    store.close()
    lines = [
        "# Validation",
        "",
        stamp_line(),
        "",
        "Generated by `scripts/validation_report.py` (do not edit by hand; "
        "tests/test_validation_doc.py checks it is current). What a researcher checks before "
        "citing a result: does the baseline reproduce what is known (calibration targets, each "
        "with its source), does the model reproduce closed forms, does it reproduce the past "
        "(hindcast), and which uncertain inputs drive the conclusions (sensitivity). The runs "
        "are kept in out/validation/results.sqlite, so regenerating reads them back. This page: "
        f"`--samples {args.samples} --trajectories {args.trajectories} --years {args.years}`, "
        f"{(time.perf_counter() - start) / 60:.0f} minutes on the 2-core machine (runs not "
        "already in the store simulated, the rest read back).",
        "",
    ]
    for title, body in sections:
        lines += [f"## {title}", "", *body]
    DOC.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
