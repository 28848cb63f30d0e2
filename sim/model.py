"""The Mesa model of England's specialty training pipeline (1 step = 1 month).

The documented order of processes is in `sim/step_order.md`; the schedule itself is the tables
of `sim/calendar.py`. Trainees, posts, consultants and trust x specialty cells are column stores
(`agents/`) whose rules run vectorised over the population; trusts and local offices are indices
into the world's arrays (`sim/world.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import mesa
import numpy as np
from mesa.time import Schedule

from agents.cells import TrustCells
from agents.consultant import Consultants
from agents.post import Posts
from agents.trainee import EVENT_NAMES, STATUS_NAMES, Trainees
from sim import calendar as cal
from sim.consultant_market import consultant_exits, grow_establishment
from sim.context import Context, Counts, Specialties
from sim.heap import keep_freed_memory
from sim.history import History, HistoryDriver
from sim.initial_state import populate
from sim.inputs import check_seed, check_years
from sim.international import international_recruits
from sim.need import icb_fair_shares, region_fair_shares
from sim.outputs import RunResult
from sim.params import WorldParams
from sim.policy import PolicyParams
from sim.programme import Programme
from sim.recorder import Recorder
from sim.recruitment import recruit
from sim.rng import Streams
from sim.rotation import rotate
from sim.run import run_key, summarise
from sim.scenario import Scenario
from sim.settlement import SettlementWeights, settle
from sim.training import arcp, monthly_exits
from sim.transfers import idt_window
from sim.world import World


class TraineeFlowModel(mesa.Model):
    """England's specialty training pipeline, from recruitment to consultant settlement.

    The model builds the processes' context (`sim/context.py`) and schedules the processes from
    the calendar's tables (`sim/calendar.py`); each process acts only on its context.
    """

    def __init__(
        self,
        world: World,
        params: WorldParams | None = None,
        policy: PolicyParams | None = None,
        seed: int = 0,
        history: History | None = None,
    ) -> None:
        super().__init__(rng=seed)
        self.world = world
        self.params = params or WorldParams()
        self.policy = policy or PolicyParams()
        self.seed = int(seed)
        base_year = cal.BASE_YEAR if history is None else history.base_year
        self.base_year = base_year
        self.person_months = 0
        p = self.params
        # months each cell has had an open vacancy (ESTIMATE at the start: long enough that
        # international recruitment is under way, as for the published 2022 vacancies)
        establishment = world.baseline_establishment
        open_ = establishment > world.baseline_consultants
        self.ctx = Context(
            world=world,
            specs=Specialties.build(world, p),
            params=p,
            policy=self.policy,
            streams=Streams(seed),
            recorder=Recorder(world.n_regions, world.n_specialties),
            trainees=Trainees(capacity=64_000),
            posts=Posts(capacity=40_000),
            consultants=Consultants(capacity=64_000),
            cells=TrustCells(establishment, np.where(open_, p.img_after_months, 0)),
            base_year=base_year,
            lo_popularity=np.array([p.lo_popularity.get(c, 0.0) for c in world.lo_codes]),
            settlement=SettlementWeights.build(world, p, self.policy),
        )
        prog = self.policy.programme
        icb_shares = icb_fair_shares(world, prog.deprivation_weight, prog.region_growth)
        self.programme = Programme(self.ctx, icb_shares, region_fair_shares(world, icb_shares))
        populate(self.ctx, self.programme)
        self.ctx.lo_popularity = self.ctx.lo_popularity + self.programme.recruitment_bonus()
        # a run from a past base year: posts and funded posts follow the historic series
        self.historic = (
            None if history is None else HistoryDriver(self.ctx, self.programme, history)
        )
        self._monthly = [getattr(self, name) for name in cal.MONTHLY]
        # bound methods: Mesa holds weak references, the model keeps them alive
        self._generators = [
            self.schedule_recurring(
                getattr(self, ev.process),
                Schedule(interval=cal.MONTHS_PER_YEAR, start=ev.start),
            )
            for ev in cal.SCHEDULE + (cal.HISTORY_SCHEDULE if history is not None else ())
        ]

    # --- views of the context (for readers of a model) ------------------------------------------
    @property
    def trainees(self) -> Trainees:
        """All trainees ever recruited."""
        return self.ctx.trainees

    @property
    def posts(self) -> Posts:
        """All training posts ever established."""
        return self.ctx.posts

    @property
    def consultants(self) -> Consultants:
        """All consultants ever in post."""
        return self.ctx.consultants

    @property
    def cells(self) -> TrustCells:
        """Trust x specialty cells: funded consultant posts, consultants in post, capacity."""
        return self.ctx.cells

    @property
    def recorder(self) -> Recorder:
        """Yearly tables and flow counters."""
        return self.ctx.recorder

    @property
    def counts(self) -> Counts:
        """Live trainees and consultants."""
        return self.ctx.counts

    @property
    def streams(self) -> Streams:
        """The run's random streams."""
        return self.ctx.streams

    @property
    def n_specs(self) -> int:
        """Number of specialties."""
        return self.ctx.n_specs

    def in_training(self) -> np.ndarray:
        """Rows of trainees in programme."""
        return self.ctx.trainees.in_training()

    # --- the monthly step (cal.MONTHLY, in that order) ------------------------------------------
    def step(self) -> None:
        """Close the month that just ended (the processes of `cal.MONTHLY`, in order)."""
        for process in self._monthly:
            process()
        self.person_months += self.ctx.counts.trainees + self.ctx.counts.consultants

    def monthly_exits(self) -> None:
        """Trainees whose attrition or CCT month has come leave their posts."""
        monthly_exits(self.ctx, int(self.time))

    def consultant_exits(self) -> None:
        """Consultants whose retirement or leaving month has come leave their posts."""
        consultant_exits(self.ctx, int(self.time))

    def close_ended_posts(self) -> None:
        """Expansion posts past their funding end close once vacant."""
        self.programme.close_ended_posts(int(self.time))

    def settle(self) -> None:
        """CCT holders choose consultant vacancies, wait, get a created post or leave."""
        settle(self.ctx, int(self.time))

    def international_recruits(self) -> None:
        """The month's international recruits take long-open vacancies."""
        international_recruits(self.ctx, int(self.time))

    def age_vacancies(self) -> None:
        """Months each cell has had an open consultant vacancy advance."""
        self.ctx.cells.age_vacancies()

    # --- calendar events (cal.SCHEDULE) ---------------------------------------------------------
    def yearly_moves(self) -> None:
        """July: the programme's post moves toward fair share."""
        self.programme.yearly_moves(int(self.time))

    def arcp(self) -> None:
        """ARCP panels (June)."""
        arcp(self.ctx, int(self.time))

    def idt_window(self) -> None:
        """Inter-deanery transfer window (February and August)."""
        idt_window(self.ctx, int(self.time))

    def recruit(self) -> None:
        """August national recruitment."""
        recruit(self.ctx, int(self.time))

    def recruit_february(self) -> None:
        """February recruitment for the specialties that have it."""
        if self.ctx.specs.recruits_in_february.any():
            recruit(self.ctx, int(self.time))

    def rotate(self) -> None:
        """Rotation between the trusts of a programme."""
        rotate(self.ctx, int(self.time))

    def august_changeover(self) -> None:
        """Yearly changes at the start of the training year."""
        t = int(self.time)
        rate = None if self.historic is None else self.historic.funded_growth(t)
        grow_establishment(self.ctx, t, rate)
        self.programme.grow_capacity()

    def follow_training_posts(self) -> None:
        """July, in a run from a past base year: training posts follow the historic series."""
        if self.historic is not None:
            self.historic.follow_training_posts(int(self.time))

    def snapshot(self) -> None:
        """Yearly August snapshot into the tidy tables."""
        t = int(self.time)
        year = cal.calendar_year(t, self.base_year)
        self.ctx.recorder.snapshot(
            self.ctx, year, self.programme.fair_share_posts(), self.programme.unplaced
        )
        if self.historic is not None:
            self.historic.record_ages(t)

    def release(self) -> None:
        """Free the run's agent arrays now; the model cannot step afterwards.

        A Mesa model sits in reference cycles (its scheduled events hold its bound methods), which
        only Python's cyclic collector frees, and that runs rarely in an array-heavy loop: a
        worker running replicates one after another would hold every finished run's arrays
        (about 40 MB each) until it did.
        """
        del self.ctx, self.programme, self.historic

    # --- inspection --------------------------------------------------------------------------
    def story(self, row: int) -> dict:
        """One trainee as an object: attributes and dated history of where it trained."""
        tr, w = self.trainees, self.world
        info = tr.row(row)
        hist = self.ctx.history.since(0)
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


