"""Speed and memory of the full England baseline, its scaling, and the naive Mesa reference.

Run: .venv/bin/python benchmarks/bench_england.py [--repeats 3] [--json]
Each measurement runs in a fresh subprocess pinned to one core (taskset when available), so its
peak resident memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from sim.world import World
from sim.scenario import load_scenario
from sim.model import run_scenario
factor, years, scenario = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
world = World.load()
world = world.scaled(factor) if factor > 1 else world
sc = load_scenario(scenario, world)
t0 = time.perf_counter()
r = run_scenario(sc, 1, years, world)
wall = time.perf_counter() - t0
print(json.dumps({"factor": factor, "seconds": wall, "person_months": r.person_months,
                  "rate": r.person_months / wall,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

NAIVE = r"""
import json, sys
from benchmarks.naive_mesa import naive_rate
from sim.world import World
print(json.dumps({"naive_rate": naive_rate(World.load(), int(sys.argv[1]))}))
"""


def child(code: str, *args: str) -> dict:
    """Run a snippet in a fresh interpreter on one core; return its JSON line."""
    cmd = [sys.executable, "-c", code, *args]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--years", type=int, default=25)
    ap.add_argument("--naive-months", type=int, default=24)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = {}
    for scenario in ("baseline", "msd_programme"):
        runs = [child(CHILD, "1", str(a.years), scenario) for _ in range(a.repeats)]
        rows[scenario] = {
            "seconds_median": statistics.median(r["seconds"] for r in runs),
            "rate_median": statistics.median(r["rate"] for r in runs),
            "peak_mb_max": max(r["peak_mb"] for r in runs),
            "person_months": runs[0]["person_months"],
        }
    scaling = {}
    for f in (1, 2, 4):
        runs = [child(CHILD, str(f), str(a.years), "baseline") for _ in range(a.repeats)]
        scaling[f] = min(
            runs, key=lambda r: abs(r["seconds"] - statistics.median(x["seconds"] for x in runs))
        )  # the median run
    naive = child(NAIVE, str(a.naive_months))["naive_rate"]
    out = {
        "load": os.getloadavg()[0],
        "england": rows,
        "programme_overhead": rows["msd_programme"]["seconds_median"]
        / rows["baseline"]["seconds_median"]
        - 1.0,
        "scaling": {f: {k: v for k, v in r.items() if k != "factor"} for f, r in scaling.items()},
        "naive_mesa_rate": naive,
        "speedup_vs_naive": rows["baseline"]["rate_median"] / naive,
    }
    if a.json:
        print(json.dumps(out, indent=2))
        return
    b = rows["baseline"]
    print(f"load average at start: {out['load']:.2f}")
    print(
        f"England baseline {a.years} years: {b['seconds_median']:.2f} s (median of {a.repeats}),"
        f" {b['rate_median'] / 1e6:.1f} M agent-months/s, peak {b['peak_mb_max']:.0f} MB"
    )
    print(f"msd_programme overhead: {out['programme_overhead']:+.1%}")
    for f, r in out["scaling"].items():
        print(
            f"  {f}x England: {r['seconds']:.2f} s, {r['rate'] / 1e6:.1f} M agent-months/s,"
            f" peak {r['peak_mb']:.0f} MB"
        )
    print(
        f"naive per-agent Mesa: {naive / 1e6:.2f} M agent-months/s; "
        f"speed-up {out['speedup_vs_naive']:.0f}x"
    )


if __name__ == "__main__":
    main()
