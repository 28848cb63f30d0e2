"""Batches read their runs back a few points at a time: the same runs as a full read, in
bounded memory, in any order of access."""

from __future__ import annotations

import pytest

from experiments.batch import POINTS_PER_READ, Design, run_design
from experiments.runner import load_results
from experiments.sweep import LocalExecutor
from results.store import ResultStore
from sim.scenario import load_scenario

N_POINTS = POINTS_PER_READ + 4  # two blocks


@pytest.fixture(scope="module")
def batch(england, tmp_path_factory):
    store = ResultStore(path=tmp_path_factory.mktemp("batch") / "r.sqlite")
    scenarios = [load_scenario(n, england) for n in ("baseline", "msd_programme")]
    points = [{"world.rotation_share": 0.3 + 0.01 * i} for i in range(N_POINTS)]
    design = Design("sensitivity", scenarios, 2, 5, 1, points)
    with LocalExecutor(2) as ex:
        out = run_design(design, england, store, lambda: ex)
    yield out
    store.close()


def test_runs_are_those_stored_under_their_keys_in_any_order(batch):
    everything = load_results(batch.store, [r.key for r in batch.plan.runs])
    for point in [*range(N_POINTS), *reversed(range(N_POINTS))]:
        for scenario in (0, 1):
            (run,) = batch.runs(scenario, point)
            stored = everything[run.run_key]
            assert run.summary == pytest.approx(stored.summary, rel=0, abs=0, nan_ok=True)
            assert run.params["world"]["rotation_share"] == pytest.approx(0.3 + 0.01 * point)
            assert run.scenario == ("baseline", "msd_programme")[scenario]
        # at most one block of points (x 2 scenarios x 1 replicate) is held at a time
        assert len(batch._read) <= 2 * POINTS_PER_READ
