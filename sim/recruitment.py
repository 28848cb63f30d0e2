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
from sim.choice import (
    descending_key,
    gumbel_candidates,
    pair_order,
    programme_vacancies,
    rank_within_groups,
)
from sim.rng import applicant_slots
from sim.training import enter

if TYPE_CHECKING:
    from sim.context import Context


def preference_lists(
    applicant: np.ndarray, program: np.ndarray, util: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each applicant's acceptable programs, best first, applicant after applicant.

    Input: one (applicant number, program, utility) triple per acceptable program, an applicant's
    triples in the order that breaks utility ties. Returns the programs and each of the n
    applicants' count of them.
    """
    order = pair_order(np.asarray(applicant, dtype=np.int64).view(np.uint64), descending_key(util))
    return program[order], np.bincount(applicant, minlength=n)


def deferred_acceptance(prefs: np.ndarray, count: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Program held by each applicant (-1 none) after applicant-proposing deferred acceptance.

    Applicants are numbered by merit (0 the best, common to all programs); `prefs` lists each
    one's acceptable programs, best first, `count[i]` of them for applicant i, applicant after
    applicant; capacity: seats per program. A program keeps the lowest numbers among its holders
    and proposers: one integer sort per round of (program, applicant) keys.
    """
    n, n_prog = len(count), len(capacity)
    end = np.cumsum(count)
    next_choice = end - count  # where in `prefs` each applicant proposes next
    bits = max(n.bit_length(), 1)  # key = program << bits | applicant
    mask = (1 << bits) - 1
    holders = np.empty(0, dtype=np.int64)  # keys of the applicants holding a program
    # worst (highest) number a program holds once full (n while it has room): proposers above
    # it lose
    threshold = np.where(capacity > 0, n, -1)
    free = np.flatnonzero(count)
    # an applicant displaced after idle rounds proposes again, so rounds can exceed the choices;
    # every round consumes at least one proposal, which bounds the loop
    while len(free):
        at = next_choice[free]
        proposed = prefs[at]
        next_choice[free] = at + 1
        beats = free < threshold[proposed]
        rejected = free[~beats]
        free, proposed = free[beats], proposed[beats]
        if len(free):
            touched = np.zeros(n_prog, dtype=bool)
            touched[proposed] = True
            redo = touched[holders >> bits]  # only programs with proposals re-decide
            key = np.concatenate([holders[redo], (proposed << bits) | free])
            key.sort()  # by program, then merit
            prog = key >> bits
            seen = np.bincount(prog, minlength=n_prog)
            limit = np.cumsum(seen) - seen + capacity  # past each program's last seat in `key`
            place = np.arange(len(key))
            accept = place < limit[prog]
            weakest = key[place == limit[prog] - 1]  # the last seat of a program that filled
            threshold[weakest >> bits] = weakest & mask
            holders = np.concatenate([holders[~redo], key[accept]])
            rejected = np.concatenate([rejected, key[~accept] & mask])
        free = rejected[next_choice[rejected] < end[rejected]]
    held = np.full(n, -1, dtype=np.int64)
    held[holders & mask] = holders >> bits
    return held


def home_offices(u: np.ndarray, cum_share: np.ndarray) -> np.ndarray:
    """Office drawn by each uniform `u` from the offices' cumulative population shares.

    The first office whose cumulative share reaches u (the last if rounding leaves u above them
    all), as `np.searchsorted` would find it: counted by one comparison per office boundary,
    which is quicker for a dozen offices.
    """
    home = np.zeros(len(u), dtype=np.min_scalar_type(len(cum_share)))
    for boundary in cum_share[:-1]:
        home += u > boundary
    return home


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
    n = len(spec)
    k = np.arange(n) - np.repeat(np.cumsum(n_app) - n_app, n_app)
    slots = applicant_slots(spec, t, k)
    merit, u_home = ctx.streams.uniforms(t, slots, ("applicant_merit", "applicant_home"))
    home = home_offices(u_home, np.cumsum(w.lo_population) / w.lo_population.sum())
    by_merit = np.argsort(-merit)  # applicant numbers: 0 the best
    number = np.empty(n, dtype=np.int64)
    number[by_merit] = np.arange(n)
    prefs, count = _preferences(ctx, t, spec, slots, home, number, capacity)
    held = deferred_acceptance(prefs, count, capacity)

    got = np.flatnonzero(held >= 0)
    bits = n.bit_length()
    key = np.sort((held[got] << bits) | got)  # by programme, the best first
    prog = key >> bits
    posts = vac[np.searchsorted(prog_of_post, prog) + rank_within_groups(prog)]
    got = by_merit[key & ((1 << bits) - 1)]
    enter(ctx, t, spec[got], posts, home[got], slots=slots[got])
    ctx.recorder.add("recruits", ctx.region_spec(ctx.posts.trust[posts], spec[got]))


def _preferences(
    ctx: Context,
    t: int,
    spec: np.ndarray,
    slots: np.ndarray,
    home: np.ndarray,
    number: np.ndarray,
    capacity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each applicant's acceptable programmes, best first (`preference_lists`).

    The utility of an office is its popularity + Gumbel noise, + home_pull at home; an office is
    acceptable above the outside option (higher for ST3/ST4 entry: applicants already employed)
    where the specialty has a seat. Only the draws that can pass are made into utilities.
    """
    p, n_lo = ctx.params, ctx.world.n_los
    entry = np.where(ctx.specs.entry_level >= 3, p.outside_option_round2, p.outside_option)
    floor = np.where(capacity > 0, np.repeat(entry, n_lo), np.inf)  # no seat: never proposed to
    base = ctx.lo_popularity
    stream = ctx.streams["applicant_preference"]
    index, x = gumbel_candidates(stream, t, slots, base, float(floor.min(initial=np.inf)), home)
    app, lo = np.divmod(index, n_lo)
    util = base[lo] - x
    np.add(util, p.home_pull, out=util, where=lo == home[app])
    program = spec[app] * n_lo + lo
    ok = np.flatnonzero(util > floor[program])
    return preference_lists(number[app[ok]], program[ok], util[ok], len(spec))
