"""The community's mechanisms: a back office in business hours, forum-served channels only,
wrong answers as repeat contacts, the trust effect of right-and-fast answers, and deflection
that grows with the community's size. Hand-made cases give exact times.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.loader import load_scenario
from sim.config.units import MINUTE
from sim.model import run_once, simulate
from sim.verification import make_case_table, run_cases
from tests.test_fronts import HANDLE_MIN, scenario, staff

BUSINESS = {"shifts": [{"start": 9, "end": 18, "agents": 1}], "fcr": 1.0}


def forum(**kw) -> dict:
    staff_table = staff(channel="chat")
    staff_table["groups"]["phone"] = {"agents": 5, "channels": ["phone"],
                                      "case_types": ["inquiry"], "fcr": 1.0}
    staff_table["handle_time"]["phone"] = {"default": {"dist": "deterministic",
                                                       "value": f"{HANDLE_MIN}min"}}
    return {"provider": "community", "staff": staff_table, "backoffice": BUSINESS,
            "max_deflection": 0.0, **kw}


def test_escalation_at_23h_is_worked_at_the_next_business_hour():
    scn = scenario(forum(answer_probability=0.0, fallback_after="1h"))
    # posted 22:00 Monday -> escalates 23:00 -> the back office opens 09:00 Tuesday (33 h)
    cases = run_cases(scn, make_case_table([22.0, 30.0], "inquiry", "chat"))
    np.testing.assert_allclose(cases["first_response_at"], [33.0, 33.0 + HANDLE_MIN * MINUTE])
    np.testing.assert_allclose(cases["first_wait_h"], [11.0, 33.0 + HANDLE_MIN * MINUTE - 30.0])
    np.testing.assert_allclose(cases["closed_at"], [33.0 + HANDLE_MIN * MINUTE,
                                                    33.0 + 2 * HANDLE_MIN * MINUTE])
    assert (cases["backoffice_tickets"] == 1).all() and (cases["contacts"] == 1).all()


def test_an_escalation_in_business_hours_is_worked_at_once():
    scn = scenario(forum(answer_probability=0.0, fallback_after="1h"))
    cases = run_cases(scn, make_case_table([10.0], "inquiry", "chat"))
    np.testing.assert_allclose(cases["first_response_at"], [11.0])


def test_phone_callers_go_to_staff_not_to_the_forum():
    scn = scenario(forum(answer_probability=1.0), channel="phone")
    cases = run_cases(scn, make_case_table([1.0, 2.0, 3.0], "inquiry", "phone"))
    assert not cases["community_posted"].any()
    np.testing.assert_allclose(cases["first_wait_h"], 0.0)  # five phone agents on duty


def test_wrong_peer_answer_is_a_repeat_contact_with_its_own_wait():
    scn = scenario(forum(answer_probability=1.0, correct_probability=0.0,
                         answer_time={"dist": "deterministic", "value": "2h"},
                         notice_delay="1h"))
    # posted 12:00 -> wrong answer 14:00 -> noticed 15:00 -> back office at once (open)
    cases = run_cases(scn, make_case_table([12.0], "inquiry", "chat"))
    row = cases.iloc[0]
    assert row["contacts"] == 2 and row["answers"] == 2 and row["wrong_answers"] == 1
    assert row["first_wait_h"] == pytest.approx(2.0)
    assert row["closed_at"] == pytest.approx(15.0 + HANDLE_MIN * MINUTE)
    # the repeat contact costs satisfaction: one extra contact against a right answer
    right = run_cases(scenario(forum(answer_probability=1.0, correct_probability=1.0,
                                     answer_time={"dist": "deterministic", "value": "2h"},
                                     fast_within="1h")),
                      make_case_table([12.0], "inquiry", "chat"))
    assert right.iloc[0]["contacts"] == 1 and right.iloc[0]["wrong_answers"] == 0


def test_right_and_fast_answers_earn_the_trust_effect():
    def run(trust: float, answer: str):
        return run_once(scenario(forum(answer_probability=1.0, correct_probability=1.0,
                                       answer_time={"dist": "deterministic", "value": answer},
                                       fast_within="2h", trust_effect=trust)))

    fast, plain, slow = run(1.10, "1h"), run(1.0, "1h"), run(1.10, "3h")
    assert (fast.cases["csat_factor"] == 1.10).all()
    assert (slow.cases["csat_factor"] == 1.0).all()  # right but slower than fast_within
    assert fast.kpis["csat_mean"] > plain.kpis["csat_mean"]


def _orders(members: float) -> dict:
    raw = {
        "name": "size", "run": {"horizon": "2d", "drain": "10d", "seed": 1},
        "demand": {"source": "orders", "orders_per_day": 500.0, "history": "1d",
                   "channel_mix": {"chat": 1.0},
                   "categories": {"g": {"share": 1.0, "rates": {"inquiry": 0.3}}}},
        "policy": {"complaint_probability": 0.0},
        "designs": {"d": {"contact": {**forum(max_deflection=0.4, active_members=members),
                                      "backoffice": {"agents": 5}}}},
    }
    return raw


@pytest.mark.parametrize(("members", "expected"), [(0.0, 0.0), (500.0, 0.2), (1500.0, 0.3)])
def test_deflection_grows_with_community_size(members, expected):
    world = simulate(load_scenario(_orders(members)), "d")
    forum_provider = world.stage("contact")
    assert forum_provider.deflection == pytest.approx(expected)
    records = world.records
    deflected = records["community_answered"] & ~records["community_posted"]
    n = len(deflected)
    assert abs(deflected.mean() - expected) <= 4 * np.sqrt(expected * (1 - expected) / n) + 1e-12


def test_in_house_learning_curve_rises_to_its_ceiling():
    """Self-built's accumulated case history: FCR grows per quarter of operation, capped."""
    from sim.config.fields import build
    from sim.providers.in_house.contact_params import QUARTER_H, AgentGroup

    group = build(AgentGroup, {"agents": 1, "fcr": 0.78, "fcr_gain_per_quarter": 0.02,
                               "fcr_ceiling": 0.83, "history_quarters": 1.0}, "g")
    assert group.fcr_at(0.0) == pytest.approx(0.80)
    assert group.fcr_at(QUARTER_H) == pytest.approx(0.82)
    assert group.fcr_at(10 * QUARTER_H) == pytest.approx(0.83)
    steady = build(AgentGroup, {"agents": 1, "fcr": 0.78}, "g")
    assert steady.fcr_at(10 * QUARTER_H) == 0.78
