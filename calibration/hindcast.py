"""Hindcast: start England in a past year and compare its consultant workforce with history.

The design (docs/hindcast.md): the 2023 world is scaled back to the base year (1994 by default:
the observed consultants of that year, training posts from the doctors-in-training index, 2023's
distribution over trusts and specialties); training posts then follow the index year by year.
Funded consultant posts never come from the series the run is compared with:

- `supply` (default): funded posts do not bind; trusts fund a post for every CCT holder who
  waits, so consultants = the base year + CCT holders + international recruits - exits. Only the
  base year (and the four years before it, for the age profile) of the consultant series is used:
  the pipeline alone produces every later year.
- `endpoints`: funded posts grow at a constant rate fitted to the base and end years only, so
  every year between is a prediction of that rule + the pipeline.
- `observed`: funded posts follow the compared series itself: CIRCULAR for numbers (it then tests
  vacancies and ages only); offered to show what the circular design gives.

Seeds run through the sweep executors (`experiments/sweep.py`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from experiments.spec import Outcomes
from experiments.sweep import Executor, LocalExecutor, RunFailure, SweepTask, TaskRun
from results.metrics import mean_ci
from sim import calendar as cal
from sim.datafiles import BUNDLED_DIR
from sim.history import History
from sim.history_data import MODELLED_SHARE, HistoricSeries, load_history
from sim.inputs import InputError, check_seed
from sim.outputs import RunResult
from sim.params import WorldParams
from sim.run import run_key
from sim.scenario import Scenario, load_scenario
from sim.world import World

Establishment = Literal["supply", "endpoints", "observed"]
ESTABLISHMENTS = ("supply", "endpoints", "observed")
BASE_YEAR, END_YEAR = 1994, 2017  # the FTE series of docs/sources.md §6.1 and §6.7
PROFILE_YEARS = 4  # the base-year age profile grows at the consultants' growth of these years
# before the base year (observed 1990-94, docs/sources.md §6.7)
# Supply-led design (not estimates of history): a CCT holder still waiting at the end of a month
# is given a post by their training trust (rate 1), within 20% of funded posts a year (the
# parameter's upper bound), so funded posts never bind.
SUPPLY_CREATION_RATE, SUPPLY_CREATION_BUDGET = 1.0, 0.2
# Secondary checks, not in the error: consultants aged 55+ (Hansard 10 Apr 2002; the year of each
# column confirmed by dividing the counts by the shares, which gives each year's headcount) and
# 3-month consultant vacancy rates (Hansard 10 Apr 2002; Clin Med 2010), docs/sources.md §6.7.
OBSERVED_55_PLUS = {1992: 0.190, 1994: 0.177, 1996: 0.161, 1998: 0.157, 2000: 0.153, 2001: 0.151}
OBSERVED_VACANCY_3M = {2001: 0.030, 2003: 0.047, 2009: 0.009}


@dataclass
class HindcastResult:
    """Simulated against observed consultants (England HCHS FTE) in the compared years."""

    years: list[int]  # years with an observed (or derived) value after the base year
    observed: list[float]
    simulated: list[float]  # mean over seeds, England-equivalent (model / MODELLED_SHARE)
    interval: list[tuple[float, float]] | None  # 95% t interval of the mean (None: one seed)
    mape: float  # mean absolute percentage error over `years`, in percent
    inputs: dict[str, str]  # each input: observed, derived, rule or ESTIMATE, with its source
    base_year: int = BASE_YEAR
    end_year: int = END_YEAR
    establishment: str = "supply"
    establishment_growth: float = 0.0  # the endpoints rule's yearly growth (reported in all modes)
    profile_growth: float = 0.0  # growth before the base year, for the base-year age profile
    benchmark_mape: dict[str, float] = field(default_factory=dict)  # simple rules, same years
    seeds: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # observed or derived, per compared year
    all_years: list[int] = field(default_factory=list)  # every simulated August
    simulated_all: list[float] = field(default_factory=list)
    interval_all: list[tuple[float, float]] | None = None
    vacancy_rate: dict[int, float] = field(default_factory=dict)  # funded posts without holder
    share_55_plus: dict[int, float] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (integer-keyed dicts keyed by year strings)."""
        out = asdict(self)
        out["vacancy_rate"] = {str(k): v for k, v in self.vacancy_rate.items()}
        out["share_55_plus"] = {str(k): v for k, v in self.share_55_plus.items()}
        out["observed_55_plus"] = {str(k): v for k, v in OBSERVED_55_PLUS.items()}
        out["observed_vacancy_3_month"] = {str(k): v for k, v in OBSERVED_VACANCY_3M.items()}
        return out


