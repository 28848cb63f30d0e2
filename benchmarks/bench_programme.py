"""Run-time overhead of the redistribution programme (a script, not a test).

    .venv/bin/python benchmarks/bench_programme.py [--years 25] [--repeats 3] [--seed 1]
        [--scenario msd_programme]

Times `--repeats` full runs (`sim.model.run_scenario`, model build included) of `baseline` and of
`--scenario` with the same seed, alternating the two so that machine noise hits both alike, and
prints the median wall time of each and the programme's overhead in percent. The issue asks for
at most 25%. Exit code 1 if the overhead is above `--limit` (default 25).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.model import run_scenario  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.world import World  # noqa: E402


def time_run(scenario, seed: int, years: int, world: World) -> float:
    start = time.perf_counter()
    run_scenario(scenario, seed, years, world)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=25)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="msd_programme")
    ap.add_argument("--limit", type=float, default=25.0, help="largest acceptable overhead, %%")
    args = ap.parse_args()

    world = World.load()
    base = load_scenario("baseline", world)
    prog = load_scenario(args.scenario, world)
    run_scenario(base, args.seed, 1, world)  # warm-up: imports, caches (distance matrix)
    times: dict[str, list[float]] = {"baseline": [], args.scenario: []}
    for _ in range(args.repeats):
        times["baseline"].append(time_run(base, args.seed, args.years, world))
        times[args.scenario].append(time_run(prog, args.seed, args.years, world))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    overhead = 100.0 * (med[args.scenario] / med["baseline"] - 1.0)
    for name, ts in times.items():
        shown = ", ".join(f"{t:.2f}" for t in ts)
        print(
            f"{name:>24}: median {med[name]:.2f} s over {args.repeats} runs of "
            f"{args.years} years ({shown})"
        )
    print(f"programme overhead: {overhead:+.1f}% (limit {args.limit:.0f}%)")
    return 0 if overhead <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
