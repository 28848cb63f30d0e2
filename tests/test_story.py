"""One trainee as an object: `model.story(row)` tells where it trained and what happened when."""

from __future__ import annotations

import numpy as np
import pytest

from agents.consultant import FROM_CCT
from agents.trainee import CONSULTANT, IN_TRAINING
from sim import calendar as cal
from sim.model import TraineeFlowModel
from sim.scenario import load_scenario

YEARS = 6
TRAINING = ("started", "rotated", "inter-deanery transfer")


@pytest.fixture(scope="module")
def model(england):
    scenario = load_scenario("baseline", england)
    m = TraineeFlowModel(england, scenario.world, scenario.policy, seed=1)
    m.run_for(12 * YEARS + 1)
    return m


def first_story(m, rows, wanted, limit=200):
    for row in rows[:limit]:
        story = m.story(int(row))
        if wanted(story):
            return int(row), story
    raise AssertionError("no trainee with the wanted story among the candidates")


def check_dates(story, base_year):
    months = [e["month"] for e in story["events"]]
    assert months == sorted(months)
    for e in story["events"]:
        assert e["date"] == cal.label(e["month"], base_year)


def test_story_of_a_trainee_who_rotated(model):
    tr, w = model.trainees, model.world
    rows = model.in_training()
    rows = rows[(tr.start_t[rows] >= 12) & (tr.idts[rows] == 0)]  # recruited in the model
    row, story = first_story(
        model, rows, lambda s: sum(e["event"] == "rotated" for e in s["events"]) >= 2
    )

    assert story["row"] == row
    assert story["status"] == "in training"
    assert story["specialty"] == w.specialty_codes[tr.spec[row]]
    assert story["local_office"] == w.lo_codes[tr.lo[row]]
    check_dates(story, model.base_year)
    events = story["events"]
    start = events[0]
    assert start["event"] == "started"
    assert start["month"] == tr.start_t[row] and start["month"] % 12 == cal.AUGUST
    assert start["date"].startswith("Aug ")
    moves = [e for e in events if e["event"] == "rotated"]
    assert all(e["month"] % 12 in (cal.AUGUST, cal.FEBRUARY) for e in moves)
    assert all(e["date"][:3] in ("Aug", "Feb") for e in moves)
    # every rotation goes to another trust; the trusts trained in are the start and the moves
    trail = [e["trust"] for e in events if e["event"] in TRAINING]
    assert all(a != b for a, b in zip(trail, trail[1:], strict=False))
    assert story["trusts_trained_in"] == list(dict.fromkeys(trail))
    assert len(story["trusts_trained_in"]) >= 2
    assert trail[-1] == w.trust_codes[tr.trust[row]]  # it is now where it last moved to
    lo = tr.lo[row]
    assert all(w.trust_lo[w.trust_codes.index(c)] == lo for c in story["trusts_trained_in"])


def test_story_of_a_trainee_who_completed_and_settled(model):
    tr, w, c = model.trainees, model.world, model.consultants
    rows = np.flatnonzero((tr.status[: tr.n] == CONSULTANT) & (tr.start_t[: tr.n] >= 12))
    row, story = first_story(model, rows, lambda s: s["extensions"] == 0 and not s["ltft"])

    assert story["status"] == "consultant"
    check_dates(story, model.base_year)
    names = [e["event"] for e in story["events"]]
    assert names[0] == "started" and names[-2:] == ["CCT", "first consultant post"]
    start, cct, post = story["events"][0], story["events"][-2], story["events"][-1]
    # full-time, never extended: CCT exactly the specialty's training years after the start
    assert cct["month"] - start["month"] == 12 * int(model.ctx.specs.years[tr.spec[row]])
    assert cct["month"] == tr.end_t[row]
    last_trust = [e["trust"] for e in story["events"] if e["event"] in TRAINING][-1]
    assert cct["trust"] == last_trust == w.trust_codes[tr.trust[row]]
    assert post["month"] >= cct["month"]
    assert post["trust"] == w.trust_codes[tr.consultant_trust[row]]
    # the consultant it became is in the consultant store, at that trust, from that month
    mine = np.flatnonzero(c.trainee[: c.n] == row)
    assert len(mine) == 1
    k = int(mine[0])
    assert c.origin[k] == FROM_CCT and c.start_t[k] == post["month"]
    assert w.trust_codes[c.trust[k]] == post["trust"] and c.spec[k] == tr.spec[row]


def test_story_attributes_are_the_columns(model):
    row = int(model.in_training()[0])
    story = model.story(row)
    assert story["attributes"] == model.trainees.row(row)
    assert story["attributes"]["status"] == IN_TRAINING
    with pytest.raises(IndexError):
        model.story(model.trainees.n)


def test_story_dates_a_base_year_trainee_from_its_programme_start(model):
    """A trainee in post at the base year entered its programme before August 2023
    (`start_t` < 0); its story must say when, not that it started in August 2023."""
    tr = model.trainees
    rows = np.flatnonzero(tr.start_t[: tr.n] < -12)
    assert len(rows) > 1_000
    story = model.story(int(rows[0]))
    start = story["events"][0]
    assert start["event"] == "started"
    assert start["month"] == tr.start_t[rows[0]], (
        f"story says started {start['date']} but start_t = {tr.start_t[rows[0]]} "
        f"({cal.label(int(tr.start_t[rows[0]]), model.base_year)})"
    )
