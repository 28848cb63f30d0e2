"""Recruitment matching: vectorised deferred acceptance equals serial dictatorship by merit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.choice import (
    descending_key,
    gumbel_candidates,
    gumbel_utilities,
    pair_order,
    rank_within_groups,
    stable_order,
)
from sim.recruitment import deferred_acceptance, home_offices, preference_lists
from sim.rng import Streams, make_slots


def serial_dictatorship(util, offset, outside, merit, capacity):
    """Reference: in merit order, each applicant takes its best acceptable program with room."""
    seats = capacity.copy()
    held = np.full(len(merit), -1)
    for i in np.argsort(-merit):
        for c in np.argsort(-util[i], kind="stable"):
            if util[i, c] <= outside:
                break
            if seats[offset[i] + c] > 0:
                seats[offset[i] + c] -= 1
                held[i] = offset[i] + c
                break
    return held


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    n_choices=st.integers(1, 5),
    n_groups=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    outside=st.floats(-2.0, 1.0),
    ties=st.booleans(),
)
def test_deferred_acceptance_equals_serial_dictatorship(
    n, n_choices, n_groups, seed, outside, ties
):
    gen = np.random.default_rng(seed)  # test data only; the model never uses np.random
    util = gen.gumbel(size=(n, n_choices))
    if ties:  # equal utilities: the first choice wins, as in the reference's stable sort
        util = np.round(util)
    group = gen.integers(0, n_groups, n)
    offset = group * n_choices
    merit = gen.permutation(n) / n  # distinct, in [0, 1)
    capacity = gen.integers(0, 4, n_groups * n_choices)
    want = serial_dictatorship(util, offset, outside, merit, capacity)
    by_merit = np.argsort(-merit)
    number = np.empty(n, dtype=np.int64)
    number[by_merit] = np.arange(n)
    app, choice = np.nonzero(util > outside)
    prefs, count = preference_lists(number[app], offset[app] + choice, util[app, choice], n)
    got = deferred_acceptance(prefs, count, capacity)[number]
    assert (got == want).all()
    assert (np.bincount(got[got >= 0], minlength=len(capacity)) <= capacity).all()


def test_rank_within_groups():
    assert rank_within_groups(np.array([3, 3, 5, 7, 7, 7])).tolist() == [0, 1, 0, 0, 1, 2]
    assert rank_within_groups(np.array([], dtype=int)).tolist() == []


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 300),
    major_top=st.sampled_from([1, 7, 2**20, 2**40]),
    minor_kind=st.sampled_from(["small", "wide", "close"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_pair_order_is_lexsort(n, major_top, minor_kind, seed):
    gen = np.random.default_rng(seed)
    major = gen.integers(0, major_top, n, dtype=np.uint64)
    if minor_kind == "small":  # many exact ties: input order decides
        minor = gen.integers(0, 3, n, dtype=np.uint64)
    elif minor_kind == "wide":
        minor = gen.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2)
    else:  # equal in the top bits, different in the low ones: the radix fallback decides
        minor = np.uint64(2**62) + gen.integers(0, 5, n, dtype=np.uint64)
    want = np.lexsort((minor, major))
    assert (pair_order(major, minor) == want).all()
    assert (stable_order(major, minor) == want).all()


def test_descending_key_orders_floats_highest_first():
    x = np.array([0.5, -np.inf, 3.0, -0.0, 0.0, -2.5, np.inf, -1e-300, 1e-300, -2.5])
    order = np.argsort(descending_key(x), kind="stable")
    assert (order == np.lexsort((np.arange(len(x)), -x))).all()


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(0, 3000),
    floor=st.floats(-3.0, 6.0),
    seed=st.integers(0, 2**16),
)
def test_gumbel_candidates_keep_every_draw_above_the_floor(n, floor, seed):
    streams = Streams(seed)
    base = np.random.default_rng(seed).normal(0.0, 1.0, 12)
    slots = make_slots(np.arange(n) % 5, np.arange(n))
    always = np.arange(n) % 12
    stream = streams["applicant_preference"]
    util = gumbel_utilities(stream, 3, slots, base)
    index, x = gumbel_candidates(stream, 3, slots, base, floor, always)
    app, alt = np.divmod(index, 12)
    assert (np.diff(index) > 0).all()  # agent by agent, alternative by alternative
    assert (base[alt] - x == util[app, alt]).all()  # bit for bit
    above = np.zeros_like(util, dtype=bool)
    above[app, alt] = True
    assert above[np.arange(n), always].all()
    assert above[util > floor].all()


def test_home_offices_is_searchsorted():
    cum = np.cumsum([0.2, 0.0, 0.3, 0.5]) / 1.0000001  # an empty office; rounding below 1
    u = np.concatenate([np.linspace(1e-9, 1 - 1e-9, 999), cum, [0.9999999999]])
    assert (home_offices(u, cum) == np.minimum(np.searchsorted(cum, u), len(cum) - 1)).all()
