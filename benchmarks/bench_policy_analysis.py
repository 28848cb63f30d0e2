"""Wall time of the policy-analysis commands at full size (a script, not a test).

    .venv/bin/python benchmarks/bench_policy_analysis.py [--out /tmp/bench_policy] [--workers 2]

1. `traineeflow optimise --budget 40 --years 15` into a fresh folder (about 80 runs), then the
   same command again, which must resume everything from the store (no new trials);
2. `traineeflow sweep phase_pacing` (24 runs of 15 years) and `traineeflow analyse phase_pacing`
   on its store with the issue's threshold (gap above 0.02 in 2035).
Prints each command's wall time, the front size and the PRIM summary; exit code 1 if the resumed
optimise ran anything or the front has fewer than two points.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / ".venv" / "bin" / "traineeflow"


def timed(args: list[str]) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run([str(CLI), *args, "--json"], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_policy"))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    opt = ["optimise", "--budget", "40", "--years", "15", "--workers", str(args.workers)]
    opt += ["--out", str(args.out / "optimise")]
    seconds, first = timed(opt)
    print(
        f"optimise --budget 40 --years 15: {seconds:.0f} s, front {len(first['front'])} of "
        f"{len(first['evaluations'])}"
    )
    again, second = timed(opt)
    print(f"optimise rerun (resume): {again:.0f} s, trials {second['trials']}")
    db = f"sqlite:///{args.out / 'sweep.sqlite'}"
    sweep_s, _ = timed(["sweep", "phase_pacing", "--workers", str(args.workers), "--db", db])
    print(f"sweep phase_pacing: {sweep_s:.0f} s")
    analyse_s, result = timed(
        [
            "analyse",
            "phase_pacing",
            "--db",
            db,
            "--out",
            str(args.out / "analyse"),
            "--threshold",
            "fair_share_gap_end>0.02",
            "--year",
            "2035",
        ]
    )
    print(f"analyse phase_pacing: {analyse_s:.0f} s; PRIM: {result['prim']['summary']}")
    ok = second["trials"]["new"] == 0 and len(first["front"]) >= 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