# --- building and running a model for a scenario -----------------------------------------------
def build_model(
    scenario: Scenario, seed: int, world: World, history: History | None = None
) -> TraineeFlowModel:
    """The model for a scenario and seed (initialised at the base year, or history's)."""
    keep_freed_memory()
    if history is None:
        return TraineeFlowModel(world, scenario.world, scenario.policy, seed=seed)
    from sim.history import scale_world

    return TraineeFlowModel(
        scale_world(world, history), scenario.world, scenario.policy, seed=seed, history=history
    )


def run_scenario(
    scenario: Scenario,
    seed: int,
    years: int,
    world: World,
    progress: Callable[[int], None] | None = None,
    history: History | None = None,
) -> RunResult:
    """Simulate `years` years (to the August snapshot of the last year).

    With `history`, the run starts from its base year in `world` scaled back to it
    (`sim/history.py`) and follows its yearly posts and funded posts.
    """
    check_years(years)
    check_seed(seed)
    if history is not None:
        history.check_years(years)
    start = time.perf_counter()
    model = build_model(scenario, seed, world, history)
    for _ in range(years):
        model.run_for(12)
        if progress is not None:
            progress(1)
    model.run_for(0.5)  # the final August snapshot
    seconds = time.perf_counter() - start
    region_year = model.recorder.region_year()
    icb_year = model.recorder.icb_year()
    summary = summarise(model.ctx, model.person_months, region_year)
    if history is not None:
        summary.update(model.historic.outcomes())
    summary["seconds"] = seconds
    model.release()
    return RunResult(
        run_key=run_key(scenario, seed, years, world, history),
        scenario=scenario.name,
        params=scenario.resolved(),
        seed=int(seed),
        years=int(years),
        base_year=model.base_year,
        region_year=region_year,
        icb_year=icb_year,
        summary=summary,
        person_months=int(model.person_months),
        seconds=seconds,
    )
