"""The outcome registry is the one declaration: a run's summary and every view agree with it."""

from __future__ import annotations

import pytest

from experiments.run_summary import INTERVALS, SCALARS
from results.analysis import COMPARED
from results.outcomes import OUTCOMES, SUMMARY, outcome, select
from results.sweep_analysis import ANALYSED


def test_a_runs_summary_holds_exactly_the_registered_summary_outcomes(baseline_run):
    # fill by level has a key per entry level present in the data (England: 1, 3 and 4)
    assert set(baseline_run.summary) == set(SUMMARY) - {"fill_rate_level_2"}


def test_every_view_names_registered_outcomes():
    for view in (SCALARS, INTERVALS, COMPARED, ANALYSED):
        assert set(view) <= set(OUTCOMES)
    assert set(SCALARS) <= set(SUMMARY)


def test_unknown_names_are_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="unknown outcome 'fill'.*fill_rate"):
        select("fill_rate", "fill")
    assert outcome("fill_rate").percent
