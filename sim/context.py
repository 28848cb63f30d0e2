"""The narrow context a process acts on, built by the model: processes never see the model.

A process reads the world, the specialty table, the parameters, the policy and the random
streams, and acts on the stores it is given (trainees, posts, consultants, trust x specialty
cells), counting its events in the recorder and the trainees' history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from agents.cells import TrustCells
from agents.consultant import Consultants
from agents.post import Posts
from agents.trainee import Trainees
from sim.params import WorldParams
from sim.policy import PolicyParams
from sim.recorder import Recorder
from sim.rng import Streams, make_slots
from sim.world import World

if TYPE_CHECKING:
    from sim.settlement import SettlementWeights


@dataclass(frozen=True)
class Specialties:
    """Per-specialty arrays in specialty order: the specialty table and specialty parameters."""

    years: np.ndarray  # nominal training years
    attrition: np.ndarray  # yearly attrition
    early: np.ndarray  # cumulative early (first two years) attrition
    ltft_share: np.ndarray
    applicants: np.ndarray  # applicants a year
    entry_level: np.ndarray  # 1..4 (ST1 ... ST4 entry)
    recruits_in_february: np.ndarray  # bool: a February round too
    img_factor: np.ndarray  # international recruits relative to funded posts

    @property
    def n(self) -> int:
        """Number of specialties."""
        return len(self.years)

    @classmethod
    def build(cls, world: World, params: WorldParams) -> Specialties:
        """From the world's specialty table and the specialty parameters."""
        feb = set(params.february_specialties)
        codes = world.specialty_codes
        return cls(
            years=world.spec_column("training_years"),
            attrition=world.spec_column("attrition_per_year"),
            early=world.spec_column("attrition_early"),
            ltft_share=world.spec_column("ltft_share"),
            applicants=world.spec_column("applicants_per_year"),
            entry_level=world.spec_column("entry_level", int),
            recruits_in_february=np.array([c in feb for c in codes]),
            img_factor=np.array([params.img_specialty_factor.get(c, 1.0) for c in codes]),
        )


class History:
    """Dated events of trainees: (row, month, event, trust) rows, appended in chunks.

    A chunk keeps copies of its rows (int32) and trusts (int16), its event code, and its month
    (one for all, or one per event): 6 bytes an event rather than 16, as a run logs about a
    million events into fresh memory. `since` gives the events as (row, month, event, trust).
    """

    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, int | np.ndarray, int, np.ndarray]] = []

    def log(self, rows: np.ndarray, t: int | np.ndarray, event: int, trust: np.ndarray) -> None:
        """Append one event per row."""
        if len(rows):
            month = int(t) if np.ndim(t) == 0 else np.asarray(t, dtype=np.int32).copy()
            self.chunks.append((rows.astype(np.int32), month, event, trust.astype(np.int16)))

    def since(self, k: int = 0) -> np.ndarray:
        """All events from the k-th chunk on, as one (events x 4) int32 array."""
        if k >= len(self.chunks):
            return np.empty((0, 4), np.int32)
        rows, months, events, trusts = zip(*self.chunks[k:], strict=True)
        sizes = [len(r) for r in rows]
        out = np.empty((sum(sizes), 4), dtype=np.int32)
        out[:, 0] = np.concatenate(rows)
        out[:, 1] = np.concatenate(
            [np.broadcast_to(t, n) for t, n in zip(months, sizes, strict=True)]
        )
        out[:, 2] = np.repeat(events, sizes)
        out[:, 3] = np.concatenate(trusts)
        return out


@dataclass
class Counts:
    """Live population counters (kept in step with the column stores)."""

    trainees: int = 0
    consultants: int = 0


@dataclass
class Context:
    """What the processes read and act on (see the module docstring)."""

    world: World
    specs: Specialties
    params: WorldParams
    policy: PolicyParams
    streams: Streams
    recorder: Recorder
    trainees: Trainees
    posts: Posts
    consultants: Consultants
    cells: TrustCells
    base_year: int
    lo_popularity: np.ndarray  # applicants' utility of each local office
    settlement: SettlementWeights  # CCT holders' weights of trusts
    history: History = field(default_factory=History)
    counts: Counts = field(default_factory=Counts)
    _ordinals: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_specs(self) -> int:
        """Number of specialties."""
        return self.specs.n

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

    def new_slots(self, kind: str, spec: np.ndarray) -> np.ndarray:
        """Random-number slots of new agents of a kind ('trainee', 'post', 'consultant')."""
        return make_slots(spec, self.next_ordinals(kind, spec))

    @cached_property
    def _region_key(self) -> np.ndarray:
        """Each trust's recorder key for specialty 0 (its region x the number of specialties)."""
        return self.world.trust_region * self.n_specs

    def region_spec(self, trust: np.ndarray, spec: np.ndarray) -> np.ndarray:
        """Recorder keys (region of the trust x specialty)."""
        return self._region_key[trust] + spec
