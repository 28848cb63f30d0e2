"""The toy flows (`toy_spec`) written as Starsim intends: `ss.People` states in a module,
Starsim's random distributions (common random numbers, as by default), Starsim's loop, removal
and ageing. Needs the optional `bench` extra (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import time

import numpy as np
import starsim as ss

from benchmarks.toy_spec import ToyResult, ToySpec


class Pipeline(ss.Module):
    """Intake, attrition, completion, settlement at a trust and retirement by age."""

    def __init__(self, spec: ToySpec, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.define_states(
            ss.BoolState("trainee"),
            ss.BoolState("consultant"),
            ss.FloatArr("trust"),
            ss.FloatArr("ti_complete"),
            ss.FloatArr("retire_age"),
        )
        months = [12 * y for y in spec.durations]
        self.p_attrition = ss.bernoulli(p=spec.p_attrition)
        self.dur_training = ss.choice(a=months)
        self.intake_trust = ss.randint(low=0, high=spec.trusts)
        self.intake_age = ss.uniform(*spec.intake_age)
        self.p_stay = ss.bernoulli(p=spec.stay_local)
        self.settle_trust = ss.randint(low=0, high=spec.trusts)
        self.retire_age_dist = ss.uniform(*spec.retire_age)
        self.elapsed0 = ss.uniform(0.0, 1.0)
        self.age0 = ss.uniform(*spec.consultant_age0)
        self.counts = dict(intake=0, left=0, completed=0, retired=0, settled_local=0)

    def init_post(self) -> None:
        """The first population: trainees part-way through, consultants of all ages."""
        super().init_post()
        ppl, n_tr = self.sim.people, self.spec.trainees0
        uids = ppl.auids
        trainees, consultants = uids[:n_tr], uids[n_tr:]
        dur = self.dur_training.rvs(trainees)
        elapsed = np.floor(self.elapsed0.rvs(trainees) * dur)
        self._start_training(trainees, dur - elapsed)
        ppl.age[trainees] = self.intake_age.rvs(trainees) + elapsed / 12.0
        self.consultant[consultants] = True
        self.trust[consultants] = self.settle_trust.rvs(consultants)
        self.retire_age[consultants] = self.retire_age_dist.rvs(consultants)
        ppl.age[consultants] = self.age0.rvs(consultants)

    def _start_training(self, uids: ss.uids, months_left: np.ndarray) -> None:
        self.trainee[uids] = True
        self.trust[uids] = self.intake_trust.rvs(uids)
        self.ti_complete[uids] = self.ti + months_left

    def step(self) -> None:
        """One month of the toy flows (intake, attrition, completion, retirement)."""
        ppl = self.sim.people
        if (self.ti + 1) % 12 == 0:
            new = ppl.grow(self.spec.intake)
            self._start_training(new, self.dur_training.rvs(new))
            ppl.age[new] = self.intake_age.rvs(new)
            self.counts["intake"] += len(new)
        leavers = self.p_attrition.filter(self.trainee.uids)
        self.trainee[leavers] = False
        ppl.request_removal(leavers)
        done = (self.trainee & (self.ti_complete <= self.ti)).uids
        self.trainee[done] = False
        self.consultant[done] = True
        stay = self.p_stay.rvs(done)
        moved = done[~stay]
        self.trust[moved] = self.settle_trust.rvs(moved)
        self.retire_age[done] = self.retire_age_dist.rvs(done)
        retiring = (self.consultant & (ppl.age >= self.retire_age)).uids
        self.consultant[retiring] = False
        ppl.request_removal(retiring)
        c = self.counts
        c["left"] += len(leavers)
        c["completed"] += len(done)
        c["settled_local"] += int(stay.sum())
        c["retired"] += len(retiring)


def run(spec: ToySpec, seed: int = 1) -> ToyResult:
    """Build and run the Starsim toy; time both."""
    start = time.perf_counter()
    module = Pipeline(spec, name="pipeline")
    sim = ss.Sim(
        n_agents=spec.trainees0 + spec.consultants0,
        custom=module,
        start=0,
        dur=spec.months - 1,  # time points, one step each: `months` steps
        dt=ss.month,
        use_aging=True,
        rand_seed=seed,
        verbose=0,
    )
    sim.run()
    seconds = time.perf_counter() - start
    module = sim.custom["pipeline"]  # the sim's own copy, initialised and run
    alive = np.asarray(sim.results.n_alive)
    months = len(alive)
    return ToyResult(
        peer="Starsim",
        months=months,
        agent_months=int(alive.sum()),
        seconds=seconds,
        trainees=int(module.trainee.sum()),
        consultants=int(module.consultant.sum()),
        **module.counts,
    )
