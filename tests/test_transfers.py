"""Inter-deanery transfers: vacancy placements and swaps keep posts and holders consistent."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import build_model
from sim.scenario import load_scenario
from sim.transfers import idt_window, swap_pairs


def test_swap_pairs_match_opposite_directions_in_order():
    # applicants: (specialty, trains in, asks for)
    spec = np.array([0, 0, 0, 0, 1, 0, 1, 0])
    origin = np.array([1, 2, 1, 2, 1, 3, 2, 1])
    dest = np.array([2, 1, 2, 1, 2, 1, 1, 3])
    a, b = swap_pairs(spec, origin, dest, n_lo=4)
    pairs = sorted(zip(a.tolist(), b.tolist(), strict=True))
    # 1->2 (rows 0, 2) pair with 2->1 (rows 1, 3) in order; 1->3 (7) pairs with 3->1 (5);
    # specialty 1's 1->2 (4) and 2->1 (6) pair; nothing pairs across specialties
    assert pairs == [(0, 1), (2, 3), (4, 6), (7, 5)]


def test_swap_pairs_leave_the_surplus_direction_unpaired():
    spec = np.zeros(5, dtype=np.int64)
    origin = np.array([0, 0, 0, 1, 2])
    dest = np.array([1, 1, 1, 0, 0])
    a, b = swap_pairs(spec, origin, dest, n_lo=3)
    assert a.tolist() == [0] and b.tolist() == [3]  # three ask 0->1, one asks 1->0; 2->0 none


@pytest.fixture(scope="module")
def model(england):
    m = build_model(load_scenario("baseline", england), 3, england)
    m.run_for(12 * 7 + 0.25)  # seven years, to just after August recruitment (offset .2)
    return m


def test_a_window_keeps_one_holder_per_post_and_trusts_with_posts(model):
    ctx = model.ctx
    before = model.recorder.totals["idt_placed"].sum()
    chunks = len(ctx.history.chunks)
    tr, posts = ctx.trainees, ctx.posts
    post_before, holder_before = tr.post[: tr.n].copy(), posts.holder[: posts.n].copy()
    idt_window(ctx, 12 * 7)  # the August window (most applicants, most swaps), run by hand
    rows = tr.in_training()
    assert (posts.holder[tr.post[rows]] == rows).all()
    assert (posts.trust[tr.post[rows]] == tr.trust[rows]).all()
    assert (ctx.world.trust_lo[tr.trust[rows]] == tr.lo[rows]).all()
    held = posts.holder[: posts.n]
    assert len(np.unique(held[held >= 0])) == np.count_nonzero(held >= 0)
    placed = model.recorder.totals["idt_placed"].sum() - before
    logged = ctx.history.since(chunks)
    assert placed > 0 and len(logged) == placed  # every placement (vacancy or swap) is logged
    movers = logged[:, 0]
    new_post = tr.post[movers]
    swapped = movers[holder_before[new_post] >= 0]  # took a post someone held: a swap
    assert len(swapped) > 0
    partner = holder_before[tr.post[swapped]]
    assert (tr.post[partner] == post_before[swapped]).all()  # the partner took the mover's post
