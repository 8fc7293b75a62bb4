"""Staffing optimisation on a pure M/M/c contact centre agrees with exact Erlang C staffing.

Target: at most 20% of callers wait (queued_share <= 0.2), i.e. Erlang C C(c, a) <= 0.2. The
loads are chosen so that one agent fewer clearly misses (C >= 0.29) and the Erlang count clearly
meets it (C <= 0.17): the simulation must reject c* - 1 and accept c*.
"""

from __future__ import annotations

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
