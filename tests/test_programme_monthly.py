"""The redistribution programme stepped event window by event window (sim/programme.py).

A post moves only in July and only when vacant; no trainee is ever moved by the programme (trainees
change trust only by rotation or IDT); donor trusts most over fair share release first; receivers
stay within training capacity; IDTs are placed only into vacancies or swaps, and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from agents.post import TARIFF, TRUST_FUNDED
from agents.trainee import EV_IDT, EV_ROTATE, IN_TRAINING
from sim import calendar as cal
from sim.model import TraineeFlowModel, build_model
from sim.scenario import load_scenario
from sim.world import World

SEED = 7
WORLD = World.load()


# --- month by month: vacancy-only moves, trainees never moved, donors, capacity, IDTs ----
@dataclass
class Checked:
    """Problems found while stepping a programme run event window by event window."""

    months: int = 0
    moved_posts: int = 0
    moved_recorded: int = 0
    idt_placed: int = 0
    idt_recorded: int = 0
    idt_swapped: int = 0
    rotations_seen: int = 0
    problems: dict[str, list[Any]] = field(default_factory=dict)

    def flag(self, kind: str, detail: Any) -> None:
        self.problems.setdefault(kind, []).append(detail)


def sample(m: TraineeFlowModel) -> dict[str, np.ndarray]:
    p, tr = m.posts, m.trainees
    out = {
        f"post_{k}": getattr(p, k)[: p.n].copy()
        for k in ("trust", "holder", "active", "funding", "spec")
    }
    out.update(
        {
            f"tr_{k}": getattr(tr, k)[: tr.n].copy()
            for k in ("trust", "post", "status", "start_t", "cct_due")
        }
    )
    out["history"] = np.array(len(m.ctx.history.chunks))
    out["moved_in"] = np.array(m.recorder.totals["posts_moved_in"].sum())
    out["idt_placed"] = np.array(m.recorder.totals["idt_placed"].sum())
    return out


def consistent(m: TraineeFlowModel, c: Checked, when: float) -> None:
    """Trainees and posts agree: a trainee's trust is its post's trust, and the post's holder."""
    tr, p = m.trainees, m.posts
    rows = m.in_training()
    post = tr.post[rows]
    if (post < 0).any() or (p.holder[post] != rows).any():
        c.flag("holder mismatch", when)
    if (p.trust[post] != tr.trust[rows]).any():
        c.flag("trainee trust differs from its post's trust", when)
    if not p.active[post].all():
        c.flag("trainee holds an ended post", when)


def new_events(m: TraineeFlowModel, since: int) -> np.ndarray:
    return m.ctx.history.since(since)


def check_july(m: TraineeFlowModel, c: Checked, a: dict, b: dict, k: int) -> None:
    """The programme's move window: only vacant posts move; trainees stay; donor order; capacity."""
    n = len(a["post_trust"])
    moved = np.flatnonzero(b["post_trust"][:n] != a["post_trust"])
    c.moved_posts += len(moved)
    c.moved_recorded += int(b["moved_in"] - a["moved_in"])
    if (a["post_holder"][moved] >= 0).any() or (b["post_holder"][moved] >= 0).any():
        c.flag("held post moved", k)
    if (a["post_funding"][moved] != TARIFF).any():
        c.flag("non-tariff post moved", k)
    nt = len(a["tr_trust"])
    if (
        len(b["tr_trust"]) != nt
        or (b["tr_trust"] != a["tr_trust"]).any()
        or (b["tr_post"] != a["tr_post"]).any()
    ):
        c.flag("trainee changed at the move point", k)
    if len(new_events(m, int(a["history"]))):
        c.flag("trainee events logged at the move point", k)
    prog = m.programme
    live = np.flatnonzero(a["post_active"])
    for s in np.unique(a["post_spec"][moved]):
        mine = live[(a["post_spec"][live] == s) & (a["post_funding"][live] != TRUST_FUNDED)]
        count = np.bincount(a["post_trust"][mine], minlength=WORLD.n_trusts)
        over = count - prog.trust_shares[:, s] * len(mine)
        vacant = mine[(a["post_holder"][mine] < 0) & (a["post_funding"][mine] == TARIFF)]
        vac = np.bincount(a["post_trust"][vacant], minlength=WORLD.n_trusts)
        ms = moved[a["post_spec"][moved] == s]
        rel = np.bincount(a["post_trust"][ms], minlength=WORLD.n_trusts)
        # donors: a trust released its last post only while at least as far over fair share as
        # any trust of its region that kept a vacant post (released one at a time, most over first)
        for r in range(WORLD.n_regions):
            trusts = np.flatnonzero(WORLD.trust_region == r)
            gave, kept = trusts[rel[trusts] > 0], trusts[vac[trusts] > rel[trusts]]
            if len(gave) and len(kept):
                lowest = (over[gave] - rel[gave] + 1).min()
                if lowest < (over[kept] - rel[kept]).max() - 1e-9:
                    c.flag("a less-over donor trust released first", (k, s, r))
        # receivers: a trust gaining posts stays within its training capacity
        after = np.bincount(
            b["post_trust"][np.flatnonzero(b["post_active"] & (b["post_spec"] == s))],
            minlength=WORLD.n_trusts,
        )
        before = np.bincount(
            a["post_trust"][live[a["post_spec"][live] == s]], minlength=WORLD.n_trusts
        )
        gained = after > before
        if (after[gained] > np.floor(m.cells.capacity[gained, s] + 1e-9)).any():
            c.flag("receiver over capacity", (k, s))
        if (
            WORLD.trust_region[np.flatnonzero(rel)][:, None]
            == WORLD.trust_region[np.flatnonzero(gained)][None, :]
        ).any():
            c.flag("a region both gave and received", (k, s))


