"""The toy flows (`toy_spec`) as a naive per-agent Mesa 3.5 model: every agent is a
`mesa.Agent` whose `step()` draws its own random numbers from the model's seeded generator.
"""

from __future__ import annotations

import time

import mesa

from benchmarks.toy_spec import CONSULTANT, TRAINEE, ToyResult, ToySpec


class Doctor(mesa.Agent):
    """A trainee who may become a consultant."""

    def __init__(self, model: ToyModel, trust: int, age: float) -> None:
        super().__init__(model)
        self.role = TRAINEE
        self.trust = trust
        self.age = age
        self.complete_month = 0
        self.retire_age = 0.0

    def step(self) -> None:
        """One month: attrition, completion, retirement, ageing."""
        m = self.model
        if self.role == TRAINEE:
            if m.random.random() < m.p_attrition:
                m.counts["left"] += 1
                self.remove()
                return
            if self.complete_month <= m.month:
                m.settle(self)
        elif self.age >= self.retire_age:
            m.counts["retired"] += 1
            self.remove()
            return
        self.age += 1.0 / 12.0


class ToyModel(mesa.Model):
    """Per-agent toy pipeline."""

    def __init__(self, spec: ToySpec, seed: int = 1) -> None:
        super().__init__(rng=seed)
        self.spec = spec
        self.p_attrition = spec.p_attrition
        self.month = 0  # index of the month being simulated, from 0
        self.agent_months = 0
        self.counts = dict(intake=0, left=0, completed=0, retired=0, settled_local=0)
        r = self.random
        for _ in range(spec.trainees0):
            dur = 12 * r.choice(spec.durations)
            elapsed = int(r.random() * dur)
            d = self._trainee(dur - elapsed)
            d.age += elapsed / 12.0
        for _ in range(spec.consultants0):
            d = Doctor(self, r.randrange(spec.trusts), r.uniform(*spec.consultant_age0))
            d.role = CONSULTANT
            d.retire_age = r.uniform(*spec.retire_age)

    def _trainee(self, months_left: int) -> Doctor:
        r = self.random
        d = Doctor(self, r.randrange(self.spec.trusts), r.uniform(*self.spec.intake_age))
        d.complete_month = self.month + months_left
        return d

    def settle(self, d: Doctor) -> None:
        """Completion: consultant at the training trust or at a drawn trust."""
        r = self.random
        d.role = CONSULTANT
        self.counts["completed"] += 1
        if r.random() < self.spec.stay_local:
            self.counts["settled_local"] += 1
        else:
            d.trust = r.randrange(self.spec.trusts)
        d.retire_age = r.uniform(*self.spec.retire_age)

    def step(self) -> None:
        """Intake every 12th month, then every agent's own month."""
        if (self.month + 1) % 12 == 0:
            for _ in range(self.spec.intake):
                self._trainee(12 * self.random.choice(self.spec.durations))
            self.counts["intake"] += self.spec.intake
        self.agents.shuffle_do("step")
        self.agent_months += len(self.agents)
        self.month += 1


def run(spec: ToySpec, seed: int = 1) -> ToyResult:
    """Build and run the Mesa toy; time both."""
    start = time.perf_counter()
    model = ToyModel(spec, seed)
    for _ in range(spec.months):
        model.step()
    seconds = time.perf_counter() - start
    roles = [a.role for a in model.agents]
    return ToyResult(
        peer="Mesa (per agent)",
        months=spec.months,
        agent_months=model.agent_months,
        seconds=seconds,
        trainees=roles.count(TRAINEE),
        consultants=roles.count(CONSULTANT),
        **model.counts,
    )
