"""The toy flows every peer implements, so that their speeds can be compared honestly.

One agent lives through: yearly intake into training at a trust, attrition (a constant monthly
hazard), completion after a drawn duration, then consultant at a trust (the training trust or,
less often, any trust), and retirement at a drawn age. About 110,000 agents are in the model at
any time, monthly for 25 years. The toys are written in Starsim (`toy_starsim`), naive per-agent
Mesa (`toy_mesa`) and bare NumPy (`toy_numpy`); all follow the same month:

1. intake (every 12th month): `intake` new trainees, trust uniform, duration uniform over
   `durations` years, age uniform on `intake_age`;
2. attrition: every trainee leaves with probability `p_attrition` (from the yearly rate);
3. completion: trainees whose completion month has come become consultants, at their training
   trust with probability `stay_local`, else at a uniformly drawn trust; retirement age uniform on
   `retire_age`;
4. retirement: consultants at or past their retirement age leave;
5. ageing: everyone in the model is 1/12 year older.

Agent-months count the agents in the model at the end of each month. The figures are toy values
(issue 14 of the tracker), chosen so the population stays near 110,000 as in the England model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

TRAINEE, CONSULTANT = 0, 1


@dataclass(frozen=True)
class ToySpec:
    """Sizes and rates of the toy flows (toy values, see the module docstring)."""

    trusts: int = 126  # the number of trusts in traineeflow's bundled England data
    trainees0: int = 26_000  # toy: near the stock that the intake below sustains
    consultants0: int = 84_000  # toy: makes about 110,000 agents at the start
    intake: int = 4_500  # toy: new trainees each year
    attrition_per_year: float = 0.04  # toy: constant hazard
    durations: tuple[int, ...] = (5, 6, 7, 8)  # toy: years to completion, equally likely
    intake_age: tuple[float, float] = (26.0, 32.0)  # toy: uniform
    consultant_age0: tuple[float, float] = (33.0, 60.0)  # toy: uniform ages of the first stock
    stay_local: float = 0.8  # toy: share settling at their training trust
    retire_age: tuple[float, float] = (60.0, 64.0)  # toy: uniform
    years: int = 25

    @property
    def months(self) -> int:
        """Months simulated."""
        return 12 * self.years

    @property
    def p_attrition(self) -> float:
        """Monthly attrition probability from the yearly hazard."""
        return 1.0 - math.exp(-self.attrition_per_year / 12.0)

    def scaled(self, factor: float) -> ToySpec:
        """The same flows with every population count multiplied by `factor`."""
        return replace(
            self,
            trainees0=round(self.trainees0 * factor),
            consultants0=round(self.consultants0 * factor),
            intake=round(self.intake * factor),
        )


@dataclass
class ToyResult:
    """What a toy run reports: its work, its time and its final stocks and flow totals."""

    peer: str
    months: int
    agent_months: int
    seconds: float
    trainees: int
    consultants: int
    intake: int
    left: int
    completed: int
    retired: int
    settled_local: int

    @property
    def rate(self) -> float:
        """Agent-months per second."""
        return self.agent_months / self.seconds
