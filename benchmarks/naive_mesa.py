"""A naive per-agent Mesa model of the same core flows, as a speed reference.

Every trainee and consultant is a `mesa.Agent` with its own `step()`: monthly progress, attrition
and CCT checks, consultant exits, and a per-agent settlement choice with distance decay; every
August each vacant post is filled by a new trainee agent. It is what a straightforward Mesa model
looks like, and it is what the column-wise traineeflow model is measured against.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.world import World


class NaiveTrainee(mesa.Agent):
    """A trainee as an object."""

    def __init__(
        self, model: NaiveModel, spec: int, trust: int, post: int, months_in: float
    ) -> None:
        super().__init__(model)
        self.spec, self.trust, self.post = spec, trust, post
        self.progress = months_in
        self.required = model.years[spec] * 12.0
        self.hazard = model.attrition[spec] / 12.0

    def step(self) -> None:
        """One month: leave, progress, complete."""
        m = self.model
        if m.rng.random() < self.hazard:
            m.post_holder[self.post] = None
            self.remove()
            return
        self.progress += 1.0
        if self.progress >= self.required:
            m.post_holder[self.post] = None
            m.settle(self)
            self.remove()


class NaiveConsultant(mesa.Agent):
    """A consultant as an object."""

    def __init__(self, model: NaiveModel, spec: int, trust: int, months_left: float) -> None:
        super().__init__(model)
        self.spec, self.trust, self.months_left = spec, trust, months_left

    def step(self) -> None:
        """One month closer to retirement."""
        self.months_left -= 1
        if self.months_left <= 0:
            self.model.filled[self.trust, self.spec] -= 1
            self.remove()


class NaiveModel(mesa.Model):
    """Per-agent version of recruitment, attrition, CCT, settlement and consultant exits."""

    def __init__(self, world: World, seed: int = 1) -> None:
        super().__init__(rng=seed)
        self.world = world
        self.years = world.spec_column("training_years")
        self.attrition = world.spec_column("attrition_per_year")
        trust, spec, _ = world.baseline_posts
        self.post_trust, self.post_spec = trust, spec
        self.post_holder: list[NaiveTrainee | None] = [None] * len(trust)
        self.filled = np.zeros_like(world.baseline_consultants)
        self.establishment = world.baseline_consultants / 0.93
        self.decay = np.exp(-world.distance_miles / 15.0)
        self.agent_months = 0
        for p in range(len(trust)):
            if self.rng.random() < 0.95:
                months = self.rng.random() * self.years[spec[p]] * 12
                self.post_holder[p] = NaiveTrainee(self, int(spec[p]), int(trust[p]), p, months)
        stock = world.baseline_consultants
        for t, s in zip(*np.nonzero(stock), strict=True):
            for _ in range(stock[t, s]):
                NaiveConsultant(self, int(s), int(t), self.rng.random() * 360)
                self.filled[t, s] += 1

    def settle(self, trainee: NaiveTrainee) -> None:
        """Per-agent settlement: weights over trusts with a vacancy in the specialty."""
        vac = np.maximum(
            np.floor(self.establishment[:, trainee.spec]) - self.filled[:, trainee.spec], 0
        )
        weight = vac * self.decay[trainee.trust]
        total = weight.sum()
        if total <= 0:
            return
        choice = int(np.searchsorted(np.cumsum(weight), self.rng.random() * total))
        choice = min(choice, len(weight) - 1)
        self.filled[choice, trainee.spec] += 1
        NaiveConsultant(self, trainee.spec, choice, 30 * 12 * self.rng.random())

    def step(self) -> None:
        """One month for every agent; August recruitment into every vacant post."""
        self.agents.shuffle_do("step")
        self.agent_months += len(self.agents)
        if self.steps % 12 == 0:
            self.establishment *= 1.03
            for p, holder in enumerate(self.post_holder):
                if holder is None:
                    self.post_holder[p] = NaiveTrainee(
                        self, int(self.post_spec[p]), int(self.post_trust[p]), p, 0.0
                    )


def naive_rate(world: World, months: int = 24) -> float:
    """Agent-months per second of the naive model over `months` months."""
    import time

    model = NaiveModel(world)
    start = time.perf_counter()
    model.run_for(months)
    return model.agent_months / (time.perf_counter() - start)
