"""The memory and volume budget checked before a run starts (sim.config.limits)."""

from __future__ import annotations

import pytest

from sim import load_scenario
from sim.config.errors import ScenarioError
from sim.config.limits import (
    BYTES_PER_LIVE_CASE,
    MAX_CASES_PER_REPLICATION,
    budget_problems,
    check_budget,
    estimate,
)


def test_the_bundled_baseline_fits_in_a_gigabyte():
    assert budget_problems(load_scenario("baseline"), jobs=2, memory=2**30) == []


def test_a_run_that_does_not_fit_names_the_volume_key_and_the_memory():
    scenario = load_scenario("baseline")
    est = estimate(scenario, jobs=2)
    assert est.bytes_peak >= 2 * est.cases_per_replication * BYTES_PER_LIVE_CASE
    problems = budget_problems(scenario, jobs=2, memory=int(est.bytes_peak) - 1)
    assert len(problems) == 1
    text = str(ScenarioError(problems))
    assert "demand.orders_per_day" in text and "GiB available" in text and "--jobs" in text
    # One worker needs about half: the same memory then suffices.
    assert budget_problems(scenario, jobs=1, memory=int(est.bytes_peak) - 1) == []


def test_an_absurd_volume_is_refused_when_the_scenario_is_loaded():
    with pytest.raises(ScenarioError, match="demand.orders_per_day") as err:
        load_scenario("baseline", overrides={"demand.orders_per_day": 1e9})
    assert f"at most {MAX_CASES_PER_REPLICATION:,} expected cases" in str(err.value)


def test_check_budget_raises_what_budget_problems_finds():
    scenario = load_scenario("baseline")
    check_budget(scenario, jobs=1)  # fits on this machine: no error
    assert estimate(scenario, jobs=4).bytes_peak > estimate(scenario, jobs=1).bytes_peak
