"""Every table of a comparison agrees with every other, and a run that measured nothing says so."""

from __future__ import annotations

import math

import pytest

import sim
from sim.config import ScenarioError
from sim.config.loader import bundled_scenarios
from sim.experiment.executors import Task, run_task

SHORT = {"run.horizon": "4d", "run.warmup": "1d", "run.drain": "15d", "demand.orders_per_day": 150}
BUNDLED = sorted(n for n in bundled_scenarios() if "/" not in n)


@pytest.mark.parametrize("name", BUNDLED)
def test_cost_breakdown_sums_to_total_cost_for_every_design_and_replication(name):
    # The breakdown (costs.csv, the cost figure) uses exactly the scope of total_cost: cases
    # created in the measured window, fixed costs pro-rated to it.
    scenario = sim.load_scenario(name, overrides=SHORT)
    for design in scenario.designs:
        for replication in (0, 1):
            result = run_task(Task(scenario, design, replication, scenario.run.seed))
            total = result.kpis["total_cost"]
            assert result.costs["amount"].sum() == pytest.approx(total, rel=1e-9), \
                (name, design, replication)


def test_comparison_cost_table_agrees_with_the_runs_table():
    scenario = sim.load_scenario("baseline", overrides=SHORT)
    result = sim.compare(scenario, replications=2, progress=False)
    by_design = result.costs.groupby("design")["amount"].sum()
    mean_total = result.runs.groupby("design")["total_cost"].mean()
    for design in result.designs:
        assert by_design[design] == pytest.approx(mean_total[design], rel=1e-9)


def test_a_warmup_as_long_as_the_horizon_is_refused_naming_run_warmup():
    with pytest.raises(ScenarioError, match=r"run\.warmup"):
        sim.load_scenario("baseline", overrides={"run.horizon": "5d", "run.warmup": "5d"})


def test_a_run_with_no_demand_scores_nan_is_flagged_and_is_not_ranked():
    scenario = sim.load_scenario("baseline", overrides={**SHORT, "demand.orders_per_day": 0})
    result = sim.compare(scenario, replications=2, progress=False)
    assert result.runs["cases"].eq(0).all()
    assert result.runs["score_total"].map(math.isnan).all()
    for design in result.designs:
        assert any("no cases measured" in f for f in result.flags[design])
    assert "score_total" not in set(result.ranking["kpi"])
    assert any("not ranked on score_total" in n for n in result.notes)
