"""Robust ranking: where one design wins in a known half of the uncertain range, it is best in
about half of the worlds; an uncertain parameter that cannot change the ranking is not a driver.

Designs a (3 agents, x per contact) and b (4 agents, contacts free) swap at x* ~ rate / lambda
(tests/test_breakeven.py); x is uncertain over [0, 2 x*], so a wins in the lower half.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.errors import ScenarioError
from sim.experiment.robust import analyse, robust, wilson
from sim.providers.staffing import hourly_cost
from sim.validation import contact_centre_table

LAMBDA = 30.0
X_STAR = hourly_cost(7500.0, 174.0, 0.30) / LAMBDA
COST = "designs.a.contact.cost_per_contact.phone"


def _table(uncertainty):
    t = contact_centre_table(LAMBDA, 3, 5.0, horizon_h=8.0, warmup_h=1.0, seed=2)
    t["run"]["drain"] = "50h"
    t["run"]["replications"] = 2
    a = t["designs"]["textbook"]
    a["contact"]["groups"]["agents"]["attrition_per_year"] = 0.0
    a["contact"]["cost_per_contact"] = {"phone": 1.0}
    t["designs"] = {"a": a, "b": {"extends": "a", "contact": {
        "groups": {"agents": {"agents": 4}}, "cost_per_contact": {"phone": 0.0}}}}
    t["uncertainty"] = uncertainty
    return t


def test_a_design_that_wins_in_half_the_range_is_best_in_about_half_the_worlds(tmp_path):
    result = robust(_table({COST: f"0.0..{2 * X_STAR:.6f}",
                            "designs.*.contact.repeat_handle_factor": "1.0..2.0"}),
                    worlds=8, progress=False)
    shares = result.shares.set_index("design")
    assert 0.375 <= shares.loc["a", "share_best"] <= 0.625
    assert shares.loc["a", "best_lower"] <= 0.5 <= shares.loc["a", "best_upper"]
    assert shares["share_best"].sum() == pytest.approx(1.0)
    drivers = result.drivers.set_index("parameter")["rank_change_driver"]
    assert drivers.index[0] == COST and drivers[COST] > 0.7
    assert drivers["designs.*.contact.repeat_handle_factor"] < drivers[COST]
    region = result.regions.set_index(["parameter", "design"]).loc[(COST, "a")]
    assert region["share_best_low_half"] > 0.7 and region["share_best_high_half"] < 0.3
    assert region["max_where_best"] < 1.3 * X_STAR
    from sim.experiment.decision_report import write_robust

    folder = write_robust(result, tmp_path, "half", "test")
    assert (folder / "COMPLETE").exists() and (folder / "figures" / "robust.png").exists()


def test_indifference_zone_and_regret():
    means = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.5, 2.5, 2.5, 2.5]})
    table = pd.DataFrame({"point": range(4), "x": [0.1, 0.2, 0.3, 0.4]})
    sharp = analyse(means, table, [], "cost_per_case", "min", 0.0).shares.set_index("design")
    assert sharp.loc["a", "share_best"] == 0.5 and sharp.loc["a", "worst_regret"] == 1.5
    wide = analyse(means, table, [], "cost_per_case", "min", 0.6).shares.set_index("design")
    assert wide.loc["a", "share_within_zone"] == 0.75 == wide.loc["b", "share_within_zone"]
    flipped = analyse(means, table, [], "csat_mean", "max", 0.0).shares.set_index("design")
    assert flipped.loc["a", "share_best"] == 0.5 and flipped.loc["a", "mean_regret"] == \
        pytest.approx(np.mean([1.5, 0.5, 0, 0]))
    lo, hi = wilson(5, 10)
    assert lo < 0.5 < hi and hi - lo == pytest.approx(2 * 0.2632, abs=0.01)


def test_robust_needs_an_uncertainty_table_and_known_keys():
    with pytest.raises(ScenarioError, match="uncertainty"):
        robust(_table({}), worlds=4, progress=False)
    with pytest.raises(ScenarioError, match="at least one design"):
        robust(_table({"designs.*.contact.no_such_key": "1.0..2.0"}), worlds=4, progress=False)
