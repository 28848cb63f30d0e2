"""The Mesa model of England's specialty training pipeline (1 step = 1 month).

The documented order of processes is in `sim/step_order.md`. Trainees, posts and consultants
are column stores (`agents/`) whose rules run vectorised over the population; trusts and local
offices are indices into the world's arrays (`sim/world.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from mesa.time import Schedule

from agents.consultant import Consultants
from agents.post import Posts
from agents.trainee import EVENT_NAMES, IN_TRAINING, STATUS_NAMES, Trainees
from sim import calendar as cal
from sim.consultant_market import age_vacancies, consultant_exits, grow_establishment
from sim.initial_state import populate
from sim.international import international_recruits
from sim.need import icb_fair_shares, region_fair_shares
from sim.params import WorldParams
from sim.policy import PolicyParams
from sim.programme import Programme
from sim.recorder import Recorder
from sim.recruitment import recruit
from sim.rng import Streams, make_slots
from sim.rotation import rotate
from sim.settlement import BLOCK, settle
from sim.training import arcp, monthly_exits
from sim.transfers import idt_window
from sim.world import World


@dataclass
class Counts:
    """Live population counters (kept in step with the column stores)."""

    trainees: int = 0
    consultants: int = 0


class TraineeFlowModel(mesa.Model):
    """England's specialty training pipeline, from recruitment to consultant settlement."""

    def __init__(
        self,
        world: World,
        params: WorldParams | None = None,
        policy: PolicyParams | None = None,
        seed: int = 0,
        base_year: int = cal.BASE_YEAR,
    ) -> None:
        super().__init__(rng=seed)
        self.world = world
        self.params = params or WorldParams()
        self.policy = policy or PolicyParams()
        self.seed = int(seed)
        self.base_year = base_year
        self.streams = Streams(seed)
        self.n_specs = world.n_specialties
        self._ordinals: dict[str, np.ndarray] = {}
        self._history: list[np.ndarray] = []
        self.counts = Counts()
        self.person_months = 0
        self.seeking = np.empty(0, dtype=np.int64)  # rows of CCT holders seeking a post, sorted

        self.spec_years = world.spec_column("training_years")
        self.spec_attrition = world.spec_column("attrition_per_year")
        self.spec_early = world.spec_column("attrition_early")
        self.spec_ltft_share = world.spec_column("ltft_share")
        self.spec_applicants = world.spec_column("applicants_per_year")
        self.spec_entry_level = world.spec_column("entry_level", int)
        feb = set(self.params.february_specialties)
        self.spec_recruits_in_february = np.array([c in feb for c in world.specialty_codes])
        self.lo_popularity = np.array(
            [self.params.lo_popularity.get(c, 0.0) for c in world.lo_codes], dtype=float
        )
        self.img_factor = np.array(
            [self.params.img_specialty_factor.get(c, 1.0) for c in world.specialty_codes]
        )
        self.created_this_year = 0  # consultant posts created for waiting candidates
        self.retention_bonus = self.policy.incentives.retention_bonus
        # settlement weights by (last trust x trust), (home local office x trust) and (region of
        # last trust x trust); trusts padded to whole blocks with weight 0
        n_cols = -(-world.n_trusts // BLOCK) * BLOCK
        pad = ((0, 0), (0, n_cols - world.n_trusts))
        decay = np.exp(-world.distance_miles / self.params.settlement_decay_miles)
        self.settlement_decay = np.pad(decay, pad)  # single precision, as the distances
        lo_of_trust, region_of_trust = world.trust_lo[None, :], world.trust_region[None, :]
        pull, bonus = self.params.settlement_home_pull, self.retention_bonus
        home = np.arange(world.n_los)[:, None] == lo_of_trust
        self.home_pull = np.pad(np.where(home, pull, 1.0), pad).astype(np.float32)
        same = np.arange(world.n_regions)[:, None] == region_of_trust
        self.retention_pull = np.pad(np.where(same, bonus, 1.0), pad).astype(np.float32)
        self._icb_shares = icb_fair_shares(
            world, self.policy.programme.deprivation_weight, self.policy.programme.region_growth
        )
        self.region_shares = region_fair_shares(world, self._icb_shares)

        self.trainees = Trainees(capacity=64_000)
        self.posts = Posts(capacity=40_000)
        self.consultants = Consultants(capacity=64_000)
        self.filled = np.zeros((world.n_trusts, self.n_specs), dtype=np.int64)
        self.establishment = world.baseline_establishment.copy()  # funded consultant posts
        # months each cell has had an open vacancy (ESTIMATE at the start: long enough that
        # international recruitment is under way, as for the published 2022 vacancies)
        self.vacant_months = np.where(
            self.establishment > world.baseline_consultants, self.params.img_after_months, 0
        )
        self.recorder = Recorder(world.n_regions, self.n_specs)
        self.programme = Programme(self)
        populate(self)
        self.lo_popularity = self.lo_popularity + self.programme.recruitment_bonus()
        self._schedule_calendar()

    # --- calendar ---------------------------------------------------------------------------
    def _schedule_calendar(self) -> None:
        """Calendar events through Mesa's event API (see sim/step_order.md)."""
        yearly = [
            (self.programme.yearly_moves, cal.JULY, cal.OFFSET_POST_MOVES),
            (self.arcp, cal.JUNE, cal.OFFSET_ARCP),
            (self.idt_window, cal.FEBRUARY, cal.OFFSET_IDT),
            (self.idt_window, 12, cal.OFFSET_IDT),
            (self.recruit, 12, cal.OFFSET_RECRUITMENT),
            (self.recruit_february, cal.FEBRUARY, cal.OFFSET_RECRUITMENT),
            (self.rotate, cal.FEBRUARY, cal.OFFSET_ROTATION),
            (self.rotate, 12, cal.OFFSET_ROTATION),
            (self.august_changeover, 12, cal.OFFSET_ROTATION + 0.01),
            (self.snapshot, 0, cal.OFFSET_SNAPSHOT),
        ]
        self._generators = [
            self.schedule_recurring(fn, Schedule(interval=12, start=month + offset))
            for fn, month, offset in yearly
        ]

    def step(self) -> None:
        """Close the month that just ended: exits, completions, consultant market."""
        t = int(self.time)
        monthly_exits(self, t)
        consultant_exits(self, t)
        self.programme.monthly(t)
        settle(self, t)
        international_recruits(self, t)
        age_vacancies(self)
        self.person_months += self.counts.trainees + self.counts.consultants

    # bound methods keep Mesa's weak references alive for the model's lifetime
    def arcp(self) -> None:
        """ARCP panels (June)."""
        arcp(self)

    def idt_window(self) -> None:
        """Inter-deanery transfer window (February and August)."""
        idt_window(self)

    def recruit(self) -> None:
        """August national recruitment."""
        recruit(self)

    def recruit_february(self) -> None:
        """February recruitment for the specialties that have it."""
        if self.spec_recruits_in_february.any():
            recruit(self)

    def rotate(self) -> None:
        """Rotation between the trusts of a programme."""
        rotate(self)

    def august_changeover(self) -> None:
        """Yearly changes at the start of the training year."""
        grow_establishment(self)
        self.programme.grow_capacity()

    def snapshot(self) -> None:
        """Yearly August snapshot into the tidy tables."""
        self.recorder.snapshot(self)

    # --- helpers used by the processes ---------------------------------------------------------
    def next_ordinals(self, kind: str, spec: np.ndarray) -> np.ndarray:
        """Next permanent ordinals within each agent's specialty (for random-number slots)."""
        counter = self._ordinals.setdefault(kind, np.zeros(self.n_specs, dtype=np.int64))
        spec = np.asarray(spec, dtype=np.int64)
        order = np.argsort(spec, kind="stable")
        sorted_spec = spec[order]
        starts = np.searchsorted(sorted_spec, sorted_spec, side="left")
        within = np.arange(len(spec)) - starts
        out = np.empty(len(spec), dtype=np.int64)
        out[order] = counter[sorted_spec] + within
        counter += np.bincount(spec, minlength=self.n_specs)
        return out

    def slots(self, spec: np.ndarray, ordinal: np.ndarray) -> np.ndarray:
        """Random-number slots for (specialty, ordinal) pairs."""
        return make_slots(spec, ordinal)

    def in_training(self) -> np.ndarray:
        """Rows of trainees in programme."""
        return np.flatnonzero(self.trainees.status[: self.trainees.n] == IN_TRAINING)

    def log(self, rows: np.ndarray, t: int | np.ndarray, event: int, trust: np.ndarray) -> None:
        """Append events to the trainees' history (row, month, event, trust)."""
        if len(rows):
            chunk = np.empty((len(rows), 4), dtype=np.int32)
            chunk[:, 0] = rows
            chunk[:, 1] = t
            chunk[:, 2] = event
            chunk[:, 3] = trust
            self._history.append(chunk)

    def population_growth(self, year: int) -> np.ndarray:
        """Population growth factor of each region by `year` (linear to the target year)."""
        growth = self.policy.programme.region_growth
        target = np.array([growth.get(c, 1.0) for c in self.world.region_codes])
        span = max(self.policy.programme.target_year - 2022, 1)
        frac = np.clip((year - 2022) / span, 0.0, 1.0)
        return 1.0 + (target - 1.0) * frac

    def fair_share_posts(self) -> np.ndarray:
        """Fair share of programme posts by region and specialty (posts, not shares)."""
        return self.region_shares * self.programme.programme_posts_by_spec()[None, :]

    def unplaced_moves_by_region(self) -> np.ndarray:
        """Moves waiting for receiving capacity, by receiving region and specialty."""
        return self.programme.unplaced_by_region()

    # --- inspection --------------------------------------------------------------------------
    def story(self, row: int) -> dict:
        """One trainee as an object: attributes and dated history of where it trained."""
        tr, w = self.trainees, self.world
        info = tr.row(row)
        hist = np.concatenate(self._history) if self._history else np.empty((0, 4), np.int32)
        mine = hist[hist[:, 0] == row]
        events = [
            {
                "month": int(t),
                "date": cal.label(int(t), self.base_year),
                "event": EVENT_NAMES[e],
                "trust": w.trust_codes[k] if k >= 0 else None,
            }
            for _, t, e, k in mine
        ]
        return {
            "row": row,
            "specialty": w.specialty_codes[info["spec"]],
            "status": STATUS_NAMES[info["status"]],
            "local_office": w.lo_codes[info["lo"]],
            "home_local_office": w.lo_codes[info["home_lo"]],
            "ltft": info["fte"] < 1.0,
            "extensions": info["extensions"],
            "trusts_trained_in": list(
                dict.fromkeys(e["trust"] for e in events if e["event"] in EVENT_NAMES[:3])
            ),
            "events": events,
            "attributes": info,
        }