def mape(observed: list[float], simulated: list[float]) -> float:
    """Mean absolute percentage error, in percent: mean |sim - obs| / obs x 100."""
    obs, sim = np.asarray(observed, float), np.asarray(simulated, float)
    if obs.size == 0 or obs.size != sim.size or np.any(obs <= 0):
        raise ValueError("mape needs equal, non-empty series with positive observed values")
    return float(np.mean(np.abs(sim - obs) / obs) * 100.0)


def endpoint_growth(series: HistoricSeries, base_year: int, end_year: int) -> float:
    """Constant yearly growth taking the observed consultants from base to end year."""
    c = series.consultants
    return (c.value(end_year) / c.value(base_year)) ** (1.0 / (end_year - base_year)) - 1.0


def profile_growth(series: HistoricSeries, base_year: int) -> float:
    """Consultants' yearly growth over the PROFILE_YEARS before the base year.

    From the series' first year if it starts later; 0 if the base year is the first.
    """
    first = max(base_year - PROFILE_YEARS, series.consultants.years[0])
    if first >= base_year:
        return 0.0
    c = series.consultants
    return (c.value(base_year) / c.value(first)) ** (1.0 / (base_year - first)) - 1.0


def benchmarks(
    series: HistoricSeries, base_year: int, end_year: int, years: list[int], observed: list[float]
) -> dict[str, float]:
    """MAPE of two rules with no model: the pre-base trend, and the endpoints' constant growth."""
    base = series.consultants.value(base_year)
    out = {}
    for name, g in (
        ("pre-base trend", profile_growth(series, base_year)),
        ("constant growth between the endpoints", endpoint_growth(series, base_year, end_year)),
    ):
        out[name] = mape(observed, [base * (1 + g) ** (y - base_year) for y in years])
    return out


def build_history(
    world: World,
    series: HistoricSeries,
    base_year: int = BASE_YEAR,
    end_year: int = END_YEAR,
    establishment: Establishment = "supply",
) -> History:
    """National drivers in model units (see the module docstring and docs/hindcast.md)."""
    cons = series.consultants
    for year in (base_year, end_year):
        if year not in cons.years:
            raise InputError(
                f"year {year}: the consultant series has no value for it "
                f"(years with one: {', '.join(map(str, cons.years))})"
            )
    if not base_year < end_year <= cal.BASE_YEAR:
        raise InputError(
            f"need base year < end year <= {cal.BASE_YEAR} (got {base_year}, {end_year})"
        )
    if establishment not in ESTABLISHMENTS:
        raise InputError(
            f"establishment must be one of {', '.join(ESTABLISHMENTS)} (got {establishment!r})"
        )
    years = range(base_year, end_year + 1)
    posts_now = int(world.data.posts[["tariff_posts", "trust_funded_posts"]].to_numpy().sum())
    index_now = series.training.value(cal.BASE_YEAR)
    training = tuple(round(posts_now * series.training.value(y) / index_now) for y in years)
    c_now = world.data.consultants
    funded_ratio = float(c_now["establishment"].sum() / c_now["consultants"].sum())
    base = round(cons.value(base_year) * MODELLED_SHARE)
    if establishment == "supply":
        return History(base_year, training, None, base, funded_base=round(base * funded_ratio))
    if establishment == "endpoints":
        g = endpoint_growth(series, base_year, end_year)
        funded = tuple(round(base * funded_ratio * (1 + g) ** k) for k in range(len(years)))
    else:
        funded = tuple(round(cons.value(y) * MODELLED_SHARE * funded_ratio) for y in years)
    return History(base_year, training, funded, base)


