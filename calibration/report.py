"""What `traineeflow calibrate --out DIR` writes: parameter file, tables, figures, a report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from calibration.check import CHECK_YEARS
from calibration.fit import Calibration, CalibrationResult, Evaluation
from sim.paramfile import write_params


def targets_figure(rows: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    """Each target: (simulated - observed) / tolerance with its 95% interval, per labelled set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [r["name"] for r in next(iter(rows.values()))]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.6))
    ax.axvspan(-1, 1, color="0.9", label="within tolerance")
    ax.axvline(0, color="0.5", lw=0.8)
    step = 0.25 if len(rows) > 1 else 0.0
    for k, (label, rs) in enumerate(rows.items()):
        y = np.arange(len(rs)) + (k - (len(rows) - 1) / 2) * step
        z = np.array([(r["simulated"] - r["observed"]) / r["tolerance"] for r in rs])
        lo = np.array([(r["interval"][0] - r["observed"]) / r["tolerance"] for r in rs])
        hi = np.array([(r["interval"][1] - r["observed"]) / r["tolerance"] for r in rs])
        err = np.nan_to_num(np.vstack([z - lo, hi - z]), nan=0.0)
        ax.errorbar(z, y, xerr=err, fmt="o", capsize=3, label=label)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("(simulated - observed) / tolerance  (bars: 95% interval over seeds)")
    ax.set_title("Calibration targets against each source's tolerance")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def loss_figure(result: CalibrationResult, path: Path) -> Path:
    """The loss of every trial and the best so far."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    evs = sorted(result.evaluations, key=lambda e: e.trial)
    x = [e.trial for e in evs]
    y = np.array([e.loss for e in evs])
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(x, y, "o", ms=4, alpha=0.6, label="trial")
    ax.step(x, np.minimum.accumulate(y), where="post", color="C3", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial (0 = the defaults)")
    ax.set_ylabel("loss: mean ((sim - obs) / tol)^2")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| target | observed | tolerance | simulated | 95% interval | within |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows:
        lo, hi = r["interval"]
        lines.append(
            f"| {r['name']} | {r['observed']:.3f} | ±{r['tolerance']:.3f} | "
            f"{r['simulated']:.3f} | {lo:.3f} to {hi:.3f} | "
            f"{'yes' if r['within_tolerance'] else '**no**'} |"
        )
    return lines


def write_report(
    cal: Calibration, result: CalibrationResult, out_dir: Path, seconds: float, db: str
) -> dict[str, Path]:
    """params.toml, evaluations.csv, targets.png, loss.png and report.md in `out_dir`."""
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    best, first = result.best, result.first
    about: dict[str, Any] = {
        "written_by": "traineeflow calibrate",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "study": result.study,
        "trial": best.trial,
        "loss": best.loss,
        "years": cal.years,
        "seeds": cal.replicates,
    }
    files = {"params": write_params(out_dir / "params.toml", _rounded(best), about)}
    rows = [
        {
            "trial": e.trial,
            **e.params,
            **{r["name"]: r["simulated"] for r in e.targets},
            "loss": e.loss,
        }
        for e in sorted(result.evaluations, key=lambda e: e.trial)
    ]
    files["evaluations"] = out_dir / "evaluations.csv"
    pd.DataFrame(rows).to_csv(files["evaluations"], index=False)
    files["targets_figure"] = targets_figure(
        {"defaults (trial 0)": first.targets, f"best (trial {best.trial})": best.targets},
        out_dir / "targets.png",
    )
    files["loss_figure"] = loss_figure(result, out_dir / "loss.png")
    lines = [
        "# Calibration report",
        "",
        f"Study `{result.study}` in {db}: {len(result.evaluations)} trials ({result.new} new, "
        f"{result.resumed} resumed), each on {cal.replicates} common seeds x {cal.years} years "
        f"of `{cal.base.name}`; {seconds:.0f} s.",
        "",
        "Loss: the mean over targets of ((simulated - observed) / tolerance)^2, the simulated "
        "value a mean over the seeds; a target at the edge of its tolerance adds 1. Optuna's "
        "TPE sampler; trial 0 is the defaults."
        + (
            f" Targets that need the O&G cohorts to finish want at least {CHECK_YEARS} years."
            if cal.years < CHECK_YEARS
            else ""
        ),
        "",
        f"## Parameters (best: trial {best.trial}, loss {best.loss:.3g}; defaults "
        f"{first.loss:.3g})",
        "",
        "| parameter | low | high | default | best |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {p.name} | {p.low:g} | {p.high:g} | {first.params[p.name]:.4g} | "
            f"{best.params[p.name]:.4g} |"
            for p in cal.fit
        ),
        "",
        "## Targets with the defaults",
        "",
        *_table(first.targets),
        "",
        f"## Targets at the best trial ({best.trial})",
        "",
        *_table(best.targets),
        "",
        "![targets](targets.png)",
        "",
        "![loss](loss.png)",
        "",
        "Use the fitted values with any command: `--params "
        f"{files['params'].name}` (a scenario's own [world] values still win).",
        "",
    ]
    files["report"] = out_dir / "report.md"
    files["report"].write_text("\n".join(lines), encoding="utf-8")
    return files


def _rounded(ev: Evaluation) -> dict[str, float]:
    """Parameter values to 4 significant figures (beyond the seeds' noise)."""
    return {k: float(f"{v:.4g}") for k, v in ev.params.items()}
