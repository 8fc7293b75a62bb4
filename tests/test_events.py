"""Scenario events: time-windowed parameter changes, exact in micro-scenarios, and their checks.

- a carrier's daily pickup capacity drops inside the window and is back after it: the pickup
  times equal a hand replay of the booking rule with the window's capacity;
- an agent absence lengthens waits of cases created inside the window only (common random
  numbers: the same cases with and without the event);
- a chatbot outage sends the window's contacts straight to the agents;
- every mistake in an ``[[events]]`` entry is one error naming the entry and the key.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.config.loader import load_scenario
from sim.config.units import DAY
from sim.model import run_once, simulate
from sim.validation import contact_centre_table

HANDLE_H = 0.1   # the return request's 6 min contact; approval follows at once
CAPACITY, OUTAGE = 12, 2


def _returns(events: list[dict]) -> sim.Scenario:
    """Returns only, an ample deterministic contact centre, a deterministic carrier."""
    return load_scenario({
        "name": "carrier_events",
        "run": {"horizon": "6d", "drain": "20d", "seed": 3},
        "demand": {"source": "orders", "orders_per_day": 40, "channel_mix": {"chat": 1.0},
                   "categories": {"goods": {"share": 1.0, "order_value": 100.0,
                                            "rates": {"return_refund": 0.5}}}},
        "policy": {"complaint_probability": 0.0, "approval_time": "0h",
                   "return_freight_payer": "seller", "inspection_reject": 0.0,
                   "inspection_partial": 0.0, "return_fraud_share": 0.0,
                   "quality_fault_share": 0.0},
        "designs": {"carrier": {
            "contact": {"provider": "in_house",
                        "groups": {"all": {"agents": 50, "channels": ["chat"],
                                           "case_types": ["return_refund"], "fcr": 1.0}},
                        "handle_time": {"chat": {"default": {"dist": "deterministic",
                                                             "value": "6min"}}},
                        "patience": {}, "retry_probability": 0.0, "max_attempts": 1},
            "logistics": {"provider": "third_party_logistics", "pickup_cutoff_hour": 12,
                          "pickup_hour": "10h", "transit": "2d", "inspection": "1d",
                          "loss_probability": 0.0, "pickup_capacity_per_day": CAPACITY}}},
        "events": events,
    })


OUTAGE_EVENT = {"name": "carrier outage", "key": "designs.carrier.logistics."
                "pickup_capacity_per_day", "value": OUTAGE, "start": "2d", "end": "4d"}


def _replay(approved: np.ndarray, capacity) -> np.ndarray:
    """The booking rule by hand: first day (cut-off 12:00) with a free slot, pickup at 10:00."""
    booked: dict[int, int] = {}
    out = np.empty_like(approved)
    for i in np.argsort(approved, kind="stable"):
        a = approved[i]
        today = math.floor(a / DAY)
        day = today if a - today * DAY < 12 else today + 1
        while booked.get(day, 0) >= capacity(day):
            day += 1
        booked[day] = booked.get(day, 0) + 1
        out[i] = max(day * DAY + 10, a)
    return out


def test_carrier_capacity_drops_inside_the_window_and_is_restored_after():
    cases = run_once(_returns([OUTAGE_EVENT])).cases
    approved = cases["created"].to_numpy() + HANDLE_H
    expected = _replay(approved, lambda day: OUTAGE if 2 <= day < 4 else CAPACITY)
    np.testing.assert_allclose(cases["picked_up_at"], expected, rtol=0, atol=1e-9)
    per_day = np.bincount((expected // DAY).astype(int))
    assert per_day[2] == per_day[3] == OUTAGE          # the window's capacity, used up
    assert per_day[4] == CAPACITY                      # the backlog clears at full capacity
    assert per_day[:2].max() <= CAPACITY
    calm = run_once(_returns([])).cases                # same cases, no event
    np.testing.assert_allclose(calm["picked_up_at"], _replay(approved, lambda day: CAPACITY),
                               rtol=0, atol=1e-9)
    assert (calm["picked_up_at"] <= cases["picked_up_at"]).all()


def test_an_event_from_time_zero_is_in_force_from_the_first_case():
    first = {**OUTAGE_EVENT, "start": "0h", "end": "2d"}
    cases = run_once(_returns([first])).cases
    approved = cases["created"].to_numpy() + HANDLE_H
    expected = _replay(approved, lambda day: OUTAGE if day < 2 else CAPACITY)
    np.testing.assert_allclose(cases["picked_up_at"], expected, rtol=0, atol=1e-9)
    world = simulate(_centre([{**ABSENCE, "start": "0h", "end": "1d"}]), replication=0)
    duty = dict(zip(world.monitor.times, world.monitor.on_duty["contact:agents"], strict=True))
    assert (duty[0.0], duty[23.0], duty[24.0]) == (1, 1, 3)


def _centre(events: list[dict]) -> sim.Scenario:
    table = contact_centre_table(8.0, 3, 15.0, horizon_h=120.0, warmup_h=0.0, seed=5)
    table["run"]["drain"] = "2d"
    table["events"] = events
    return load_scenario(table)


ABSENCE = {"name": "flu", "key": "designs.textbook.contact.groups.agents.agents",
           "scale": 0.4, "start": "2d", "end": "3d"}


def test_agent_absence_lengthens_waits_inside_the_window_only():
    absent = simulate(_centre([ABSENCE]), replication=1)
    normal = simulate(_centre([]), replication=1)
    created = absent.cases.created
    wait_a = absent.records["first_wait_h"]
    wait_n = normal.records["first_wait_h"]
    before = created < 2 * DAY - 2.0
    inside = (created >= 2 * DAY) & (created < 3 * DAY)
    after = created >= 4 * DAY
    np.testing.assert_array_equal(wait_a[before], wait_n[before])
    assert wait_a[inside].mean() > 3 * wait_n[inside].mean() + 0.1
    np.testing.assert_array_equal(wait_a[after], wait_n[after])  # recovered a day later
    duty = dict(zip(absent.monitor.times, absent.monitor.on_duty["contact:agents"],
                    strict=True))
    assert (duty[47.0], duty[48.0], duty[71.0], duty[72.0]) == (3, 1, 1, 3)  # round(1.2) = 1


def test_chatbot_outage_sends_the_window_to_the_agents():
    table = contact_centre_table(4.0, 3, 6.0, horizon_h=72.0, warmup_h=0.0, channel="chat")
    table["designs"]["textbook"]["overlays"] = {"chatbot": {"containment": 0.5}}
    table["events"] = [{"name": "bot down", "key": "designs.*.overlays.chatbot.availability",
                        "value": 0, "start": "1d", "length": "1d"}]
    cases = run_once(load_scenario(table)).cases
    inside = (cases["created"] >= DAY) & (cases["created"] < 2 * DAY)
    assert inside.sum() > 50
    assert not cases.loc[inside, "bot_handled"].any()
    assert cases.loc[~inside, "bot_handled"].all()


@pytest.mark.parametrize(("event", "key", "words"), [
    ({"key": "designs.textbook.contact.groups.agents.agnts"}, "events[0].key",
     "did you mean 'agents'"),
    ({"key": "designs.textbok.contact.groups.agents.agents"}, "events[0].key",
     "did you mean 'textbook'"),
    ({"key": "demand.poisson.rate_per_h"}, "events[0].key", "demand.promotions"),
    ({"key": "designs.textbook.contact.groups.agents"}, "events[0].key", "numeric"),
    ({"key": "designs.textbook.contact.groups.agents.channels"}, "events[0].key", "numeric"),
    ({"end": "9d"}, "events[0].end", "run.horizon"),
    ({"end": "1d"}, "events[0].end", "after start"),
    ({"value": 1}, "events[0].scale", "not both"),
    ({"scale": 5000.0}, "events[0].scale", "<= 10000"),
    ({"scale": -1}, "events[0].scale", ">= 0"),
    ({"key": "designs.textbook.contact.handle_time.phone.default", "scale": None, "value": 2},
     "events[0].value", "distribution"),
    ({"key": "policy.complaint_probability", "scale": None, "value": 2.0}, "events[0].value",
     "<= 1"),
    ({"nme": "x"}, "events[0].nme", "did you mean 'name'"),
])
def test_event_mistakes_are_one_error_naming_the_key(event, key, words):
    entry = {k: v for k, v in {**ABSENCE, **event}.items() if v is not None}
    with pytest.raises(sim.ScenarioError) as info:
        _centre([entry])
    problems = info.value.problems
    assert len(problems) == 1, problems
    assert problems[0].key == key and words in str(problems[0]), str(problems[0])


def test_overlapping_events_compose_in_file_order_and_are_checked_together():
    half = {**ABSENCE, "scale": 0.5, "start": "1d", "end": "3d"}
    double = {**ABSENCE, "scale": 2.0, "start": "2d", "end": "4d"}
    world = simulate(_centre([half, double]), replication=0)
    duty = dict(zip(world.monitor.times, world.monitor.on_duty["contact:agents"], strict=True))
    # 3 -> round(1.5) = 2 on day 1; then 2 x 2 = 4 while both are on; 3 x 2 = 6 on day 3.
    assert [duty[t] for t in (12.0, 36.0, 60.0, 84.0, 108.0)] == [3, 2, 4, 6, 3]
    with pytest.raises(sim.ScenarioError, match=r"events\[1\]\.scale"):
        _centre([half, {**double, "scale": 5000.0}])


def test_platform_draws_fixed_at_start_cannot_be_event_targets():
    with pytest.raises(sim.ScenarioError, match="fixed when a run starts"):
        sim.load_scenario("baseline", {"events": [{
            "key": "designs.third_party_service.field_service.ftf_mean", "scale": 0.9,
            "start": "1d", "end": "2d"}]})


def test_carrier_disruption_is_written_as_events():
    scenario = sim.load_scenario("carrier_disruption")
    assert [e.key.rsplit(".", 1)[1] for e in scenario.events] == [
        "pickup_capacity_per_day", "transit"]
    assert all(e.window == (7 * DAY, 14 * DAY) for e in scenario.events)


def test_a_complaint_surge_raises_complaints_inside_the_window_only():
    table = contact_centre_table(10.0, 1, 12.0, patience_mean_min=5.0, horizon_h=72.0,
                                 warmup_h=0.0, seed=2)
    table["policy"] = {"complaint_probability": 0.05}
    table["designs"]["textbook"]["complaint"] = {"provider": "in_house"}
    table["events"] = [{"name": "surge", "key": "policy.complaint_probability", "value": 1.0,
                        "start": "1d", "end": "2d"}]
    cases = run_once(load_scenario(table)).cases
    lodged = cases["complaint_at"].to_numpy()
    inside = (lodged >= DAY) & (lodged < 2 * DAY)
    failed_inside = ((cases["closed_at"] >= DAY) & (cases["closed_at"] < 2 * DAY)
                     & cases["terminal"].isin(["abandoned", "unresolved", "blocked"])
                     | inside).sum()
    assert inside.sum() > 20 and inside.sum() >= 0.9 * failed_inside
    outside = np.isfinite(lodged) & ~inside
    assert outside.sum() < 0.2 * inside.sum()
    del table["designs"]["textbook"]["complaint"]
    table["policy"] = {"complaint_probability": 0.0}
    with pytest.raises(sim.ScenarioError, match=r"designs\.textbook\.complaint\.provider"):
        load_scenario(table)


def test_platform_technicians_unavailable_slow_the_window_s_visits_only():
    base = {"demand.orders_per_day": 150, "run.horizon": "3d", "run.warmup": "0h",
            "run.drain": "20d"}
    event = {"key": "designs.third_party_service.field_service.lead_time", "scale": 4.0,
             "start": "1d", "end": "2d"}
    slow = simulate(sim.load_scenario("baseline", {**base, "events": [event]}),
                    "third_party_service", 0)
    calm = simulate(sim.load_scenario("baseline", base), "third_party_service", 0)
    booked = calm.records["booked_at"]
    took_s = slow.records["service_done_at"] - slow.records["booked_at"]
    took_c = calm.records["service_done_at"] - booked
    done = np.isfinite(took_c) & np.isfinite(took_s)
    one_visit = ((calm.records["visits"] == 1) & (slow.records["visits"] == 1)
                 & ~calm.records["field_fallback"])  # the platform's own technicians
    inside = done & one_visit & (booked >= DAY) & (booked < 2 * DAY)
    before = done & one_visit & (booked < DAY)   # lead time drawn before the window opened
    assert inside.sum() >= 3 and before.sum() >= 3
    assert (took_s[inside] > took_c[inside]).all()
    np.testing.assert_array_equal(took_s[before], took_c[before])