def describe_inputs(
    series: HistoricSeries, history: History, establishment: Establishment, growth: float
) -> dict[str, str]:
    """What drives the hindcast, and whether each input is observed, derived or ESTIMATE."""
    t, c = series.training, series.consultants
    base, end = history.base_year, history.base_year + history.years
    rows = ", ".join(f"{y} {t.kind(y)}" for y in t.rows_between(base, end))
    compared = ", ".join(f"{y} {c.kind(y)}" for y in c.rows_between(base + 1, end))
    if establishment == "supply":
        funded = (
            "NOT DRIVEN (supply-led design): a CCT holder still waiting at the end of a month is "
            "given a post, so funded posts never bind; consultants = the base year + CCT holders "
            "+ international recruits - exits. The consultant series is used only in "
            f"{base} and the years before it (age profile)"
        )
    elif establishment == "endpoints":
        funded = (
            f"RULE: constant growth {growth:.2%} a year fitted to the observed consultants of "
            f"{base} and {end} only (no year between them is used); base-year vacancy rate as "
            "2023's 7.3% (ESTIMATE)"
        )
    else:
        funded = (
            "OBSERVED consultant series (log-linear between rows) / (1 - 7.3%): CIRCULAR, the "
            "consultant numbers then follow their own input; compare vacancies and ages instead"
        )
    return {
        "training posts": (
            f"index of hospital doctors in training ({rows}; ESTIMATE between rows, log-linear) "
            "x 2023 posts / 2023 index (ESTIMATE: 2017 grown at 2.4%/yr); ESTIMATE that "
            "specialty posts moved with all doctors in training; source "
            "sim/england/history/training.csv"
        ),
        "funded consultant posts": funded,
        "base-year consultants": (
            f"{c.kind(base).upper()} {c.value(base):,.0f} FTE ({base}) x the modelled "
            f"specialties' share {MODELLED_SHARE} (ESTIMATE); sim/england/history/consultants.csv"
        ),
        "distribution over trusts and specialties": "ESTIMATE: 2023's (synthetic) distribution",
        "applicants per post": "ESTIMATE: 2023's, scaled with the training posts",
        "base-year consultant ages": (
            "ESTIMATE: the stationary age profile of the exit process with entries growing at "
            f"{profile_growth(series, base):.2%} a year, the consultants' growth in the "
            f"{PROFILE_YEARS} years before {base} (consultants.csv)"
        ),
        "exits, international recruits, settlement, training rates": (
            "2023 defaults (sim/params.py, sim/england/specialties.csv), unchanged"
        ),
        "compared with": f"HCHS consultants FTE, England: {compared}",
    }


def hindcast_scenario(
    world: World,
    growth: float,
    establishment: Establishment,
    params: Mapping[str, Any] | None = None,
) -> Scenario:
    """The baseline scenario with entries growing at `growth` (the base-year age profile).

    In the supply-led design, trusts also fund a post for every CCT holder who waits. `params`
    (a parameter file's world values, `--params`) replace the defaults first.
    """
    base = load_scenario("baseline", world, params)
    changes: dict[str, float] = {"establishment_growth": round(growth, 6)}
    if establishment == "supply":
        changes |= {
            "post_creation_rate": SUPPLY_CREATION_RATE,
            "post_creation_budget": SUPPLY_CREATION_BUDGET,
        }
    params = WorldParams.model_validate({**base.world.model_dump(), **changes})
    return Scenario(
        name="hindcast", description="England from a past base year", world=params,
        policy=base.policy,
    )  # fmt: skip


