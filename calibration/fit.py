"""Multi-target calibration of named world parameters with Optuna, on the sweep executors.

Loss (stated once, in `calibration.check.loss`): the mean over the targets of
((simulated - observed) / tolerance)^2, each simulated value a mean over common seeds; a target at
the edge of its tolerance adds 1, so a loss below 1 / n_targets per target means every target is
inside its band (every target holding is checked separately, not inferred from the loss).

Optuna's TPE sampler proposes a batch of parameter sets at a time; the batch runs on the sweep
executors (`experiments.batch`: a local process pool or Dask), every run goes to the results
store, so a rerun reads stored runs back, and the Optuna study lives in the same database under a
name fixed by everything that defines the search (a rerun with a larger budget resumes it).
Every evaluation (parameters, each target's simulated value, the loss) goes to the
`optimise_evaluations` table under the study's name. The first trial is the current defaults,
so the best trial is never worse than them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calibration.check import compare_targets, loss
from calibration.targets import TARGETS
from experiments.batch import Design, run_design
from experiments.optimise import open_study
from experiments.sweep import Executor
from results.store import ResultStore
from sim.provenance import code_version
from sim.scenario import Scenario
from sim.world import World

MAX_LOSS = 1e6  # Optuna is told this for a loss that is not finite


@dataclass(frozen=True)
class Parameter:
    """A world parameter the calibration may set, with its search bounds."""

    name: str  # a field of sim.params.WorldParams
    low: float
    high: float
    what: str


PARAMETERS = (  # bounds: ESTIMATE, wide around the earlier fits and estimates of sim/params.py
    Parameter("settlement_decay_miles", 12.0, 40.0, "settlement distance decay (miles)"),
    Parameter("settlement_home_pull", 1.0, 5.0, "weight of a vacancy in the home office"),
    Parameter("home_pull", 0.5, 3.0, "applicants' utility of their home office"),
    Parameter("appointable_share", 0.8, 1.0, "appointable share of applicants"),
    Parameter("outside_option", 1.0, 3.0, "CT1/ST1 applicants' outside option"),
    Parameter("outside_option_round2", 1.5, 3.5, "ST3/ST4 applicants' outside option"),
    Parameter("attrition_multiplier", 0.8, 1.2, "multiplier of specialty attrition"),
    Parameter("ltft_entry_factor", 0.5, 1.5, "LTFT share of entrants / stock share"),
    Parameter("ltft_persistence", 0.7, 0.95, "yearly chance an LTFT trainee stays LTFT"),
    Parameter("arcp_extension_prob", 0.05, 0.2, "yearly chance of an ARCP extension"),
    Parameter("idt_annual_prob", 0.01, 0.06, "yearly chance an eligible trainee applies for IDT"),
    Parameter("idt_declare_prob", 0.4, 0.95, "chance a region declares a vacancy for IDT"),
    Parameter("consultant_leave_rate", 0.01, 0.03, "consultants' yearly non-retirement exits"),
    Parameter("img_inflow_share", 0.005, 0.03, "international recruits / funded posts"),
    Parameter("establishment_growth", 0.02, 0.05, "yearly growth of funded consultant posts"),
    Parameter("post_creation_rate", 0.0, 0.1, "monthly chance a post is created for a seeker"),
)
BY_NAME = {p.name: p for p in PARAMETERS}


@dataclass
class Calibration:
    """Everything that fixes a calibration (and so names its Optuna study)."""

    base: Scenario
    world: World
    fit: list[Parameter]
    years: int
    seed: int
    replicates: int
    data: Path | None = None

    def study_name(self) -> str:
        """A hash of base scenario, horizon, seeds, data, code, parameters and targets."""
        payload = json.dumps(
            {
                "base": self.base.resolved(),
                "years": self.years,
                "seed": self.seed,
                "replicates": self.replicates,
                "data": self.world.fingerprint,
                "code": code_version(),
                "fit": [(p.name, p.low, p.high) for p in self.fit],
                "targets": [(t.name, t.value, t.tolerance) for t in TARGETS],
            },
            sort_keys=True,
        )
        return f"calibrate-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"

    def defaults(self) -> dict[str, float]:
        """The base scenario's current values of the fitted parameters."""
        return {p.name: float(getattr(self.base.world, p.name)) for p in self.fit}


@dataclass
class Evaluation:
    """One trial: its parameters, each target's comparison, the loss and the runs."""

    trial: int
    params: dict[str, float]
    targets: list[dict[str, Any]]
    loss: float
    run_keys: list[str] = field(default_factory=list)


@dataclass
class CalibrationResult:
    """Every evaluation of the study, the best one and the defaults' one."""

    study: str
    evaluations: list[Evaluation]
    resumed: int
    new: int

    @property
    def best(self) -> Evaluation:
        """The evaluation with the lowest loss (the earliest of equals)."""
        return min(self.evaluations, key=lambda e: (e.loss, e.trial))

    @property
    def first(self) -> Evaluation:
        """Trial 0: the defaults."""
        return min(self.evaluations, key=lambda e: e.trial)


def evaluate_batch(
    cal: Calibration,
    params: list[dict[str, float]],
    store: ResultStore,
    executor: Callable[[], Executor],
    progress: Callable[[int], None] | None = None,
) -> list[tuple[list[dict[str, Any]], float, list[str]]]:
    """Target comparisons, loss and run keys of each parameter set (runs on the executor)."""
    points = [{f"world.{k}": v for k, v in p.items()} for p in params]
    design = Design("calibrate", [cal.base], cal.years, cal.seed, cal.replicates, points)
    batch = run_design(design, cal.world, store, executor, cal.data, progress)
    out = []
    for i in range(len(params)):
        runs = batch.runs(0, i)
        rows = compare_targets(runs)
        out.append((rows, loss(rows), [r.run_key for r in runs]))
    return out


def calibrate(
    cal: Calibration,
    store: ResultStore,
    url: str,
    budget: int,
    batch_size: int,
    executor: Callable[[], Executor],
    progress: Callable[[int], None] | None = None,
) -> CalibrationResult:
    """Run (or resume) the study until `budget` trials are complete, a batch at a time."""
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState

    from results.experiment_tables import write_evaluations

    study, resumed = open_study(
        url,
        cal.study_name(),
        ["minimize"],
        optuna.samplers.TPESampler(seed=cal.seed, n_startup_trials=8),
    )
    done = resumed
    if not study.get_trials(deepcopy=False):
        study.enqueue_trial(cal.defaults(), skip_if_exists=True)
    space = {p.name: FloatDistribution(p.low, p.high) for p in cal.fit}
    while done < budget:
        trials = [study.ask(space) for _ in range(min(batch_size, budget - done))]
        results = evaluate_batch(cal, [dict(t.params) for t in trials], store, executor, progress)
        for trial, (rows, value, keys) in zip(trials, results, strict=True):
            simulated = {r["name"]: r["simulated"] for r in rows}
            trial.set_user_attr("targets", rows)
            trial.set_user_attr("run_keys", keys)
            study.tell(trial, min(value, MAX_LOSS))
            write_evaluations(
                store,
                study.study_name,
                trial.number,
                dict(trial.params),
                {**simulated, "loss": value},
            )
        done += len(trials)
    evaluations = [
        Evaluation(
            t.number,
            dict(t.params),
            t.user_attrs["targets"],
            float(t.value),
            t.user_attrs["run_keys"],
        )
        for t in study.get_trials(states=(TrialState.COMPLETE,))
    ]
    return CalibrationResult(study.study_name, evaluations, resumed, done - resumed)
