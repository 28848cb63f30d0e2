"""Choice helpers shared by recruitment and inter-deanery transfers.

- `rank_within_groups`: position of each element within its run of equal (sorted) values, the
  building block of every "first k of each group" rule (seats, vacancies, arrivals);
- `gumbel_utilities`: utilities of alternatives with Gumbel noise drawn per (agent, alternative)
  slot, so the highest is a multinomial-logit choice and the order a random preference list;
- `programme_vacancies`: vacant posts ordered by programme (specialty x local office), in a random
  order within each programme that is drawn per post (`post_choice`), so two policies with the
  same vacancies fill them alike.
"""

from __future__ import annotations

import numpy as np

from agents.post import Posts
from sim.rng import Stream, choice_slots
from sim.world import World


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


def gumbel_utilities(stream: Stream, t: int, slots: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(agents x alternatives) utilities: `base` (one per alternative) plus Gumbel noise."""
    x = np.log(stream.uniform(t, choice_slots(slots, len(base)).ravel()))
    np.negative(x, out=x)
    np.log(x, out=x)  # Gumbel noise is -x: base - x, as base + (-log(-log u))
    return np.subtract(base[None, :], x.reshape(len(slots), len(base)))


def programme_vacancies(
    posts: Posts, world: World, stream: Stream, t: int, vac: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vacant posts sorted by programme id (specialty x n_los + local office), and their ids.

    Within a programme the order is random, by the post's draw on `stream` (`post_choice`).
    """
    prog = posts.spec[vac].astype(np.int64) * world.n_los + world.trust_lo[posts.trust[vac]]
    order = np.lexsort((stream.uniform(t, posts.slot[vac]), prog))
    return vac[order], prog[order]
