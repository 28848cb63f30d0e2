"""National recruitment: applicants rank local offices, offers go in order of merit.

Each specialty's appointable applicants rank the local offices by utility (office popularity, a
pull to their home office, a recruitment incentive where a policy sets one, and Gumbel noise)
and will accept only offices above an outside option. Offers follow national ranking: the
result is the applicant-optimal stable matching with a common merit order (serial dictatorship),
computed by deferred acceptance over all specialties at once. Unfilled posts stay vacant until
the next round; fill rates are an outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.training import enter

if TYPE_CHECKING:
    from sim.model import TraineeFlowModel


APPLICANT_BASE = 1 << 30  # applicant ordinals sit above those of base-year trainees
APPLICANTS_PER_ROUND = 1 << 17  # most applicants a specialty can have in one round


def applicant_ordinals(t: int, k: np.ndarray) -> np.ndarray:
    """Permanent ordinals of the k-th applicants of a round at month t (unique per specialty)."""
    return APPLICANT_BASE + int(t) * APPLICANTS_PER_ROUND + np.asarray(k, dtype=np.int64)


def rank_within_groups(groups_sorted: np.ndarray) -> np.ndarray:
    """0,1,2... position of each element within its run of equal values (input sorted)."""
    n = len(groups_sorted)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(groups_sorted[1:], groups_sorted[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    run_index = np.cumsum(new_run) - 1
    return np.arange(n) - starts[run_index]


def deferred_acceptance(
    util: np.ndarray,
    offset: np.ndarray,
    outside: float | np.ndarray,
    merit: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Program held by each applicant (-1 none) after applicant-proposing deferred acceptance.

    util: (applicants x choices) utility of each choice; program id = offset + choice; choices
    at or below `outside` (one value, or one per applicant) are never accepted; merit: in
    [0, 1), higher is better (common to all programs); capacity: seats per program. Applicants
    are numbered by merit (0 the best), so a program keeps the lowest numbers among its holders
    and proposers: one integer sort per round.
    """
    n = len(merit)
    by_merit = np.argsort(-merit, kind="stable")
    util = util[by_merit]  # a copy: tried choices become -inf
    offset = np.asarray(offset)[by_merit]
    outside = np.broadcast_to(np.asarray(outside, dtype=float), (n,))[by_merit]
    held = np.full(n, -1, dtype=np.int64)
    # worst (highest) number a program holds once full (n while it has room): proposers above
    # it lose
    threshold = np.where(capacity > 0, n, -1)
    n_prog = len(capacity)
    free = np.arange(n)
    choice = util.argmax(axis=1)
    # an applicant displaced after idle rounds proposes again, so rounds can exceed the choices;
    # every round consumes at least one proposal, which bounds the loop
    while len(free):
        acceptable = util[free, choice] > outside[free]
        free, choice = free[acceptable], choice[acceptable]
        util[free, choice] = -np.inf  # each program is proposed to at most once
        proposed = offset[free] + choice
        beats = free < threshold[proposed]
        rejected = free[~beats]
        free, proposed = free[beats], proposed[beats]
        if len(free):
            touched = np.zeros(n_prog, dtype=bool)
            touched[proposed] = True
            holding = np.flatnonzero(held >= 0)
            holding = holding[touched[held[holding]]]  # only programs with proposals re-decide
            key = np.concatenate([held[holding] * n + holding, proposed * n + free])
            key.sort()  # by program, then merit
            prog, cand = np.divmod(key, n)
            rank = rank_within_groups(prog)
            accept = rank < capacity[prog]
            held[cand[accept]] = prog[accept]
            held[cand[~accept]] = -1
            last = accept & (rank == capacity[prog] - 1)  # the weakest holder of a full program
            threshold[prog[last]] = cand[last]
            rejected = np.concatenate([rejected, cand[~accept]])
        free = rejected
        choice = util[free].argmax(axis=1)
    out = np.empty(n, dtype=np.int64)
    out[by_merit] = held
    return out


def recruit(m: TraineeFlowModel) -> None:
    """One recruitment round (August for every specialty; February for those listed)."""
    t = int(m.time)
    w, p = m.world, m.params
    n_lo, n_spec = w.n_los, m.n_specs
    in_round = m.spec_recruits_in_february if t % 12 == 6 else np.ones(n_spec, bool)
    vac = m.posts.vacant()
    vac = vac[in_round[m.posts.spec[vac]]]
    prog_of_post = m.posts.spec[vac].astype(np.int64) * n_lo + w.trust_lo[m.posts.trust[vac]]
    capacity = np.bincount(prog_of_post, minlength=n_spec * n_lo)
    m.recorder.add("offered", w.trust_region[m.posts.trust[vac]] * n_spec + m.posts.spec[vac])

    n_app = np.where(in_round, np.rint(m.spec_applicants * p.appointable_share), 0).astype(np.int64)
    if t % 12 == 6:
        n_app = np.rint(n_app / 2).astype(np.int64)  # ESTIMATE: a February round is half-size
    spec = np.repeat(np.arange(n_spec), n_app)
    k = np.arange(len(spec)) - np.repeat(np.cumsum(n_app) - n_app, n_app)
    slots = m.slots(spec, applicant_ordinals(t, k))
    merit = m.streams["applicant_merit"].uniform(t, slots)
    cum = np.cumsum(w.lo_population) / w.lo_population.sum()
    home = np.minimum(np.searchsorted(cum, m.streams["applicant_home"].uniform(t, slots)), n_lo - 1)
    pref_slots = np.repeat(slots, n_lo) * np.uint64(n_lo) + np.tile(
        np.arange(n_lo, dtype=np.uint64), len(spec)
    )
    noise = m.streams["applicant_preference"].gumbel(t, pref_slots).reshape(len(spec), n_lo)
    util = m.lo_popularity[None, :] + noise
    util[np.arange(len(spec)), home] += p.home_pull
    round2 = m.spec_entry_level[spec] >= 3  # ST3/ST4 entry: applicants already employed
    outside = np.where(round2, p.outside_option_round2, p.outside_option)
    held = deferred_acceptance(util, spec * n_lo, outside, merit, capacity)

    got = np.flatnonzero(held >= 0)
    got = got[np.lexsort((-merit[got], held[got]))]
    post_key = m.streams["post_choice"].uniform(t, m.posts.slot[vac])
    vac_order = np.lexsort((post_key, prog_of_post))
    vac, prog_sorted = vac[vac_order], prog_of_post[vac_order]
    first = np.searchsorted(prog_sorted, held[got])
    posts = vac[first + rank_within_groups(held[got])]
    enter(m, t, spec[got], posts, home[got], slots=slots[got])
    m.recorder.add("recruits", w.trust_region[m.posts.trust[posts]] * n_spec + spec[got])
