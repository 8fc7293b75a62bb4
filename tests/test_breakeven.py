"""Break-even on a case whose crossing is known in closed form.

Design a: 3 agents, each answered contact costs x. Design b: 4 agents, contacts free. Both see
the same contacts (common random numbers; callers never abandon), so per case
cost_a - cost_b = x - rate * (H - W) / N with rate the cost of one staffed agent-hour: the
designs swap at x* = rate * (H - W) * mean(1/N) ~ rate / lambda.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiment.breakeven import breakeven
from sim.providers.staffing import hourly_cost
from sim.validation import contact_centre_table

LAMBDA, H, W = 30.0, 8.0, 1.0
KEY = "designs.a.contact.cost_per_contact.phone"


def _table():
    t = contact_centre_table(LAMBDA, 3, 5.0, horizon_h=H, warmup_h=W, seed=2)
    t["run"]["drain"] = "50h"
    a = t["designs"]["textbook"]
    a["contact"]["groups"]["agents"]["attrition_per_year"] = 0.0   # no hiring overhead
    a["contact"]["cost_per_contact"] = {"phone": 1.0}
    t["designs"] = {"a": a, "b": {"extends": "a", "contact": {
        "groups": {"agents": {"agents": 4}}, "cost_per_contact": {"phone": 0.0}}}}
    return t


def test_breakeven_matches_the_closed_form_crossing(tmp_path):
    rate = hourly_cost(7500.0, 174.0, 0.30)             # the agent group's defaults
    result = breakeven(_table(), KEY, 0, 5, ("a", "b"), points=3, refine=1, replications=4,
                       progress=False)
    assert result.found
    assert result.lower <= rate / LAMBDA <= result.upper
    assert result.upper - result.lower < 0.5 * rate / LAMBDA
    # d(x) is exactly linear under CRN, so the root is exact given the runs' case counts
    from sim import load_scenario, run_once

    scenario = load_scenario(_table())
    cases = np.array([run_once(scenario, "a", r).kpis["cases"] for r in range(4)])
    assert result.crossing == pytest.approx(rate * (H - W) * np.mean(1 / cases), rel=1e-6)
    assert "swap" in result.message and "below it a has the lower" in result.message

    from sim.experiment.decision_report import write_breakeven

    folder = write_breakeven(result, tmp_path, "closed_form", "test")
    assert (folder / "COMPLETE").exists() and (folder / "figures" / "breakeven.png").exists()


def test_no_crossing_in_the_range_says_so():
    result = breakeven(_table(), KEY, 4, 8, ("a", "b"), points=3, refine=0, replications=2,
                       progress=False)
    assert not result.found
    assert result.message.startswith("no crossing in the range") and "lower for b" in \
        result.message


def test_one_replication_gives_a_crossing_without_an_interval():
    result = breakeven(_table(), KEY, 0, 5, ("a", "b"), points=3, refine=0, replications=1,
                       progress=False)
    assert result.found and np.isnan(result.lower)
    assert "no interval: use 2 or more replications" in result.message
