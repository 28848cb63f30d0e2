"""Speed of the full England model beside the same toy flows in Starsim, naive Mesa and NumPy.

Run: .venv/bin/pip install -e ".[bench]"   (Starsim, only for this benchmark)
     .venv/bin/python benchmarks/bench_peers.py [--repeats 3] [--json]

The toy flows (`benchmarks/toy_spec.py`: yearly intake, attrition, completion after a duration,
consultants at a trust, retirement by age; about 110,000 agents, monthly for 25 years) are written
idiomatically in each peer. Every measurement runs in a fresh interpreter pinned to one core
(taskset), the peers taking turns in each round so that load on the machine falls on all of them;
each peer's best of the rounds is reported, in agent-months per second. A rate counts one call
that builds the model, runs it and hands back its result (not imports, not loading England's
data, not one-time costs such as JIT compilation, paid by a small warm-up run first), by wall time
and by CPU time (steadier when the machine is shared); England's agent-months are its trainees in
training plus consultants in post, each month.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ENGLAND = r"""
import json, resource, sys, time
from sim.world import World
from sim.scenario import load_scenario
from sim.model import run_scenario
years = int(sys.argv[1])
world = World.load()
scenario = load_scenario("baseline", world)
run_scenario(scenario, 2, 1, world)  # warm-up: one-time costs are not a replicate's
wall, cpu = time.perf_counter(), time.process_time()
r = run_scenario(scenario, 1, years, world)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"peer": "traineeflow (England)", "months": 12 * years,
                  "agent_months": r.person_months, "seconds": wall, "cpu_seconds": cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

TOY = r"""
import dataclasses, importlib, json, resource, sys, time
from benchmarks.toy_spec import ToySpec
module, years, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
run = importlib.import_module(f"benchmarks.{module}").run
spec = ToySpec(years=years).scaled(scale)
run(ToySpec(years=1).scaled(0.01), 2)  # warm-up: one-time costs (e.g. JIT) are not a replicate's
wall, cpu = time.perf_counter(), time.process_time()
r = run(spec, 1)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
out = dataclasses.asdict(r) | {"seconds": wall, "cpu_seconds": cpu}
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

PEERS = {  # name: (snippet, toy module or None)
    "england": (ENGLAND, None),
    "starsim": (TOY, "toy_starsim"),
    "mesa": (TOY, "toy_mesa"),
    "numpy": (TOY, "toy_numpy"),
}


def measure(peer: str, years: int, scale: float, cpu: int) -> dict:
    """One run of a peer in a fresh interpreter pinned to `cpu`; its JSON line."""
    code, module = PEERS[peer]
    args = [str(years)] if module is None else [module, str(years), str(scale)]
    cmd = [sys.executable, "-c", code, *args]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu), *cmd]
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        OMP_NUM_THREADS="1",
        NUMBA_NUM_THREADS="1",
        STARSIM_INSTALL_FONTS="0",
    )
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"error: the {peer} run failed:\n{done.stderr[-2000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["rate"] = row["agent_months"] / row["seconds"]
    row["cpu_rate"] = row["agent_months"] / row["cpu_seconds"]
    return row


def versions() -> dict[str, str]:
    """Versions of the frameworks compared."""
    out = {}
    for name in ("starsim", "mesa", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def parse() -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="rounds; the best of each is kept")
    ap.add_argument("--years", type=int, default=25)
    ap.add_argument(
        "--mesa-years", type=int, default=5, help="years of the Mesa toy (25 take minutes)"
    )
    ap.add_argument("--scale", type=float, default=1.0, help="toy population x this")
    ap.add_argument("--peers", default="england,starsim,mesa,numpy")
    ap.add_argument("--cpu", type=int, default=0, help="the core every run is pinned to")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    a.peers = [p.strip() for p in a.peers.split(",") if p.strip()]
    unknown = [p for p in a.peers if p not in PEERS]
    if unknown or a.repeats < 1 or a.years < 1 or a.mesa_years < 1 or a.scale <= 0:
        ap.error(f"unknown peers {unknown} or a count below 1 (known: {', '.join(PEERS)})")
    if "starsim" in a.peers and importlib.util.find_spec("starsim") is None:
        ap.error('starsim is not installed: pip install -e ".[bench]", or leave it out of --peers')
    return a


def main() -> None:
    """Measure the peers in turn, keep each one's best round, print rates and ratios."""
    a = parse()
    load_start = os.getloadavg()[0]
    rounds: dict[str, list[dict]] = {p: [] for p in a.peers}
    for _ in range(a.repeats):
        for p in a.peers:
            years = a.mesa_years if p == "mesa" else a.years
            rounds[p].append(measure(p, years, a.scale, a.cpu))
    best = {p: max(rs, key=lambda r: r["rate"]) for p, rs in rounds.items()}
    best_cpu = {p: max(r["cpu_rate"] for r in rs) for p, rs in rounds.items()}
    ratios = {
        f"england/{p}": [
            best["england"]["rate"] / best[p]["rate"],
            best_cpu["england"] / best_cpu[p],
        ]
        for p in a.peers
        if p != "england" and "england" in best
    }
    out = {
        "load_average": [load_start, os.getloadavg()[0]],
        "versions": versions(),
        "best": best,
        "best_cpu_rate": best_cpu,
        "all_rates": {p: [r["rate"] for r in rs] for p, rs in rounds.items()},
        "ratios_wall_cpu": ratios,
    }
    if a.json:
        print(json.dumps(out, indent=2))
        return
    v = out["versions"]
    print(
        f"best of {a.repeats} on core {a.cpu}; load average {load_start:.2f} -> "
        f"{out['load_average'][1]:.2f}; "
        f"starsim {v['starsim']}, mesa {v['mesa']}, numpy {v['numpy']}"
    )
    print(
        f"{'peer':<26}{'months':>7}{'agent-months':>13}{'seconds':>9}{'M/s wall':>10}"
        f"{'M/s CPU':>9}{'peak MB':>9}"
    )
    for p, r in best.items():
        print(
            f"{r['peer']:<26}{r['months']:>7}{r['agent_months']:>13,}{r['seconds']:>9.2f}"
            f"{r['rate'] / 1e6:>10.2f}{best_cpu[p] / 1e6:>9.2f}{r['peak_mb']:>9.0f}"
        )
    for k, (wall, cpu) in ratios.items():
        print(f"{k}: {wall:.2f}x by wall time, {cpu:.2f}x by CPU time")


if __name__ == "__main__":
    main()
