"""The real model against queueing theory, inside 95% confidence intervals.

Each textbook point (:func:`sim.verification.textbook_cases`) runs 10 independent replications
of the model with a fixed seed, so every assertion is deterministic. Each test also checks that
a deliberately wrong theoretical value (one more agent, one more waiting place, or exponential
instead of the real service-time variability) lies *outside* the interval, so the comparison
has the power to fail. Also: the sample-path Little's law and skills-based routing.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import theory
from sim.config.units import MINUTE
from sim.streams import Streams
from sim.validation import contact_centre, contact_centre_table
from sim.verification import (
    COLUMNS,
    TextbookCase,
    area_by_events,
    area_by_sojourns,
    compare_with_theory,
    poisson_case_table,
    run_world,
    simulate_case,
    textbook_cases,
    verify,
)

REPLICATIONS = 10
CASES = textbook_cases()


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_model_agrees_with_theory(case: TextbookCase):
    runs = simulate_case(case, REPLICATIONS, seed=1)
    assert runs["cases"].min() > 4000  # enough arrivals per replication to mean something
    right = compare_with_theory(case, runs)
    assert right["n"].eq(REPLICATIONS).all()
    assert right["inside"].all(), right.to_string()
    wrong = compare_with_theory(case, runs, values=case.wrong)
    assert not wrong["inside"].any(), wrong.to_string()


def test_every_model_is_covered():
    names = " ".join(c.name for c in CASES)
    for model in ("erlang_c", "erlang_a", "mmck", "mg1 deterministic", "mg1 lognormal"):
        assert model in names
    measures = {(c.name.split()[0], m) for c in CASES for m in c.theory}
    assert {("erlang_c", "first_response_mean_min"), ("erlang_c", "queued_share"),
            ("erlang_a", "abandonment_rate"), ("erlang_a", "queued_share"),
            ("erlang_a", "queue_wait_mean_min"), ("mmck", "blocked_share"),
            ("mg1", "first_response_mean_min")} <= measures


def test_verify_table_shape_and_quick_subset():
    small = TextbookCase("tiny m/m/1", dict(arrival_rate_per_h=5.0, agents=1,
                                            handle_mean_min=6.0, horizon_h=50.0, warmup_h=5.0),
                         {"queued_share": 0.5})
    table = verify(replications=3, cases=[small])
    assert list(table.columns) == COLUMNS
    assert len(table) == 1 and table.loc[0, "n"] == 3
    assert table.loc[0, "lower"] <= table.loc[0, "sim_mean"] <= table.loc[0, "upper"]
    assert len(textbook_cases(quick=True)) < len(CASES)
    with pytest.raises(ValueError):
        verify(replications=1, cases=[small])


def test_verify_is_deterministic_given_the_seed():
    small = TextbookCase("tiny", dict(arrival_rate_per_h=5.0, agents=1, handle_mean_min=6.0,
                                      horizon_h=30.0, warmup_h=0.0), {"queued_share": 0.5})
    a, b = verify(3, cases=[small], seed=4), verify(3, cases=[small], seed=4)
    assert a.equals(b)
    assert not a.equals(verify(3, cases=[small], seed=5))


def test_bundled_mmc_file_is_the_textbook_scenario():
    from_file = sim.load_scenario("validation/mmc")
    built = contact_centre(30.0, 3, 5.0, horizon_h=300.0, warmup_h=15.0)
    assert from_file == built
    assert sim.load_scenario(contact_centre_table(30.0, 3, 5.0, horizon_h=300.0,
                                                  warmup_h=15.0)) == from_file
    assert from_file != contact_centre(30.0, 4, 5.0, horizon_h=300.0, warmup_h=15.0)


# --- sample-path Little's law ------------------------------------------------------------------
@pytest.fixture(scope="module")
def erlang_a_run():
    # Abandonment and a finite queue, so the sojourns include every kind of ending.
    scenario = contact_centre(30.0, 3, 5.0, patience_mean_min=3.0, queue_capacity=4,
                              horizon_h=100.0, warmup_h=0.0)
    return sim.run_once(scenario, replication=2)


@pytest.mark.parametrize("horizon", [100.0, 37.3])
def test_littles_law_sample_path(erlang_a_run, horizon):
    cases = erlang_a_run.cases
    a, d = cases["created"].to_numpy(), cases["closed_at"].to_numpy()
    assert np.all(d >= a)
    by_events, by_sojourns = area_by_events(a, d, horizon), area_by_sojourns(a, d, horizon)
    assert by_sojourns > 0
    assert by_events == pytest.approx(by_sojourns, rel=1e-10)
    # In queue: from arrival for the first attempt's wait (0 for blocked attempts).
    q_end = a + np.nan_to_num(cases["first_attempt_wait_h"].to_numpy())
    q_events, q_sojourns = area_by_events(a, q_end, horizon), area_by_sojourns(a, q_end, horizon)
    assert q_events == pytest.approx(q_sojourns, rel=1e-10)
    # L = lambda W on the sample path once every case has left: T = last departure.
    end = float(d.max())
    assert area_by_events(a, d, end) / end == pytest.approx(len(a) / end * np.mean(d - a),
                                                            rel=1e-10)


def test_sojourns_match_the_model_monitor(erlang_a_run):
    """Number in system and in queue from the per-case table equal the model's own samples."""
    cases, timeline = erlang_a_run.cases, erlang_a_run.timeline
    a, d = cases["created"].to_numpy(), cases["closed_at"].to_numpy()
    q_end = a + np.nan_to_num(cases["first_attempt_wait_h"].to_numpy())
    t = timeline["time_h"].to_numpy()[:, None]
    in_system = ((a <= t) & (t < d)).sum(axis=1)
    in_queue = ((a <= t) & (t < q_end)).sum(axis=1)
    np.testing.assert_array_equal(in_system, timeline["open_cases"].to_numpy())
    np.testing.assert_array_equal(in_queue, timeline["queue:contact:agents"].to_numpy())
    assert in_queue.max() > 0


