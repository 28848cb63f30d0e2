"""What `traineeflow sensitivity --out DIR` writes: the indices as CSV and JSON, and a figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from calibration.sensitivity import OUTCOMES, RANGES, Sensitivity


def figure(res: Sensitivity, path: Path) -> Path:
    """One panel per outcome: S1 and ST (Sobol) or mu_star (Morris), with 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    outcomes = list(dict.fromkeys(r["outcome"] for r in res.rows))
    cols = 2
    rows_n = (len(outcomes) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(11, 2.6 * rows_n + 0.6), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = [r for r in res.rows if r["outcome"] == outcome]
        names = [r["parameter"] for r in rows]
        y = np.arange(len(rows))
        if res.method == "sobol":
            for k, (key, off) in enumerate((("S1", -0.18), ("ST", 0.18))):
                v = np.array([r[key] for r in rows])
                c = np.array([r[f"{key}_conf"] for r in rows])
                ax.barh(y + off, v, height=0.35, xerr=c, capsize=2, label=key, color=f"C{k}")
            ax.set_xlim(-0.1, 1.1)
        else:
            v = np.array([r["mu_star"] for r in rows])
            c = np.array([r["mu_star_conf"] for r in rows])
            ax.barh(y, v, xerr=c, capsize=2, label="mu*", color="C0")
        ax.set_yticks(y, names, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(OUTCOMES.get(outcome, outcome), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    what = (
        "Sobol first-order (S1) and total (ST) indices"
        if res.method == "sobol"
        else "Morris mu* (mean absolute elementary effect, outcome units)"
    )
    fig.suptitle(f"{what} with 95% intervals; {res.evaluations} sample points", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(res: Sensitivity, summary: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """indices.csv, sensitivity.json and sensitivity.png in `out_dir`."""
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"indices": out_dir / "indices.csv", "json": out_dir / "sensitivity.json"}
    pd.DataFrame(res.rows).to_csv(files["indices"], index=False)
    files["figure"] = figure(res, out_dir / "sensitivity.png")
    files["json"].write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    return files


def ranges_table() -> list[str]:
    """The declared ranges as Markdown rows."""
    return [
        "| parameter | low | high | basis |",
        "| --- | ---: | ---: | --- |",
        *(f"| {k} | {lo:g} | {hi:g} | {why} |" for k, (lo, hi, why) in RANGES.items()),
    ]
