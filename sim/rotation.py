"""Rotations between the trusts of a programme (August and February)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.trainee import EV_ROTATE
from sim.choice import pair_order

if TYPE_CHECKING:
    from sim.context import Context


def rotate(ctx: Context, t: int) -> None:
    """A share of trainees swap the posts they hold within their local office and specialty.

    Posts stay with their trusts (and vacancies where they are); trainees move between the
    trusts of their programme, so their history records every trust they trained in.
    """
    tr = ctx.trainees
    rows = tr.in_training()
    draw = ctx.streams["rotation"].uniform(t, tr.slot[rows])
    # positions, not a boolean mask: indexing by a random mask is several times slower
    movers = rows[np.flatnonzero(draw < ctx.params.rotation_share)]
    if len(movers) < 2:
        return
    group = tr.lo[movers].astype(np.int64) * ctx.n_specs + tr.spec[movers]
    key_a, key_b = ctx.streams.uniforms(t, tr.slot[movers], ("rotation_order", "rotation_target"))
    a = movers[group_order(group, key_a)]  # sorted by group, shuffled within
    b = movers[group_order(group, key_b)]  # the same groups in another order
    new_post = tr.post[b]
    tr.post[a] = new_post
    ctx.posts.holder[new_post] = a
    new_trust = ctx.posts.trust[new_post]
    moved = np.flatnonzero(tr.trust[a] != new_trust)
    tr.trust[a] = new_trust
    ctx.history.log(a[moved], t, EV_ROTATE, new_trust[moved])


def group_order(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """`np.argsort(group + key)` for groups >= 0 and keys in (0, 1): by group, then by key.

    One sort of packed integer keys (`pair_order`; a positive float's bits order as the
    number). The sum rounds, so two keys of a group may tie in it, and `np.argsort` orders ties
    its own way: where the sums are not strictly increasing (about one call in ten million),
    the sums are sorted as before.
    """
    order = pair_order(group.view(np.uint64), key.view(np.uint64))
    total = group + key
    ordered = total[order]
    if (ordered[1:] > ordered[:-1]).all():
        return order
    return np.argsort(total)
