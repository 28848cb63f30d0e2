"""How fast the `traineeflow` command starts: `--help` and a refused bad option.

Run: .venv/bin/python benchmarks/bench_startup.py [--repeats 5]
Each measurement is a fresh process (the console script in the same venv); prints the best and
median wall time of each command line. Target (issue 14): `traineeflow --help` under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TRAINEEFLOW = str(Path(sys.executable).with_name("traineeflow"))
COMMANDS = {
    "--help": ["--help"],
    "run --help": ["run", "--help"],
    "run --seed -1 (refused)": ["run", "--seed", "-1"],
    "sweep --workers 0 (refused)": ["sweep", "phase_pacing", "--workers", "0"],
}


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([TRAINEEFLOW, *args], capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for label, argv in COMMANDS.items():
        times = [timed(argv) for _ in range(args.repeats)]
        print(
            f"{label:32s} best {min(times):.2f} s   median {statistics.median(times):.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
