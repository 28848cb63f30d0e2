"""A cohort with known rates reproduces the closed form (SALib-style analytic check).

Synthetic world: one specialty of D = 5 years, P = 360 posts (24 trusts x 15), no LTFT, no ARCP
extension or release, no IDTs, every post filled at the start and far more applicants than
posts, so every vacancy is filled each August. Attrition: 5%/year, plus (second variant) an early
component of 15% over the first 24 months. Then, with S(m) = agents.trainee.survival(m, rate,
early) and I_y the intake of August y:

* after each August every post is held: trainees = P, vacancies = 0;
* cohort k at August y (k full years in programme) ~ Binomial(I_{y-k}, S(12k));
* CCTs in the year to August y ~ Binomial(I_{y-D}, S(12D));
* so in steady state E[I] = I* = P / sum_{k<D} S(12k), E[N_k] = I* S(12k), E[CCT] = I* S(12D).

Tolerances are Monte Carlo errors: a pooled binomial count sum(N) over cohorts has standard
deviation sqrt(sum_y I_{y-k} S (1 - S)); for means over n seed-years, the intake's sd is taken as
sd_I = sqrt(I* sum_{1<=k<D} S_k (1 - S_k)) (the binomial noise of the survivors it replaces; the
model's echo makes consecutive years negatively correlated, so this is conservative) and
sd(mean N_k) = sqrt((I* S_k (1 - S_k) + S_k^2 sd_I^2) / n). Every check allows Z = 4 sd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from helpers import build_data_dir, pick_trusts

from agents.trainee import survival
from sim.model import TraineeFlowModel
from sim.params import WorldParams
from sim.policy import PolicyParams, Programme
from sim.world import World

D = 5  # cardiology's training years
RATE = 0.05
POSTS_PER_TRUST = 15
SEEDS = (1, 2, 3, 4)
YEARS = 20
Z = 4.0
PARAMS = WorldParams(
    arcp_extension_prob=0.0,
    arcp_release_prob=0.0,
    ltft_entry_factor=0.0,
    initial_fill=1.0,
    idt_annual_prob=0.0,
)
# The default policy names the forerunner specialties, which this one-specialty world lacks
# (see test_model_basics.py): switch the programme off without phases.
POLICY = PolicyParams(programme=Programme(enabled=False, phases=()))


@dataclass
class Runs:
    """Per seed (rows) and August y = 1..YEARS (columns)."""

    early: float
    posts: int
    intake: np.ndarray  # recruits at August y
    ccts: np.ndarray  # CCTs in the year to August y
    trainees: np.ndarray  # in training just after August y
    vacancies: np.ndarray
    cohorts: np.ndarray  # [seed, y, k]: trainees with k full years in programme at August y
    off_calendar: np.ndarray  # trainees at August y whose time in programme is not whole years

    def survival(self, rate: float = RATE) -> np.ndarray:
        return survival(12.0 * np.arange(D + 1), rate, self.early)


def simulate(folder, early: float) -> Runs:
    world = World.load(folder)
    out: dict[str, list] = {
        k: [] for k in ("intake", "ccts", "trainees", "vacancies", "cohorts", "off")
    }
    posts = 0
    for seed in SEEDS:
        m = TraineeFlowModel(world, PARAMS, POLICY, seed=seed)
        posts = len(m.posts.live())
        m.run_for(0.5)  # the base-year snapshot
        cohorts, off = [], []
        for _ in range(YEARS):
            m.run_for(12)  # to just after the next August's snapshot
            rows = m.in_training()
            months = int(m.time) - m.trainees.start_t[rows]
            off.append(np.count_nonzero(months % 12))
            cohorts.append(np.bincount(months // 12, minlength=D + 1)[: D + 1])
        ry = (
            m.recorder.region_year()
            .groupby("year")[["recruits", "ccts", "trainees", "vacancies"]]
            .sum()
            .iloc[1:]
        )
        for col in ("recruits", "ccts", "trainees", "vacancies"):
            out["intake" if col == "recruits" else col].append(ry[col].to_numpy())
        out["cohorts"].append(np.array(cohorts))
        out["off"].append(np.array(off))
    return Runs(
        early,
        posts,
        *(np.array(out[k]) for k in ("intake", "ccts", "trainees", "vacancies", "cohorts", "off")),
    )


@pytest.fixture(scope="module", params=[0.0, 0.15], ids=["no_early_attrition", "early_attrition"])
def runs(request, tmp_path_factory) -> Runs:
    folder = build_data_dir(
        tmp_path_factory.mktemp("analytic"),
        specialties=("cardiology",),
        trusts=pick_trusts(2),
        spec_updates={
            "ltft_share": 0,
            "attrition_per_year": RATE,
            "attrition_early": request.param,
            "applications_per_year": 20_000,
            "applicants_per_year": 20_000,
        },
        tariff_posts=POSTS_PER_TRUST,
        trust_funded_posts=0,
        consultants=10,
    )
    return simulate(folder, request.param)


def pooled_z(runs: Runs, s: np.ndarray) -> np.ndarray:
    """z-scores, by k = 1..D-1, of pooled cohort counts against Binomial(I_{y-k}, S(12k)).

    Only Augusts y >= D, when every trainee was recruited by the model (none from the base year).
    """
    z = []
    for k in range(1, D):
        y = np.arange(D, YEARS + 1)  # August index 1..YEARS; cohort recruited at y - k >= 1
        observed = runs.cohorts[:, y - 1, k].sum()
        n = runs.intake[:, y - k - 1]
        expected = (n * s[k]).sum()
        sd = np.sqrt((n * s[k] * (1 - s[k])).sum())
        z.append((observed - expected) / sd)
    return np.array(z)


def cct_z(runs: Runs, s: np.ndarray) -> float:
    y = np.arange(D + 1, YEARS + 1)
    n = runs.intake[:, y - D - 1]
    expected = (n * s[D]).sum()
    return float((runs.ccts[:, y - 1].sum() - expected) / np.sqrt((n * s[D] * (1 - s[D])).sum()))


def test_posts_are_full_after_every_august(runs):
    assert runs.posts == 24 * POSTS_PER_TRUST
    assert (runs.vacancies == 0).all()
    assert (runs.trainees == runs.posts).all()
    assert (runs.cohorts.sum(axis=2) == runs.posts).all()
    # the intake is exactly the vacancies August found: sum_k N_k = P with N_0 = I
    assert (runs.cohorts[:, :, 0] == runs.intake).all()


def test_every_cohort_starts_in_august(runs):
    # base-year trainees too: intakes start in August, so time in programme is whole years
    assert (runs.off_calendar == 0).all()
    assert (runs.cohorts[:, D - 1 :, D] == 0).all()  # nobody trains past D years


def test_cohort_survival_matches_closed_form(runs):
    z = pooled_z(runs, runs.survival())
    assert np.all(np.abs(z) < Z), f"z by k=1..{D - 1}: {np.round(z, 2)}"


def test_ccts_match_closed_form(runs):
    z = cct_z(runs, runs.survival())
    assert abs(z) < Z, f"CCT z = {z:.2f}"


def test_steady_state_intake_cohorts_and_ccts(runs):
    s = runs.survival()
    i_star = runs.posts / s[:D].sum()
    steady = slice(D, YEARS)  # Augusts D+1 .. YEARS
    n = runs.intake[:, steady].size
    sd_i = np.sqrt(i_star * (s[1:D] * (1 - s[1:D])).sum())
    intake = runs.intake[:, steady].mean()
    assert abs(intake - i_star) < Z * sd_i / np.sqrt(n), (intake, i_star)
    for k in range(1, D):
        mean_k = runs.cohorts[:, steady, k].mean()
        sd = np.sqrt((i_star * s[k] * (1 - s[k]) + s[k] ** 2 * sd_i**2) / n)
        assert abs(mean_k - i_star * s[k]) < Z * sd, (k, mean_k, i_star * s[k], sd)
    cct = runs.ccts[:, steady].mean()
    sd = np.sqrt((i_star * s[D] * (1 - s[D]) + s[D] ** 2 * sd_i**2) / n)
    assert abs(cct - i_star * s[D]) < Z * sd, (cct, i_star * s[D], sd)


def test_a_different_survival_is_rejected(runs):
    """The checks have power: the same runs reject a hazard 25% higher than the real one."""
    wrong = runs.survival(RATE * 1.25)
    assert np.max(np.abs(pooled_z(runs, wrong))) > Z
    assert abs(cct_z(runs, wrong)) > Z
