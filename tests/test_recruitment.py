"""Recruitment matching: vectorised deferred acceptance equals serial dictatorship by merit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.choice import rank_within_groups
from sim.recruitment import deferred_acceptance


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
)
def test_deferred_acceptance_equals_serial_dictatorship(n, n_choices, n_groups, seed, outside):
    gen = np.random.default_rng(seed)  # test data only; the model never uses np.random
    util = gen.gumbel(size=(n, n_choices))
    group = gen.integers(0, n_groups, n)
    offset = group * n_choices
    merit = gen.permutation(n) / n  # distinct, in [0, 1)
    capacity = gen.integers(0, 4, n_groups * n_choices)
    want = serial_dictatorship(util, offset, outside, merit, capacity)
    got = deferred_acceptance(util.copy(), offset, outside, merit, capacity)
    assert (got == want).all()
    assert (np.bincount(got[got >= 0], minlength=len(capacity)) <= capacity).all()


def test_rank_within_groups():
    assert rank_within_groups(np.array([3, 3, 5, 7, 7, 7])).tolist() == [0, 1, 0, 0, 1, 2]
    assert rank_within_groups(np.array([], dtype=int)).tolist() == []
