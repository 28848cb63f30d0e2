"""Conservation and two-way consistency, checked after every month of multi-year runs.

The model is stepped with `run_for(1)`; after each month every invariant below is evaluated and
the first months where it fails are kept, so one run per scenario serves all the tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from helpers import build_data_dir, pick_trusts

from agents.consultant import FROM_CCT
from agents.post import EXPANSION, TARIFF, TRUST_FUNDED
from agents.trainee import CONSULTANT, IN_TRAINING, LEFT, LOST, SEEKING
from sim.model import TraineeFlowModel
from sim.params import WorldParams
from sim.policy import PolicyParams, Programme
from sim.scenario import load_scenario
from sim.world import World

YEARS = 5
SEED = 2


class Tracker:
    """State carried between months (for cumulative checks)."""

    def __init__(self, m: TraineeFlowModel) -> None:
        self.initial_trainees = m.trainees.n
        self.funding0 = funding_counts(m)
        self.person_months = m.person_months
        self.scenario = ""


def funding_counts(m: TraineeFlowModel) -> np.ndarray:
    p = m.posts
    live = p.live()
    return np.bincount(p.funding[live], minlength=3)


def active_consultants(m: TraineeFlowModel) -> np.ndarray:
    c = m.consultants
    return np.flatnonzero(c.active[: c.n])


# Each check returns None when it holds, else a short description of the violation.
Check = Callable[[TraineeFlowModel, Tracker], str | None]


def one_holder_per_post(m, s):
    p = m.posts
    live = p.live()
    holders = p.holder[live]
    holders = holders[holders >= 0]
    dup = len(holders) - len(np.unique(holders))
    inactive = np.flatnonzero(~p.active[: p.n])
    held_inactive = np.count_nonzero(p.holder[inactive] >= 0)
    if dup or held_inactive:
        return f"{dup} trainees hold several posts; {held_inactive} inactive posts held"
    return None


def trainee_holds_exactly_one_post(m, s):
    tr, p = m.trainees, m.posts
    rows = m.in_training()
    post = tr.post[rows]
    if np.any(post < 0):
        return f"{np.count_nonzero(post < 0)} trainees in training without a post"
    bad = np.count_nonzero(p.holder[post] != rows) + np.count_nonzero(~p.active[post])
    if bad:
        return f"{bad} trainees whose post does not point back at them (or is inactive)"
    if len(np.unique(post)) != len(post):
        return "two trainees in training share a post"
    held = np.count_nonzero(p.holder[p.live()] >= 0)
    if held != len(rows):
        return f"{held} posts held but {len(rows)} trainees in training"
    return None


def trainee_attributes_follow_post(m, s):
    tr, p, w = m.trainees, m.posts, m.world
    rows = m.in_training()
    post = tr.post[rows]
    bad = (
        np.count_nonzero(tr.trust[rows] != p.trust[post])
        + np.count_nonzero(tr.spec[rows] != p.spec[post])
        + np.count_nonzero(tr.lo[rows] != w.trust_lo[tr.trust[rows]])
    )
    return f"{bad} mismatches of trust/specialty/office with the post held" if bad else None


def no_post_held_by_non_trainee(m, s):
    tr, p = m.trainees, m.posts
    holders = p.holder[: p.n]
    holders = holders[holders >= 0]
    bad = np.count_nonzero(tr.status[holders] != IN_TRAINING)
    out_of_training = np.flatnonzero(tr.status[: tr.n] != IN_TRAINING)
    with_post = np.count_nonzero(tr.post[out_of_training] >= 0)
    if bad or with_post:
        return f"{bad} posts held by trainees not in training; {with_post} leavers keep a post"
    return None


def recruits_are_conserved(m, s):
    tr = m.trainees
    status = np.bincount(tr.status[: tr.n], minlength=5)
    recruited = s.initial_trainees + int(m.recorder.totals["recruits"].sum())
    if tr.n != recruited:
        return f"{tr.n} trainee rows but {recruited} ever recruited (initial + recruits)"
    parts = status[IN_TRAINING] + status[LEFT] + status[SEEKING] + status[CONSULTANT] + status[LOST]
    if parts != recruited or status.sum() != recruited:
        return f"in training + left + CCT = {parts} != {recruited} ever recruited"
    cct = status[SEEKING] + status[CONSULTANT] + status[LOST]
    if cct != int(m.recorder.totals["ccts"].sum()):
        return f"CCT holders {cct} != CCTs counted {int(m.recorder.totals['ccts'].sum())}"
    c = m.consultants
    from_cct = np.count_nonzero(c.origin[: c.n] == FROM_CCT)
    if from_cct != status[CONSULTANT]:
        return f"{from_cct} consultants from CCT but {status[CONSULTANT]} trainees became one"
    return None


def posts_by_funding_constant(m, s):
    now = funding_counts(m)
    if s.scenario == "baseline":
        same = np.array_equal(now, s.funding0)
    else:  # the programme moves tariff posts (cost neutral); only expansion posts come and go
        same = now[TARIFF] == s.funding0[TARIFF] and now[TRUST_FUNDED] == s.funding0[TRUST_FUNDED]
    return None if same else f"posts by funding {now.tolist()} != {s.funding0.tolist()}"


def filled_matches_consultants(m, s):
    c = m.consultants
    act = active_consultants(m)
    counted = np.zeros_like(m.cells.filled)
    np.add.at(counted, (c.trust[act], c.spec[act]), 1)
    if not np.array_equal(counted, m.cells.filled):
        cells = np.count_nonzero(counted != m.cells.filled)
        return f"model.filled differs from the active consultants in {cells} cells"
    return None


def counters_match_live_counts(m, s):
    t, c = len(m.in_training()), len(active_consultants(m))
    if m.counts.trainees != t or m.counts.consultants != c:
        return f"counts {m.counts} but {t} trainees and {c} consultants live"
    return None


def person_months_accumulate(m, s):
    s.person_months += len(m.in_training()) + len(active_consultants(m))
    if m.person_months != s.person_months:
        return f"person_months {m.person_months} != sum of monthly live counts {s.person_months}"
    return None


CHECKS: dict[str, Check] = {
    f.__name__: f
    for f in (
        one_holder_per_post,
        trainee_holds_exactly_one_post,
        trainee_attributes_follow_post,
        no_post_held_by_non_trainee,
        recruits_are_conserved,
        posts_by_funding_constant,
        filled_matches_consultants,
        counters_match_live_counts,
        person_months_accumulate,
    )
}


@pytest.fixture(scope="module", params=["baseline", "msd_with_expansion"])
def monthly(request, england):
    """Run a scenario month by month; per check, the (month, message) pairs where it failed."""
    scenario = load_scenario(request.param, england)
    m = TraineeFlowModel(england, scenario.world, scenario.policy, seed=SEED)
    tracker = Tracker(m)
    tracker.scenario = request.param
    failures: dict[str, list[tuple[int, str]]] = {name: [] for name in CHECKS}
    for _ in range(12 * YEARS):
        m.run_for(1)
        for name, check in CHECKS.items():
            message = check(m, tracker)
            if message is not None:
                failures[name].append((int(m.time), message))
    return request.param, m, failures


@pytest.mark.parametrize("check", list(CHECKS))
def test_invariant_holds_every_month(monthly, check):
    _, _, failures = monthly
    bad = failures[check]
    assert not bad, f"{check} failed in {len(bad)} months, first: {bad[:3]}"


def test_the_run_exercised_every_flow(monthly):
    """The invariants are not vacuous: the run had every kind of event."""
    scenario, m, _ = monthly
    assert m.steps == 12 * YEARS
    tr = m.trainees
    status = np.bincount(tr.status[: tr.n], minlength=5)
    assert status[LEFT] > 100 and status[CONSULTANT] > 1_000 and status[IN_TRAINING] > 20_000
    totals = m.recorder.totals
    assert totals["recruits"].sum() > 10_000
    assert totals["idt_placed"].sum() > 100
    assert totals["settled"].sum() > 1_000
    assert np.count_nonzero(m.consultants.active[: m.consultants.n] == 0) > 1_000  # exits
    assert np.count_nonzero(tr.extensions[: tr.n]) > 100
    assert np.count_nonzero(tr.fte[m.in_training()] < 1.0) > 1_000
    if scenario != "baseline":
        assert totals["posts_moved_in"].sum() > 50
        assert funding_counts(m)[EXPANSION] > 100


# --- the checks themselves can fail ---------------------------------------------------------------


def _vacant_post(m):
    return int(m.posts.vacant()[0])


CORRUPTIONS = {
    "one_holder_per_post": lambda m, r: m.posts.holder.__setitem__(_vacant_post(m), r),
    "trainee_holds_exactly_one_post": lambda m, r: m.trainees.post.__setitem__(r, _vacant_post(m)),
    "trainee_attributes_follow_post": lambda m, r: m.trainees.trust.__setitem__(
        r, (m.trainees.trust[r] + 1) % m.world.n_trusts
    ),
    "no_post_held_by_non_trainee": lambda m, r: m.trainees.status.__setitem__(r, LEFT),
    "recruits_are_conserved": lambda m, r: m.trainees.status.__setitem__(r, CONSULTANT),
    "posts_by_funding_constant": lambda m, r: m.posts.funding.__setitem__(
        int(m.trainees.post[r]), EXPANSION
    ),
    "filled_matches_consultants": lambda m, r: m.cells.fill(np.array([0]), np.array([0])),
    "counters_match_live_counts": lambda m, r: setattr(m.counts, "trainees", m.counts.trainees + 1),
    "person_months_accumulate": lambda m, r: setattr(m, "person_months", m.person_months + 1),
}


@pytest.fixture(scope="module")
def small_world(tmp_path_factory):
    folder = build_data_dir(
        tmp_path_factory.mktemp("small"),
        specialties=("cardiology",),
        trusts=pick_trusts(1),
        tariff_posts=8,
        consultants=5,
    )
    return World.load(folder)


@pytest.mark.parametrize("check", list(CHECKS))
def test_each_check_detects_its_violation(small_world, check):

    policy = PolicyParams(programme=Programme(enabled=False, phases=()))
    m = TraineeFlowModel(small_world, WorldParams(initial_fill=0.8), policy, seed=1)
    tracker = Tracker(m)
    tracker.scenario = "baseline"
    m.run_for(1)
    assert all(f(m, tracker) is None for f in CHECKS.values())
    tracker.person_months -= len(m.in_training()) + len(active_consultants(m))  # undo that call
    CORRUPTIONS[check](m, int(m.in_training()[0]))
    assert CHECKS[check](m, tracker) is not None
