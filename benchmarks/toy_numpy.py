"""The toy flows (`toy_spec`) in bare NumPy: one array per attribute (struct of arrays), every
rule a whole-array operation each month, one seeded `numpy.random.Generator`.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.toy_spec import CONSULTANT, TRAINEE, ToyResult, ToySpec


class ToyArrays:
    """Agents as rows of preallocated arrays; `n` rows used, `alive` marks those in the model."""

    def __init__(self, spec: ToySpec, seed: int) -> None:
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        cap = spec.trainees0 + spec.consultants0 + spec.intake * spec.years
        self.alive = np.zeros(cap, bool)
        self.role = np.zeros(cap, np.int8)
        self.trust = np.zeros(cap, np.int16)
        self.age = np.zeros(cap)
        self.complete = np.zeros(cap, np.int32)
        self.retire_age = np.zeros(cap)
        self.n = 0
        self.month = 0
        self.counts = dict(intake=0, left=0, completed=0, retired=0, settled_local=0)
        rng = self.rng
        dur = 12 * rng.choice(spec.durations, spec.trainees0)
        elapsed = np.floor(rng.random(spec.trainees0) * dur).astype(np.int32)
        rows = self._trainees(dur - elapsed)
        self.age[rows] += elapsed / 12.0
        rows = self._add(spec.consultants0)
        self.role[rows] = CONSULTANT
        self.trust[rows] = rng.integers(0, spec.trusts, len(rows))
        self.retire_age[rows] = rng.uniform(*spec.retire_age, len(rows))
        self.age[rows] = rng.uniform(*spec.consultant_age0, len(rows))

    def _add(self, k: int) -> np.ndarray:
        rows = np.arange(self.n, self.n + k)
        self.n += k
        self.alive[rows] = True
        return rows

    def _trainees(self, months_left: np.ndarray) -> np.ndarray:
        rows = self._add(len(months_left))
        self.role[rows] = TRAINEE
        self.trust[rows] = self.rng.integers(0, self.spec.trusts, len(rows))
        self.age[rows] = self.rng.uniform(*self.spec.intake_age, len(rows))
        self.complete[rows] = self.month + months_left
        return rows

    def step(self) -> int:
        """One month; returns the agents in the model at its end."""
        s, rng, c, n = self.spec, self.rng, self.counts, self.n
        if (self.month + 1) % 12 == 0:
            self._trainees(12 * rng.choice(s.durations, s.intake))
            c["intake"] += s.intake
            n = self.n
        alive, role = self.alive[:n], self.role[:n]
        trainees = np.flatnonzero(alive & (role == TRAINEE))
        leavers = trainees[rng.random(len(trainees)) < s.p_attrition]
        alive[leavers] = False
        done = np.flatnonzero(alive & (role == TRAINEE) & (self.complete[:n] <= self.month))
        role[done] = CONSULTANT
        stay = rng.random(len(done)) < s.stay_local
        moved = done[~stay]
        self.trust[moved] = rng.integers(0, s.trusts, len(moved))
        self.retire_age[done] = rng.uniform(*s.retire_age, len(done))
        old = self.age[:n] >= self.retire_age[:n]
        retiring = np.flatnonzero(alive & (role == CONSULTANT) & old)
        alive[retiring] = False
        self.age[:n][alive] += 1.0 / 12.0
        c["left"] += len(leavers)
        c["completed"] += len(done)
        c["settled_local"] += int(stay.sum())
        c["retired"] += len(retiring)
        self.month += 1
        return int(np.count_nonzero(alive))


def run(spec: ToySpec, seed: int = 1) -> ToyResult:
    """Build and run the NumPy toy; time both."""
    start = time.perf_counter()
    model = ToyArrays(spec, seed)
    agent_months = sum(model.step() for _ in range(spec.months))
    seconds = time.perf_counter() - start
    alive, role = model.alive[: model.n], model.role[: model.n]
    return ToyResult(
        peer="NumPy (struct of arrays)",
        months=spec.months,
        agent_months=agent_months,
        seconds=seconds,
        trainees=int(np.count_nonzero(alive & (role == TRAINEE))),
        consultants=int(np.count_nonzero(alive & (role == CONSULTANT))),
        **model.counts,
    )