def test_area_helpers_on_a_hand_example():
    a, d = np.array([0.0, 1.0, 2.0, 5.0]), np.array([3.0, 2.0, np.nan, 6.0])
    # Over [0, 4]: 3 + 1 + (4 - 2) + 0 = 6.
    assert area_by_sojourns(a, d, 4.0) == pytest.approx(6.0)
    assert area_by_events(a, d, 4.0) == pytest.approx(6.0)


# --- skills-based routing ----------------------------------------------------------------------
RATES = {("inquiry", "phone"): 30.0, ("inquiry", "chat"): 16.0}


def _two_groups(overflow: bool = False):
    table = contact_centre_table(30.0, 3, 5.0, horizon_h=200.0, warmup_h=10.0)
    contact = table["designs"]["textbook"]["contact"]
    contact["groups"] = {
        "phone_team": {"agents": 3, "channels": ["phone"], "case_types": ["inquiry"],
                       "fcr": 1.0},
        "chat_team": {"agents": 2, "channels": ["chat"], "case_types": ["inquiry"],
                      "fcr": 1.0},
    }
    if overflow:
        contact["groups"]["phone_team"].update(overflow_to="chat_team", overflow_after="0s")
    contact["handle_time"]["chat"] = {"default": {"dist": "exponential", "mean": "6min"}}
    return sim.load_scenario(table)


def _wait_by_channel(scenario, replication):
    world = run_world(scenario, poisson_case_table(Streams(1, replication), 200.0, RATES),
                      replication=replication, seed=1)
    cases = world.cases
    keep = cases.created >= scenario.run.warmup
    waits = world.records["first_wait_h"] / MINUTE
    return {ch: float(np.mean(waits[keep & (cases.channel == code)]))
            for ch, code in (("phone", 0), ("chat", 1))}


def test_two_groups_without_overflow_are_separate_mmc_queues():
    from sim.experiment.stats import t_interval

    scenario = _two_groups()
    runs = [_wait_by_channel(scenario, r) for r in range(REPLICATIONS)]
    for channel, agents, mu in (("phone", 3, 12.0), ("chat", 2, 10.0)):
        lam = RATES[("inquiry", channel)]
        ci = t_interval([r[channel] for r in runs])
        right = theory.mmc(lam, mu, agents).mean_wait / MINUTE
        pooled = theory.mmc(sum(RATES.values()), 46.0 / (30 / 12 + 16 / 10), 5).mean_wait
        assert ci.lower <= right <= ci.upper, (channel, right, ci)
        assert not ci.lower <= theory.mmc(lam, mu, agents + 1).mean_wait / MINUTE <= ci.upper
        assert not ci.lower <= pooled / MINUTE <= ci.upper  # not one pooled queue either


def test_overflow_to_an_idle_group_shortens_waits():
    plain, spill = _two_groups(), _two_groups(overflow=True)
    for r in range(2):  # same replication: same arrivals and draws (common random numbers)
        without, with_ = _wait_by_channel(plain, r), _wait_by_channel(spill, r)
        assert with_["phone"] < 0.5 * without["phone"]
        assert with_["chat"] > without["chat"]  # the helpers' own queue pays for it


def test_case_type_no_group_is_skilled_for_is_a_load_error():
    table = contact_centre_table(30.0, 3, 5.0)
    table["designs"]["textbook"]["contact"]["groups"]["agents"]["case_types"] = ["exchange"]
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(table)
    assert str(err.value).count("\n") == 0
    assert "designs.textbook.contact.groups" in str(err.value)
    assert "'inquiry'" in str(err.value)