def _run_all(
    scenario: Scenario,
    seeds: tuple[int, ...],
    world: World,
    history: History,
    executor: Executor | None,
) -> list[RunResult]:
    """One run per seed through a sweep executor (a local process pool by default)."""
    data = None if Path(world.data.source) == BUNDLED_DIR else str(Path(world.data.source))
    years = history.years
    resolved = scenario.resolved()
    tasks = [
        SweepTask(
            index=i,
            runs=(TaskRun(run_key(scenario, s, years, world, history), resolved, s),),
            years=years,
            data=data,
            outcomes=Outcomes(tables=["region_year"]),
            history=history,
        )
        for i, s in enumerate(seeds)
    ]
    results: dict[int, RunResult] = {}
    with ExitStack() as stack:
        if executor is None:
            workers = min(len(seeds), os.cpu_count() or 1)
            executor = stack.enter_context(
                LocalExecutor(workers, None if data is None else Path(data))
            )
        for task, outcome in executor.stream(iter(tasks), max(executor.workers, 1) * 2):
            item = outcome[0] if isinstance(outcome, list) else outcome
            if isinstance(item, RunFailure):
                raise RuntimeError(f"hindcast run failed: {item.error}")
            if isinstance(item, BaseException):
                raise RuntimeError(f"hindcast run failed: {item}") from item
            results[task.index] = item
    return [results[i] for i in range(len(seeds))]


