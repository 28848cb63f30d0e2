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

from sim import calendar as cal
from sim.choice import gumbel_utilities, programme_vacancies, rank_within_groups
from sim.rng import applicant_slots
from sim.training import enter

if TYPE_CHECKING:
    from sim.context import Context


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
    by_merit = np.argsort(-merit)
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


def recruit(ctx: Context, t: int) -> None:
    """One recruitment round (August for every specialty; February for those listed)."""
    w, p, specs = ctx.world, ctx.params, ctx.specs
    n_lo, n_spec = w.n_los, ctx.n_specs
    february = cal.month_of_year(t) == cal.FEBRUARY
    in_round = specs.recruits_in_february if february else np.ones(n_spec, bool)
    vac = ctx.posts.vacant()
    vac = vac[in_round[ctx.posts.spec[vac]]]
    ctx.recorder.add("offered", ctx.region_spec(ctx.posts.trust[vac], ctx.posts.spec[vac]))
    vac, prog_of_post = programme_vacancies(ctx.posts, w, ctx.streams["post_choice"], t, vac)
    capacity = np.bincount(prog_of_post, minlength=n_spec * n_lo)

    n_app = np.where(in_round, np.rint(specs.applicants * p.appointable_share), 0).astype(np.int64)
    if february:
        n_app = np.rint(n_app / 2).astype(np.int64)  # ESTIMATE: a February round is half-size
    spec = np.repeat(np.arange(n_spec), n_app)
    k = np.arange(len(spec)) - np.repeat(np.cumsum(n_app) - n_app, n_app)
    slots = applicant_slots(spec, t, k)
    merit, u_home = ctx.streams.uniforms(t, slots, ("applicant_merit", "applicant_home"))
    cum = np.cumsum(w.lo_population) / w.lo_population.sum()
    home = np.minimum(np.searchsorted(cum, u_home), n_lo - 1)
    util = gumbel_utilities(ctx.streams["applicant_preference"], t, slots, ctx.lo_popularity)
    util[np.arange(len(spec)), home] += p.home_pull
    util[capacity.reshape(n_spec, n_lo)[spec] == 0] = -np.inf  # no seat: never proposed to
    round2 = specs.entry_level[spec] >= 3  # ST3/ST4 entry: applicants already employed
    outside = np.where(round2, p.outside_option_round2, p.outside_option)
    held = deferred_acceptance(util, spec * n_lo, outside, merit, capacity)

    got = np.flatnonzero(held >= 0)
    got = got[np.lexsort((-merit[got], held[got]))]  # by programme, the best first
    first = np.searchsorted(prog_of_post, held[got])
    posts = vac[first + rank_within_groups(held[got])]
    enter(ctx, t, spec[got], posts, home[got], slots=slots[got])
    ctx.recorder.add("recruits", ctx.region_spec(ctx.posts.trust[posts], spec[got]))
