"""Staffing optimisation on a pure M/M/c contact centre agrees with exact Erlang C staffing.

Target: at most 20% of callers wait (queued_share <= 0.2), i.e. Erlang C C(c, a) <= 0.2. The
loads are chosen so that one agent fewer clearly misses (C >= 0.29) and the Erlang count clearly
meets it (C <= 0.17): the simulation must reject c* - 1 and accept c*.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.errors import ScenarioError
from sim.experiment.staffing import optimise, parse_requirement
from sim.theory.erlang import erlang_c
from sim.theory.staffing import staffing_for_service_level
from sim.validation import contact_centre_table

MU = 12.0   # 5-minute handle times
KEY = "designs.textbook.contact.groups.agents.agents"


@pytest.mark.parametrize("lam", [20.0, 30.0, 60.0])
def test_simulated_staffing_agrees_with_erlang_c(lam):
    exact = staffing_for_service_level(lam, MU, 0.8, 0.0)      # P(Wq <= 0) >= 0.8
    assert erlang_c(exact - 1, lam / MU) >= 0.29 and erlang_c(exact, lam / MU) <= 0.17
    table = contact_centre_table(lam, 1, 5.0, horizon_h=12.0, warmup_h=1.0, seed=7)
    table["run"]["drain"] = "50h"
    result = optimise(table, "textbook", [parse_requirement("queued_share<=0.2")],
                      replications=4, progress=False)
    assert result.start == {KEY: exact}                         # the Erlang C rough cut
    assert result.best == {KEY: exact}                          # ... confirmed by simulation
    below = result.candidates.set_index(KEY).loc[exact - 1]
    assert not below["feasible"]                                # one fewer was tried, and fails
    assert result.confidence >= 0.75


def test_requirements_are_checked():
    assert str(parse_requirement("first_response_p90_min <= 1.5")) == \
        "first_response_p90_min<=1.5"
    with pytest.raises(ScenarioError, match="did you mean 'queued_share'"):
        parse_requirement("queued_shar<=0.2")
    with pytest.raises(ScenarioError, match="KPI<=VALUE"):
        parse_requirement("queued_share=0.2")


# --- shift blocks ------------------------------------------------------------------------------
def test_cover_gives_each_block_its_largest_need_and_covers_overlaps_cheaply():
    from sim.config.fields import build
    from sim.experiment.shift_blocks import cover
    from sim.providers.staffing import Shift

    def shift(start, end):
        return build(Shift, {"start": start, "end": end, "agents": 1}, "s")

    need = np.tile(np.r_[np.full(8, 1), np.full(10, 4), np.full(6, 2)], 7)
    assert cover(need, [shift(0, 8), shift(8, 18), shift(18, 24)]) == [1, 4, 2]
    # Overlapping: a long day shift and a short peak shift; the peak's extra agents go to
    # the short shift (fewer paid hours), the base to the long one.
    need = np.tile(np.r_[np.zeros(8), np.full(4, 2), np.full(4, 5), np.full(8, 2)], 7)
    counts = cover(need, [shift(8, 24), shift(12, 16)])
    assert counts == [2, 3]


def test_shift_blocks_start_at_the_erlang_c_rough_cut_and_simulation_confirms_it():
    # A stationary M/M/c queue whose agents work two 12-hour shifts: the rough cut of each
    # block is the exact Erlang C head count for 90% answered within a minute.
    lam, within_min = 30.0, 1.0
    exact = staffing_for_service_level(lam, MU, 0.9, within_min / 60)
    table = contact_centre_table(lam, 1, 5.0, horizon_h=25.0, warmup_h=1.0, seed=7)
    table["run"]["drain"] = "50h"
    group = table["designs"]["textbook"]["contact"]["groups"]["agents"]
    del group["agents"]
    group["shifts"] = [{"start": 0, "end": 12, "agents": 1}, {"start": 12, "end": 24,
                                                               "agents": 1}]
    keys = [f"designs.textbook.contact.groups.agents.shifts.{i}.agents" for i in (0, 1)]
    req = [parse_requirement(f"first_response_p90_min<={within_min}")]
    start = optimise(table, "textbook", req, replications=2, max_steps=0, progress=False)
    assert start.keys == keys
    assert all(abs(start.start[k] - exact) <= 1 for k in keys), (start.start, exact)
    result = optimise(table, "textbook", req, replications=3, progress=False)
    assert result.best is not None and result.confidence > 0
    assert all(abs(result.best[k] - exact) <= 1 for k in keys), (result.best, exact)