def _by_year(result: RunResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Years, consultants and vacancy rate (national) of one run."""
    ry = result.region_year.groupby("year")[["consultants", "consultant_posts"]].sum()
    cons = ry["consultants"].to_numpy(float)
    rate = 1.0 - cons / np.maximum(ry["consultant_posts"].to_numpy(float), 1.0)
    return ry.index.to_numpy(), cons, np.maximum(rate, 0.0)


def run_hindcast(
    world: World | None = None,
    *,
    seeds: tuple[int, ...] = (1, 2, 3),
    executor: Executor | None = None,
    base_year: int = BASE_YEAR,
    end_year: int = END_YEAR,
    establishment: Establishment = "supply",
    history_dir: Path | None = None,
    params: Mapping[str, Any] | None = None,
) -> HindcastResult:
    """Run the hindcast on `seeds` and compare with the consultant series."""
    start = time.perf_counter()
    if not seeds:
        raise InputError("seeds: give at least one seed")
    for s in seeds:
        check_seed(s, "seeds")
    world = world or World.load()
    series = load_history(history_dir)
    history = build_history(world, series, base_year, end_year, establishment)
    growth = endpoint_growth(series, base_year, end_year)
    profile = profile_growth(series, base_year)
    scenario = hindcast_scenario(world, profile, establishment, params)
    results = _run_all(scenario, tuple(seeds), world, history, executor)
    years, _, _ = _by_year(results[0])
    cons = np.stack([_by_year(r)[1] for r in results]) / MODELLED_SHARE
    vac = np.stack([_by_year(r)[2] for r in results]).mean(axis=0)
    mean = cons.mean(axis=0)
    bands = [mean_ci(cons[:, j])[1:] for j in range(len(years))] if len(seeds) > 1 else None
    compared = series.consultants.rows_between(base_year + 1, end_year)
    at = [int(np.flatnonzero(years == y)[0]) for y in compared]
    observed = [series.consultants.value(y) for y in compared]
    simulated = [float(mean[j]) for j in at]
    old = {
        y: float(np.mean([r.summary[f"consultants_55_plus_share_{y}"] for r in results]))
        for y in years.tolist()
    }
    return HindcastResult(
        years=compared,
        observed=observed,
        simulated=simulated,
        interval=None if bands is None else [bands[j] for j in at],
        mape=mape(observed, simulated),
        inputs=describe_inputs(series, history, establishment, growth),
        base_year=base_year,
        end_year=end_year,
        establishment=establishment,
        establishment_growth=growth,
        profile_growth=profile,
        benchmark_mape=benchmarks(series, base_year, end_year, compared, observed),
        seeds=list(seeds),
        kinds=[series.consultants.kind(y) for y in compared],
        all_years=years.tolist(),
        simulated_all=mean.tolist(),
        interval_all=bands,
        vacancy_rate={int(y): float(v) for y, v in zip(years, vac, strict=True)},
        share_55_plus=old,
        seconds=time.perf_counter() - start,
    )


def hindcast_figure(result: HindcastResult, path: Path) -> Path:
    """Three panels: consultants simulated vs observed, share aged 55+, vacancy rates (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    years = np.asarray(result.all_years)
    fig, (ax1, ax2, ax3) = plt.subplots(
        1, 3, figsize=(15, 4.6), gridspec_kw={"width_ratios": [2.2, 1, 1]}
    )
    ax1.plot(
        years,
        result.simulated_all,
        lw=2,
        color="C0",
        label=f"simulated (mean over {len(result.seeds)} seed(s))",
    )
    if result.interval_all is not None:
        band = np.asarray(result.interval_all)
        ax1.fill_between(years, band[:, 0], band[:, 1], color="C0", alpha=0.25, lw=0)
    for kind, marker in (("observed", "o"), ("derived", "s")):
        pick = [i for i, k in enumerate(result.kinds) if k == kind]
        if pick:
            ax1.scatter(
                [result.years[i] for i in pick], [result.observed[i] for i in pick],
                marker=marker, color="k", facecolors="k" if kind == "observed" else "none",
                zorder=3, label=f"{kind} (HCHS consultants FTE)",
            )  # fmt: skip
    ax1.set_title(
        f"England consultants, hindcast from {result.base_year} (MAPE {result.mape:.1f}%)"
    )
    ax1.set_xlabel("Year (August; observed: 30 September)")
    ax1.set_ylabel("Consultants (FTE, England-equivalent)")
    ax1.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax1.legend(loc="upper left", fontsize=8)
    label = {
        "supply": "supply-led (funded posts never bind)",
        "endpoints": f"constant growth {result.establishment_growth:+.2%}/yr (endpoints)",
        "observed": "the observed series (circular)",
    }[result.establishment]
    seeds = ", ".join(map(str, result.seeds))
    ax1.text(
        0.99, 0.02,
        f"funded posts: {label}\nseeds {seeds}",
        transform=ax1.transAxes, ha="right", va="bottom", fontsize=8,
    )  # fmt: skip
    old = sorted(result.share_55_plus)
    ax2.plot(old, [100 * result.share_55_plus[y] for y in old], lw=2, label="simulated")
    obs = [y for y in sorted(OBSERVED_55_PLUS) if y >= result.base_year]
    ax2.scatter(
        obs, [100 * OBSERVED_55_PLUS[y] for y in obs], color="k", zorder=3, label="observed"
    )
    ax2.set_title("Consultants aged 55 or over")
    ax2.set_ylabel("% of consultants")
    ax2.set_ylim(0, None)
    ax2.legend(fontsize=8)
    vac = sorted(result.vacancy_rate)
    ax3.plot(
        vac, [100 * result.vacancy_rate[y] for y in vac], lw=2, label="simulated (all vacancies)"
    )
    obs = [y for y in sorted(OBSERVED_VACANCY_3M) if result.base_year <= y <= result.end_year]
    ax3.scatter(
        obs, [100 * OBSERVED_VACANCY_3M[y] for y in obs], color="k", zorder=3,
        label="observed (vacant 3+ months)",
    )  # fmt: skip
    by_design = " (none: by design)" if result.establishment == "supply" else ""
    ax3.set_title(f"Consultant vacancies{by_design}")
    ax3.set_ylabel("% of funded posts")
    ax3.set_ylim(0, None)
    ax3.legend(fontsize=8)
    for ax in (ax1, ax2, ax3):
        ax.set_xlim(result.base_year - 0.5, result.end_year + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8 if ax is ax1 else 4, integer=True))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
