"""The community provider, the chatbot overlay, the complaint team and the complaint journey.

Micro-scenarios with deterministic times give exact expected times; the rest are directional
or extreme-value checks on small Poisson scenarios run through :func:`sim.run_once`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.config.errors import ScenarioError
from sim.config.loader import load_scenario
from sim.config.schema import Scenario
from sim.config.units import MINUTE
from sim.model import run_once

HANDLE_MIN = 10.0


def staff(case_type: str = "inquiry", channel: str = "chat", agents: int = 50,
          fcr: float = 1.0) -> dict[str, Any]:
    """An in-house contact centre with plenty of agents and a deterministic handle time."""
    return {
        "groups": {"agents": {"agents": agents, "channels": [channel], "case_types": [case_type],
                              "fcr": fcr}},
        "handle_time": {channel: {"default": {"dist": "deterministic",
                                              "value": f"{HANDLE_MIN}min"}}},
        "patience": {},
        "retry_probability": 0.0,
        "max_attempts": 1,
    }


def scenario(contact: dict[str, Any], *, case_type: str = "inquiry", channel: str = "chat",
             rate: float = 2.0, horizon: str = "48h", overlays: dict | None = None,
             complaint: dict | None = None, policy: dict | None = None) -> Scenario:
    """A one-design Poisson scenario around the given contact stage."""
    design: dict[str, Any] = {"label": "test", "contact": contact}
    if overlays:
        design["overlays"] = overlays
    if complaint is not None:
        design["complaint"] = {"provider": "in_house", **complaint}
    return load_scenario({
        "name": "fronts",
        "run": {"horizon": horizon, "drain": "120d", "replications": 1, "seed": 7},
        "demand": {"source": "poisson",
                   "poisson": {"rate_per_h": rate, "case_type": case_type, "channel": channel},
                   "channel_mix": {channel: 1.0}},
        "policy": {"complaint_probability": 0.0, **(policy or {})},
        "designs": {"d": design},
    })


#: A back office on duty around the clock with FCR 1 (times then depend on the forum only).
ALWAYS_OPEN = {"agents": 50, "fcr": 1.0}


def community(**forum: Any) -> dict[str, Any]:
    return {"provider": "community", "staff": staff(), "backoffice": ALWAYS_OPEN, **forum}


def in_house() -> dict[str, Any]:
    return {"provider": "in_house", **staff()}


def cost(result, component: str) -> float:
    ledger = result.ledger
    return float(ledger.loc[ledger["component"] == component, "amount"].sum())


# --- community ------------------------------------------------------------------------------
def test_community_without_answers_sends_every_case_to_staff_after_the_timeout():
    result = run_once(scenario(community(answer_probability=0.0, max_deflection=0.0,
                                             fallback_after="36h")))
    cases = result.cases
    assert len(cases) > 50
    waits = cases["first_response_at"] - cases["created"]
    # Staff answer at once (plenty of agents): the first response is exactly the timeout.
    np.testing.assert_allclose(waits, 36.0, atol=1e-9)
    np.testing.assert_allclose(cases["first_wait_h"], 36.0, atol=1e-9)
    assert (cases["contacts"] == 1).all()
    assert not cases["community_answered"].any()
    assert (cases["terminal"] == "resolved").all()
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], 36.0 + HANDLE_MIN * MINUTE)


def test_right_peer_answers_resolve_without_staff_at_the_answer_time():
    result = run_once(scenario(community(
        answer_probability=1.0, max_deflection=0.0, correct_probability=1.0,
        answer_time={"dist": "deterministic", "value": "2h"})))
    cases = result.cases
    assert cases["community_answered"].all()
    # the peer's answer is the one contact; no staff time
    assert (cases["contacts"] == 1).all() and (cases["staff_time_h"] == 0).all()
    np.testing.assert_allclose(cases["first_wait_h"], 2.0)
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], 2.0)
    assert (cases["terminal"] == "resolved").all()


def test_wrong_peer_answers_go_to_staff_after_the_consumer_notices():
    result = run_once(scenario(community(
        answer_probability=1.0, max_deflection=0.0, correct_probability=0.0,
        answer_time={"dist": "deterministic", "value": "2h"}, notice_delay="1h")))
    cases = result.cases
    # The peer answered first, so the first response stays the peer's.
    np.testing.assert_allclose(cases["first_wait_h"], 2.0)
    # the wrong answer, then the repeat contact in the back office
    assert (cases["contacts"] == 2).all()
    assert (cases["answers"] == 2).all() and (cases["wrong_answers"] == 1).all()
    np.testing.assert_allclose(cases["closed_at"] - cases["created"],
                               2.0 + 1.0 + HANDLE_MIN * MINUTE)


def test_deflection_one_answers_every_case_at_once_and_posts_nothing():
    result = run_once(scenario(community(max_deflection=1.0)))
    cases = result.cases
    assert cases["community_answered"].all() and not cases["community_posted"].any()
    assert (cases["first_wait_h"] == 0).all() and (cases["contacts"] == 1).all()
    assert cost(result, "moderation") == 0.0


def test_case_types_the_forum_does_not_take_go_straight_to_staff():
    contact = {"provider": "community", "case_types": ["repair"],
               "staff": staff(), "answer_probability": 1.0}
    cases = run_once(scenario(contact)).cases
    assert not cases["community_posted"].any() and not cases["community_answered"].any()
    np.testing.assert_allclose(cases["first_wait_h"], 0.0)
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], HANDLE_MIN * MINUTE)


def test_peer_answers_come_within_the_window_with_the_answer_probability():
    result = run_once(scenario(community(max_deflection=0.0, answer_probability=0.6,
                                             correct_probability=1.0), rate=20.0))
    cases = result.cases
    n = len(cases)
    share = cases["community_answered"].mean()
    half_width = 3 * math.sqrt(0.6 * 0.4 / n)  # binomial, 3 standard errors
    assert abs(share - 0.6) < half_width
    peer = cases.loc[cases["community_answered"], "first_wait_h"]
    assert (peer < 36.0).all() and (peer > 0).all()


def test_moderation_is_booked_by_posts_and_staff_costs_are_delegated():
    p = community(max_deflection=0.0, posts_per_moderator_month=1000.0,
                  moderator_monthly_cost=7500.0)
    result = run_once(scenario(p))
    posts = int(result.cases["community_posted"].sum())
    assert posts == len(result.cases)
    assert cost(result, "moderation") == pytest.approx(posts / 1000.0 * 7500.0)
    assert cost(result, "staff:agents") > 0  # the staff centre's finish() ran
    assert cost(result, "staff:community:backoffice") > 0  # and the back office's
    assert any(c.startswith("queue:contact:agents") for c in result.timeline.columns)
    assert "queue:community:open_posts" in result.timeline.columns


def test_staff_checks_run_against_the_scenario():
    bad = community()
    bad["staff"] = staff(case_type="repair")  # no group for the inquiries demand raises
    with pytest.raises(ScenarioError, match=r"designs\.d\.contact\.staff\.groups"):
        scenario(bad)


def test_answer_time_must_leave_answers_inside_the_window():
    late = community(answer_time={"dist": "deterministic", "value": "40h"}, fallback_after="36h")
    with pytest.raises(ScenarioError, match=r"designs\.d\.contact\.answer_time"):
        scenario(late)


# --- chatbot ------------------------------------------------------------------------------
def chatbot(**params: Any) -> dict[str, Any]:
    return {"chatbot": {"bot_time": "2min", **params}}


def test_full_containment_leaves_agents_idle_and_charges_every_conversation():
    result = run_once(scenario(in_house(), overlays=chatbot(
        containment=1.0, cost_per_conversation=0.7, licence_per_day=200.0)))
    cases = result.cases
    assert cases["bot_resolved"].all() and (cases["staff_time_h"] == 0).all()
    assert (cases["contacts"] == 1).all() and (cases["first_wait_h"] == 0).all()
    assert (cases["terminal"] == "resolved").all()
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], 2 * MINUTE)
    assert cost(result, "chatbot") == pytest.approx(0.7 * len(cases))
    assert cost(result, "chatbot_licence") == pytest.approx(2 * 200.0)  # 48 h horizon
    assert cost(result, "contact") == 0.0


def test_zero_containment_escalates_everything_to_staff():
    result = run_once(scenario(in_house(), overlays=chatbot(containment=0.0,
                                                                warm_transfer=False)))
    cases = result.cases
    assert cases["bot_handled"].all() and not cases["bot_resolved"].any()
    assert (cases["contacts"] == 2).all()  # the bot and the agent
    np.testing.assert_allclose(cases["staff_time_h"], HANDLE_MIN * MINUTE)
    np.testing.assert_allclose(cases["first_wait_h"], 0.0)  # the bot's reply is the first
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], (2 + HANDLE_MIN) * MINUTE)


def test_warm_transfers_shorten_handling_and_cold_ones_count_transfers():
    warm = run_once(scenario(in_house(), overlays=chatbot(
        containment=0.0, warm_transfer=True, warm_handle_factor=0.85))).cases
    cold = run_once(scenario(in_house(), overlays=chatbot(
        containment=0.0, warm_transfer=False))).cases
    assert (cold["transfers"] == 1).all() and (warm["transfers"] == 0).all()
    np.testing.assert_allclose(warm["staff_time_h"], 0.85 * cold["staff_time_h"])


def test_partial_containment_matches_the_rate_and_the_bot_skips_other_channels():
    result = run_once(scenario(in_house(), rate=20.0, overlays=chatbot(containment=0.6)))
    cases = result.cases
    n = len(cases)
    assert abs(cases["bot_resolved"].mean() - 0.6) < 3 * math.sqrt(0.24 / n)
    phone = run_once(scenario({"provider": "in_house", **staff(channel="phone")},
                                  channel="phone", overlays=chatbot(containment=1.0))).cases
    assert not phone["bot_handled"].any() and (phone["staff_time_h"] > 0).all()


def test_bot_hours_leave_night_contacts_to_staff():
    result = run_once(scenario(in_house(), overlays=chatbot(
        containment=1.0, open_from=8, open_until=20)))
    cases = result.cases
    hour = cases["created"] % 24
    assert (cases.loc[(hour >= 8) & (hour < 20), "bot_handled"]).all()
    assert not (cases.loc[(hour < 8) | (hour >= 20), "bot_handled"]).any()


def test_chatbot_in_front_of_the_community_escalates_into_the_forum():
    result = run_once(scenario(community(max_deflection=0.0, answer_probability=0.0),
                                   overlays=chatbot(containment=0.0, warm_transfer=True)))
    cases = result.cases
    assert cases["bot_handled"].all() and cases["community_posted"].all()
    np.testing.assert_allclose(cases["staff_time_h"], 0.85 * HANDLE_MIN * MINUTE)


def test_bot_hours_must_be_ordered():
    with pytest.raises(ScenarioError, match="open_until"):
        scenario(in_house(), overlays=chatbot(open_from=20, open_until=8))


# --- complaints -----------------------------------------------------------------------------
def complaint_scenario(team: dict | None = None, policy: dict | None = None,
                       rate: float = 2.0) -> Scenario:
    return scenario({"provider": "in_house", **staff(case_type="complaint")},
                    case_type="complaint", rate=rate, complaint=team or {}, policy=policy)


def test_every_complaint_ends_resolved_or_unresolved():
    cases = run_once(complaint_scenario()).cases
    assert len(cases) > 50
    assert set(cases["terminal"]) <= {"resolved", "unresolved"}
    assert cases["complaint"].all() and cases["complaint_closed_at"].notna().all()
    assert (cases["terminal"] == "resolved").eq(cases["complaint_favour"]).all()
    assert 0 < (cases["terminal"] == "resolved").mean() < 1


def test_intervention_timeline_is_exact_in_a_deterministic_micro_scenario():
    team = {"specialists": 50, "merchant_settle_probability": 0.0,
            "escalation_probability": 1.0, "investigation": "1h", "evidence_wait": "0h",
            "compensation": 50.0}
    policy = {"merchant_response": "0h", "escalation_after": "24h", "ruling_execution": "0h",
              "complaint_resolution_rate": 1.0, "authority_probability": 0.0}
    result = run_once(complaint_scenario(team, policy))
    cases = result.cases
    contact = HANDLE_MIN * MINUTE
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], contact + 24.0 + 1.0)
    assert cases["complaint_intervened"].all() and cases["complaint_ruling_met"].all()
    assert (cases["terminal"] == "resolved").all()
    np.testing.assert_allclose(cases["specialist_time_h"], 1.0)
    assert cost(result, "complaint_compensation") == pytest.approx(50.0 * len(cases))
    specialist_hours = result.ledger.loc[result.ledger["component"] == "staff:complaints",
                                         "hours"].sum()
    assert specialist_hours == pytest.approx(50 * 48.0)  # 50 specialists over a 48 h horizon


def test_a_congested_team_misses_the_ruling_deadline():
    team = {"specialists": 1, "merchant_settle_probability": 0.0, "escalation_probability": 1.0,
            "investigation": "2h", "evidence_wait": "0h"}
    policy = {"merchant_response": "0h", "authority_probability": 0.0}
    cases = run_once(complaint_scenario(team, policy, rate=2.0)).cases
    # Arrivals at 2/h against one specialist at 0.5/h: the queue grows, rulings come late.
    assert not cases["complaint_ruling_met"].all()
    assert cases["complaint_ruling_met"].iloc[:1].all()


def test_authority_probability_one_marks_every_complaint():
    cases = run_once(complaint_scenario(policy={"authority_probability": 1.0})).cases
    assert cases["authority"].all()
    none = run_once(complaint_scenario(policy={"authority_probability": 0.0})).cases
    assert not none["authority"].any()


def test_merchant_settlement_resolves_without_the_platform():
    team = {"merchant_settle_probability": 1.0}
    result = run_once(complaint_scenario(team, {"authority_probability": 0.0}))
    cases = result.cases
    assert (cases["terminal"] == "resolved").all() and not cases["complaint_intervened"].any()
    assert cost(result, "complaint_compensation") == 0.0
    waits = cases["closed_at"] - cases["created"] - HANDLE_MIN * MINUTE
    assert ((waits >= 0) & (waits <= 24.0 + 1e-9)).all()  # within merchant_response


def test_failed_inquiries_raise_complaints_through_the_team():
    contact = {"provider": "in_house", **staff(fcr=0.0)}
    contact["max_contacts"] = 1
    s = scenario(contact, complaint={"merchant_settle_probability": 1.0},
                 policy={"complaint_probability": 1.0, "authority_probability": 0.0})
    cases = run_once(s).cases
    assert cases["complaint"].all() and cases["recovered"].all()
    assert (cases["terminal"] == "resolved").all()
