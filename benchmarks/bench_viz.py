"""Frame cost of the browser app (a script, not a test): model step and figure drawing.

    .venv/bin/python benchmarks/bench_viz.py [--months 60]

Steps `ExplorerModel` (full England, msd_programme) month by month and times, per month: the
model step, the map (built and encoded as PNG, as the app sends it) and, after each August
snapshot, the yearly charts. Prints medians and the implied frames per second while playing.
The browser test (tests/test_viz_browser.py -s) prints the step-to-redraw time seen in Chromium.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viz.explorer import ExplorerModel  # noqa: E402
from viz.figures import charts_figure, map_figure  # noqa: E402


def png(fig) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return len(buf.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    start = time.perf_counter()
    model = ExplorerModel("msd_programme", seed=1)
    build = time.perf_counter() - start
    png(map_figure(model))  # fonts and caches warm
    step_s, map_s, chart_s, sizes = [], [], [], []
    for _ in range(args.months):
        t0 = time.perf_counter()
        model.step()
        t1 = time.perf_counter()
        sizes.append(png(map_figure(model)))
        t2 = time.perf_counter()
        step_s.append(t1 - t0)
        map_s.append(t2 - t1)
        if model.month_label().startswith("Aug"):
            t3 = time.perf_counter()
            png(charts_figure(model))
            chart_s.append(time.perf_counter() - t3)
    med = statistics.median
    frame = med(step_s) + med(map_s)
    print(f"model build {build:.2f} s; {args.months} months")
    print(f"step median {med(step_s) * 1e3:.1f} ms (max {max(step_s) * 1e3:.1f})")
    print(f"map median {med(map_s) * 1e3:.0f} ms, PNG {med(sizes) / 1e3:.0f} kB")
    print(f"charts median {med(chart_s) * 1e3:.0f} ms (once a simulated year)")
    print(f"frame (step + map) {frame * 1e3:.0f} ms -> {1 / frame:.1f} frames/s at most")


if __name__ == "__main__":
    main()