def check_idt(m: TraineeFlowModel, c: Checked, a: dict, b: dict, k: int) -> None:
    """An IDT window: movers were eligible and went into a post that was vacant, or swapped posts
    with another mover (each took the other's post)."""
    nt = len(a["tr_post"])
    changed = np.flatnonzero(b["tr_post"][:nt] != a["tr_post"])
    ev = new_events(m, int(a["history"]))
    idt = ev[ev[:, 2] == EV_IDT]
    if set(idt[:, 0].tolist()) != set(changed.tolist()) or (idt[:, 1] != k).any():
        c.flag("IDT movers and IDT events differ", k)
    if len(ev) != len(idt):
        c.flag("other events in the IDT window", k)
    new_post, old_post = b["tr_post"][changed], a["tr_post"][changed]
    partner = a["post_holder"][new_post]  # -1: the post was vacant; else a swap partner
    swap = partner >= 0
    c.idt_swapped += int(swap.sum())
    if not np.isin(partner[swap], changed).all() or (
        b["tr_post"][partner[swap]] != old_post[swap]
    ).any():
        c.flag("IDT into a post that was neither vacant nor a swap partner's", k)
    if (b["post_holder"][old_post[~swap]] >= 0).any():
        c.flag("IDT mover's old post not left vacant", k)
    if ((k - a["tr_start_t"][changed]) < 9).any() or ((a["tr_cct_due"][changed] - k) < 12).any():
        c.flag("ineligible IDT", k)
    if (a["tr_status"][changed] != IN_TRAINING).any():
        c.flag("IDT of a trainee not in training", k)
    c.idt_placed += len(changed)
    c.idt_recorded += int(b["idt_placed"] - a["idt_placed"])


def check_between(m: TraineeFlowModel, c: Checked, a: dict, b: dict, k: int) -> None:
    """Outside the move window posts keep their trusts; trainees change trust only by rotation
    or IDT, each logged with the trust it moved to."""
    n = len(a["post_trust"])
    if (b["post_trust"][:n] != a["post_trust"]).any():
        c.flag("post moved outside the July move window", k)
    nt = len(a["tr_trust"])
    changed = np.flatnonzero(b["tr_trust"][:nt] != a["tr_trust"])
    ev = new_events(m, int(a["history"]))
    ev = ev[np.isin(ev[:, 2], (EV_ROTATE, EV_IDT))]
    last = {int(r): int(t) for r, _, _, t in ev}  # later events overwrite earlier ones
    if any(last.get(int(r)) != int(b["tr_trust"][r]) for r in changed):
        c.flag("trainee changed trust without a rotation or IDT", k)
    c.rotations_seen += int((ev[:, 2] == EV_ROTATE).sum())


@pytest.fixture(scope="module")
def stepped() -> Checked:
    """msd_programme for 6 years, stopped just before and after every July move round, every
    IDT window, and once a month, checking what changed in between."""
    m = build_model(load_scenario("msd_programme", WORLD), SEED, WORLD)
    c = Checked()

    def go(t: float) -> dict:
        m.run_for(t - m.time)
        consistent(m, c, t)
        return sample(m)

    prev: dict | None = None
    for k in range(6 * 12):
        a = go(k + cal.OFFSET_POST_MOVES - 0.01)
        if prev is not None:
            check_between(m, c, prev, a, k - 1)
        b = go(k + cal.OFFSET_POST_MOVES + 0.01)
        if k % 12 == cal.JULY:
            check_july(m, c, a, b, k)
        elif (b["post_trust"][: len(a["post_trust"])] != a["post_trust"]).any():
            c.flag("post moved outside July", k)
        prev = b
        if k % 12 in (cal.AUGUST, cal.FEBRUARY):
            before = go(k + cal.OFFSET_IDT - 0.01)
            check_between(m, c, prev, before, k)
            prev = go(k + cal.OFFSET_IDT + 0.01)
            check_idt(m, c, before, prev, k)
        c.months += 1
    return c


def test_posts_move_only_when_vacant_and_trainees_are_never_moved(stepped):
    assert stepped.months == 72
    assert stepped.moved_posts > 500  # six rounds of real moves were inspected
    assert stepped.moved_posts == stepped.moved_recorded
    for kind in (
        "held post moved",
        "non-tariff post moved",
        "trainee changed at the move point",
        "trainee events logged at the move point",
        "holder mismatch",
        "trainee trust differs from its post's trust",
        "post moved outside July",
        "post moved outside the July move window",
    ):
        assert kind not in stepped.problems, (kind, stepped.problems[kind][:5])


def test_trainees_change_trust_only_by_rotation_or_idt(stepped):
    assert stepped.rotations_seen > 10_000
    assert "trainee changed trust without a rotation or IDT" not in stepped.problems


def test_donor_trusts_most_over_fair_share_release_first(stepped):
    assert "a less-over donor trust released first" not in stepped.problems, stepped.problems.get(
        "a less-over donor trust released first", []
    )[:5]
    assert "a region both gave and received" not in stepped.problems


def test_receivers_stay_within_training_capacity(stepped):
    assert "receiver over capacity" not in stepped.problems


def test_idt_placed_only_into_vacancies_or_swaps_and_recorded(stepped):
    assert stepped.idt_placed > 100
    assert stepped.idt_placed == stepped.idt_recorded
    assert 0 < stepped.idt_swapped < stepped.idt_placed  # swaps happen, vacancies take most
    for kind in (
        "IDT movers and IDT events differ",
        "other events in the IDT window",
        "IDT into a post that was neither vacant nor a swap partner's",
        "IDT mover's old post not left vacant",
        "ineligible IDT",
        "IDT of a trainee not in training",
        "trainee holds an ended post",
    ):
        assert kind not in stepped.problems, (kind, stepped.problems[kind][:5])
