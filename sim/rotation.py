"""Rotations between the trusts of a programme (August and February)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.trainee import EV_ROTATE

if TYPE_CHECKING:
    from sim.context import Context


def rotate(ctx: Context, t: int) -> None:
    """A share of trainees swap the posts they hold within their local office and specialty.

    Posts stay with their trusts (and vacancies where they are); trainees move between the
    trusts of their programme, so their history records every trust they trained in.
    """
    tr = ctx.trainees
    rows = tr.in_training()
    slots = tr.slot[rows]
    movers = rows[ctx.streams["rotation"].uniform(t, slots) < ctx.params.rotation_share]
    if len(movers) < 2:
        return
    group = tr.lo[movers].astype(np.int64) * ctx.n_specs + tr.spec[movers]
    key_a, key_b = ctx.streams.uniforms(t, tr.slot[movers], ("rotation_order", "rotation_target"))
    a = movers[np.argsort(group + key_a)]  # keys in [0, 1): sorted by group, shuffled within
    b = movers[np.argsort(group + key_b)]  # the same groups in another order
    new_post = tr.post[b]
    tr.post[a] = new_post
    ctx.posts.holder[new_post] = a
    old_trust = tr.trust[a].copy()
    tr.trust[a] = ctx.posts.trust[new_post]
    moved = a[tr.trust[a] != old_trust]
    ctx.history.log(moved, t, EV_ROTATE, tr.trust[moved])
