"""Deterministic micro-scenarios: hand-made cases, deterministic times, exactly known results.

Cases are built by hand (:func:`sim.verification.make_case_table`) and run through the real
World; handle times and patience are deterministic, so every time in the per-case table is
known exactly (up to floating-point rounding of minutes into hours).
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.streams import Streams
from sim.validation import contact_centre_table
from sim.verification import make_case_table, poisson_case_table, run_cases

H6MIN = 0.1  # 6 min in hours
EXACT = dict(abs=1e-12)


def micro(handle: str = "6min", patience: str | None = None, horizon_h: float = 24.0,
          **contact) -> sim.Scenario:
    """One agent, deterministic handle time; ``contact`` overrides the contact table."""
    table = contact_centre_table(1.0, 1, 6.0, handle_dist="deterministic", horizon_h=horizon_h,
                                 warmup_h=0.0)
    table["run"]["drain"] = "2d"
    c = table["designs"]["textbook"]["contact"]
    c["handle_time"]["phone"]["default"] = {"dist": "deterministic", "value": handle}
    if patience is not None:
        c["patience"] = {"phone": {"dist": "deterministic", "value": patience}}
    group = contact.pop("group", {})
    c["groups"]["agents"].update(group)
    if "shifts" in group:
        del c["groups"]["agents"]["agents"]
    c.update(contact)
    return sim.load_scenario(table)


def test_fifo_single_agent_exact_times():
    cases = run_cases(micro(), make_case_table([0.0, 0.05, 0.1]))
    assert cases["first_wait_h"].tolist() == pytest.approx([0.0, 0.05, 0.1], **EXACT)
    assert cases["first_response_at"].tolist() == pytest.approx([0.0, 0.1, 0.2], **EXACT)
    assert cases["closed_at"].tolist() == pytest.approx([0.1, 0.2, 0.3], **EXACT)
    assert cases["queued"].tolist() == [False, True, True]
    assert cases["terminal"].tolist() == ["resolved"] * 3
    assert cases["staff_time_h"].tolist() == pytest.approx([H6MIN] * 3, **EXACT)


def test_two_agents_serve_in_parallel():
    cases = run_cases(micro(group={"agents": 2}), make_case_table([0.0, 0.01, 0.02]))
    assert cases["first_response_at"].tolist() == pytest.approx([0.0, 0.01, 0.1], **EXACT)
    assert cases["closed_at"].tolist() == pytest.approx([0.1, 0.11, 0.2], **EXACT)


def test_abandonment_at_exactly_arrival_plus_patience():
    cases = run_cases(micro(patience="2min"), make_case_table([0.0, 0.01]))
    first, second = cases.iloc[0], cases.iloc[1]
    assert first["terminal"] == "resolved"
    assert second["terminal"] == "abandoned"
    assert second["closed_at"] == pytest.approx(0.01 + 2 / 60, **EXACT)
    assert second["first_attempt_wait_h"] == pytest.approx(2 / 60, **EXACT)
    assert np.isnan(second["first_response_at"])
    assert (second["abandonments"], second["attempts"], second["contacts"]) == (1, 1, 0)


def test_patient_enough_caller_is_served():
    cases = run_cases(micro(patience="7min"), make_case_table([0.0, 0.01]))
    assert cases["terminal"].tolist() == ["resolved", "resolved"]
    assert cases["first_response_at"].tolist() == pytest.approx([0.0, H6MIN], **EXACT)


def test_full_queue_blocks_then_retry_is_served():
    blocked = run_cases(micro(queue_capacity={"phone": 0}), make_case_table([0.0, 0.05]))
    assert blocked["terminal"].tolist() == ["resolved", "blocked"]
    assert blocked["closed_at"].iloc[1] == pytest.approx(0.05, **EXACT)
    assert blocked["blocked"].tolist() == [0, 1]
    # A retry 10 min later finds the agent free (busy until 0.1 h).
    retry = micro(queue_capacity={"phone": 0}, retry_probability=1.0, max_attempts=2,
                  retry_delay={"dist": "deterministic", "value": "10min"})
    cases = run_cases(retry, make_case_table([0.0, 0.05]))
    second = cases.iloc[1]
    assert second["terminal"] == "resolved"
    assert second["first_response_at"] == pytest.approx(0.05 + 10 / 60, **EXACT)
    assert second["closed_at"] == pytest.approx(0.05 + 10 / 60 + H6MIN, **EXACT)
    assert (second["attempts"], second["blocked"], second["contacts"]) == (2, 1, 1)


def test_unresolved_contact_repeats_with_longer_handle_time():
    scenario = micro(group={"fcr": 0.0}, max_contacts=2, repeat_handle_factor=1.5,
                     repeat_delay={"dist": "deterministic", "value": "1h"})
    cases = run_cases(scenario, make_case_table([0.0]))
    case = cases.iloc[0]
    assert case["terminal"] == "unresolved"
    assert case["contacts"] == 2
    assert case["closed_at"] == pytest.approx(H6MIN + 1.0 + 1.5 * H6MIN, **EXACT)
    assert case["staff_time_h"] == pytest.approx(2.5 * H6MIN, **EXACT)


def test_priority_jumps_the_queue():
    scenario = micro(priorities={"inquiry": 0})  # one type only: FIFO is kept among equals
    cases = run_cases(scenario, make_case_table([0.0, 0.02, 0.04]))
    assert cases["first_response_at"].tolist() == pytest.approx([0.0, 0.1, 0.2], **EXACT)


# --- shifts ------------------------------------------------------------------------------------
def _gap_roster(**contact):
    """One agent except in hour 1 of every day (01:00-02:00), when nobody is on duty."""
    shifts = [{"start": 0, "end": 1, "agents": 1}, {"start": 2, "end": 24, "agents": 1}]
    return micro(group={"shifts": shifts}, **contact)


def test_no_agent_on_duty_means_no_service_start_in_that_hour():
    cases = run_cases(_gap_roster(), make_case_table([0.5, 0.95, 0.97, 1.2, 1.5, 2.5]))
    starts = cases["first_response_at"].to_numpy()
    # 0.95 starts before the shift ends and finishes at 1.05 (work in progress finishes);
    # 0.97, 1.2 and 1.5 wait for 02:00 and are then served one after the other.
    assert starts.tolist() == pytest.approx([0.5, 0.95, 2.0, 2.1, 2.2, 2.5], **EXACT)
    assert cases["closed_at"].iloc[1] == pytest.approx(1.05, **EXACT)
    assert not np.any((starts >= 1.0) & (starts < 2.0))


def test_gap_hours_stay_empty_over_a_week_of_random_arrivals():
    scenario = _gap_roster(horizon_h=168.0)
    table = poisson_case_table(Streams(3, 0), 168.0, {("inquiry", "phone"): 4.0})
    cases = run_cases(scenario, table)
    starts = cases["first_response_at"].dropna().to_numpy()
    assert len(starts) == len(table) > 400
    hour_of_day = np.floor(starts + 1e-12).astype(int) % 24
    assert not np.any(hour_of_day == 1)
    # ... while arrivals do come in that hour and are served at 02:00 sharp.
    assert np.sum(np.isclose(starts % 24, 2.0, atol=1e-9)) >= 5
    # Nobody is served before arrival and every case is closed.
    assert np.all(starts >= cases["created"].to_numpy() - 1e-12)
    assert cases["terminal"].eq("resolved").all()


def test_all_agents_off_duty_cases_wait_for_the_next_shift():
    shifts = [{"days": ["tue"], "start": 9, "end": 10, "agents": 1}]
    scenario = micro(group={"shifts": shifts})
    cases = run_cases(scenario, make_case_table([3.0, 5.0]))
    assert cases["first_response_at"].tolist() == pytest.approx([33.0, 33.1], **EXACT)
