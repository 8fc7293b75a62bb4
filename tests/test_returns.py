"""Returns and exchanges: logistics providers, journeys, refund policy, overlays.

Small order-driven scenarios (one category raising only returns and exchanges, an ample
in-house contact centre with deterministic handle times and FCR 1, no complaints) run through
:func:`sim.run_once`. With deterministic logistics every time is exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.loader import load_scenario
from sim.config.schema import Scenario
from sim.config.units import DAY, HOUR, MINUTE
from sim.model import run_once

HANDLE = 6 * MINUTE  # the request contact; the approval follows at once (approval_time 0h)
VALUE = 100.0        # every order's value


#: Every return passes inspection and none is a quality fault (exact times, fees as set);
#: tests/test_inspection.py switches these on.
CLEAN_INSPECTION = {"inspection_reject": 0.0, "inspection_partial": 0.0,
                    "return_fraud_share": 0.0, "quality_fault_share": 0.0}


def scenario(logistics: dict, policy: dict | None = None, overlays: dict | None = None,
             contact: dict | None = None, exchange_rate: float = 0.1, orders: float = 40,
             horizon: str = "5d") -> Scenario:
    """A returns-only scenario with one design ``d``."""
    contact_table = {
        "provider": "in_house",
        "groups": {"agents": {"agents": 50, "channels": ["chat"],
                              "case_types": ["return_refund", "exchange"], "fcr": 1.0}},
        "handle_time": {"chat": {"default": {"dist": "deterministic", "value": "6min"}}},
        "patience": {}, "retry_probability": 0.0, "max_attempts": 1,
        **(contact or {}),
    }
    design = {"label": "returns", "contact": contact_table, "logistics": logistics}
    if overlays:
        design["overlays"] = overlays
    return load_scenario({
        "name": "returns_test",
        "run": {"horizon": horizon, "drain": "90d", "seed": 7},
        "demand": {"source": "orders", "orders_per_day": orders, "channel_mix": {"chat": 1.0},
                   "categories": {"goods": {"share": 1.0, "order_value": VALUE,
                                            "rates": {"return_refund": 0.5,
                                                      "exchange": exchange_rate}}}},
        "policy": {"complaint_probability": 0.0, "approval_time": "0h",
                   "return_freight_payer": "seller", **CLEAN_INSPECTION, **(policy or {})},
        "designs": {"d": design},
    })


def exact_carrier(**extra) -> dict:
    """A carrier with deterministic everything and no losses."""
    return {"provider": "third_party_logistics", "pickup_cutoff_hour": 12,
            "pickup_hour": "10h", "transit": "2d", "inspection": "1d", "dispatch": "12h",
            "loss_probability": 0.0, "pickup_capacity_per_day": 10_000, **extra}


def run(scn: Scenario):
    result = run_once(scn)
    return result.cases, result.ledger


def of_type(cases, case_type: str):
    return cases[cases["case_type"] == case_type]


def expected_pickup(approved: np.ndarray, cutoff: float = 12, hour: float = 10) -> np.ndarray:
    """Before the cut-off: today at max(pickup hour, now); after it: tomorrow at the hour."""
    day = np.floor(approved / DAY)
    same_day = approved - day * DAY < cutoff
    return np.where(same_day, np.maximum(day * DAY + hour, approved), (day + 1) * DAY + hour)


def test_deterministic_carrier_gives_exact_times():
    cases, _ = run(scenario(exact_carrier()))
    assert (cases["terminal"] == "resolved").all()
    approved = cases["created"].to_numpy() + HANDLE
    pickup = expected_pickup(approved)
    assert (approved - np.floor(approved / DAY) * DAY < 12).any()  # both cut-off branches
    assert (approved - np.floor(approved / DAY) * DAY >= 12).any()
    np.testing.assert_allclose(cases["picked_up_at"], pickup, rtol=0, atol=1e-9)
    np.testing.assert_allclose(cases["goods_received_at"], pickup + 2 * DAY, rtol=0, atol=1e-9)
    refunds = of_type(cases, "return_refund")
    received = refunds["goods_received_at"].to_numpy()
    # inspection 1 d, then the default refund posting of 2 d; deadline 7 d after receipt
    np.testing.assert_allclose(refunds["refund_at"], received + 3 * DAY, rtol=0, atol=1e-9)
    np.testing.assert_allclose(refunds["refund_due_at"], received + 7 * DAY, rtol=0, atol=1e-9)
    assert refunds["statutory_applicable"].all() and refunds["statutory_met"].all()
    np.testing.assert_allclose(refunds["closed_at"], refunds["refund_at"], rtol=0, atol=1e-9)
    swaps = of_type(cases, "exchange")
    assert len(swaps) > 0 and swaps["refund_at"].isna().all()
    # inspection 1 d, dispatch 12 h, delivery 2 d
    np.testing.assert_allclose(swaps["replacement_at"],
                               swaps["goods_received_at"] + DAY + 12 * HOUR + 2 * DAY,
                               rtol=0, atol=1e-9)


def test_daily_pickup_capacity_rolls_backlog_to_next_days():
    cases, _ = run(scenario(exact_carrier(pickup_capacity_per_day=2), orders=10,
                            horizon="4d"))
    assert (cases["terminal"] == "resolved").all()
    approved = np.sort(cases["created"].to_numpy() + HANDLE)
    booked: dict[float, int] = {}
    expected = []
    for at, t in zip(approved, expected_pickup(approved), strict=True):
        day = np.floor(t / DAY)
        while booked.get(day, 0) >= 2:  # first day with a free slot, in request order
            day += 1
        booked[day] = booked.get(day, 0) + 1
        expected.append(max(day * DAY + 10, at))
    handed = np.sort(cases["picked_up_at"].to_numpy())
    np.testing.assert_allclose(handed, expected, rtol=0, atol=1e-9)
    per_day = np.unique(np.floor(handed / DAY), return_counts=True)[1]
    assert per_day.max() == 2 and handed[-1] > cases["created"].max() + 2 * DAY  # a backlog


def test_consumer_paid_freight_lowers_returns_sent():
    seller, _ = run(scenario(exact_carrier()))
    consumer, ledger = run(scenario(exact_carrier(), policy={
        "return_freight_payer": "consumer", "fee_deterrence": 0.5}))
    assert len(seller) == len(consumer)  # same demand (common random numbers)
    sent_seller, sent_consumer = seller["return_sent"], consumer["return_sent"]
    assert sent_seller.all()
    assert sent_consumer.mean() < sent_seller.mean()
    assert (consumer.loc[~sent_consumer, "terminal"] == "withdrawn").all()
    assert consumer.loc[sent_consumer, "consumer_paid_fee"].all()
    # the consumer pays the return parcel: the platform pays only replacement parcels
    parcels = ledger[ledger["component"] == "logistics"]
    assert len(parcels) == int((of_type(consumer, "exchange")["return_sent"]).sum())


@pytest.mark.parametrize("logistics, overlays", [
    ({"provider": "third_party_logistics", "pickup_capacity_per_day": 5}, None),
    ({"provider": "in_house"}, {"instant_refund": {}, "drop_off": {}}),
    ({"provider": "third_party_logistics", "loss_probability": 0.3},
     {"drop_off": {}, "instant_refund": {}}),
])
def test_every_case_ends_in_exactly_one_terminal_state(logistics, overlays):
    cases, _ = run(scenario(logistics, overlays=overlays,
                            policy={"return_freight_payer": "consumer"}))
    assert len(cases) > 50
    assert not cases["terminal"].isin(["open", "censored"]).any()
    assert cases["closed_at"].notna().all()
    states = set(cases["terminal"])
    assert states <= {"resolved", "withdrawn"} and "withdrawn" in states


def test_lost_parcels_are_all_compensated_and_refunded():
    cases, ledger = run(scenario(exact_carrier(loss_probability=1.0)))
    sent = cases[cases["return_sent"]]
    assert len(sent) == len(cases) and sent["parcel_lost"].all()
    assert sent["goods_received_at"].isna().all()
    # the request, "where is my parcel" while no scan comes, then the re-contact about the loss
    assert (sent["contacts"] == 2 + sent["wismo_contacts"]).all()
    assert sent["wismo_contacts"].sum() > 0
    lost_leg = of_type(sent, "return_refund")  # one leg: pickup, 2 hubs, delivery
    assert (lost_leg["scans_expected"] == 4).all() and (lost_leg["scans_missing"] >= 3).all()
    penalties = ledger[(ledger["component"] == "logistics") & (ledger["kind"] == "penalty")]
    assert sorted(penalties["case"]) == sorted(sent["case"])
    np.testing.assert_allclose(penalties["amount"], 20.0 + 0.5 * VALUE)
    refunds = of_type(cases, "return_refund")
    # refunded anyway: loss known 5 d after the pickup, then the posting (2 d)
    np.testing.assert_allclose(refunds["refund_at"],
                               refunds["picked_up_at"] + 5 * DAY + 2 * DAY + HANDLE,
                               rtol=0, atol=1e-9)
    assert of_type(cases, "exchange")["replacement_at"].notna().all()
    assert (cases["terminal"] == "resolved").all()


def test_instant_refund_posts_refunds_earlier():
    in_house = {"provider": "in_house", "pickup_hour": "10h", "transit": "1d",
                "inspection": "6h", "loss_probability": 0.0,
                "tracking": {"missing_probability": 0.0}}
    off, _ = run(scenario(in_house))
    on, ledger = run(scenario(in_house, overlays={"instant_refund": {"fraud_share": 1.0}}))
    off_r, on_r = of_type(off, "return_refund"), of_type(on, "return_refund")
    assert len(on_r) > 10 and on_r["instant_refund"].all()  # order value 100 < 200: automatic
    assert (on_r["refund_at"].to_numpy() < off_r["refund_at"].to_numpy()).all()
    # the own fleet's pickup scan is seen at once; the wallet refund takes 5 min
    np.testing.assert_allclose(on_r["refund_at"], on_r["picked_up_at"] + 5 * MINUTE,
                               rtol=0, atol=1e-9)
    assert on_r["statutory_met"].all()
    assert not of_type(on, "exchange")["instant_refund"].any()  # exchanges are not refunded
    fraud = ledger[ledger["component"] == "instant_refund"]
    assert sorted(fraud["case"]) == sorted(on_r["case"])
    np.testing.assert_allclose(fraud["amount"], VALUE)


def test_instant_refund_skips_orders_above_the_threshold():
    in_house = {"provider": "in_house", "loss_probability": 0.0}
    cases, _ = run(scenario(in_house, overlays={"instant_refund": {"max_order_value": 50.0}}))
    refunds = of_type(cases, "return_refund")
    assert not refunds["instant_refund"].any()
    assert (refunds["refund_at"] > refunds["goods_received_at"]).all()


def test_ledger_parcel_charges_match_parcels():
    cases, ledger = run(scenario({"provider": "third_party_logistics",
                                  "loss_probability": 0.0}, exchange_rate=0.3))
    parcels = ledger[(ledger["component"] == "logistics") & (ledger["kind"] == "variable")]
    n = int(cases["parcels"].sum())
    assert n == int(cases["return_sent"].sum() + of_type(cases, "exchange")["return_sent"].sum())
    assert len(parcels) == n
    assert parcels["amount"].sum() == pytest.approx(8.0 * n)
    assert (parcels.groupby("case").size() == cases.set_index("case")["parcels"]
            [cases["parcels"].to_numpy() > 0]).all()


def test_in_house_fleet_cost_is_booked_per_day_of_staffed_time():
    _, ledger = run(scenario({"provider": "in_house", "fleet_cost_per_day": 1000.0},
                             horizon="60h"))
    fleet = ledger[ledger["component"] == "logistics:fleet"]
    assert (fleet["case"] == -1).all() and (fleet["hours"] > 0).all()
    np.testing.assert_allclose(fleet["hours"], [24, 24, 12])
    assert fleet["amount"].sum() == pytest.approx(2500.0)


@pytest.mark.parametrize("inspection, met, penalised", [
    ("1d", True, False),    # refund 3 d after receipt
    ("10d", False, False),  # 12 d: past the 7 d deadline, not yet the 15 d penalty
    ("14d", False, True),   # 16 d: penalised
])
def test_refund_deadline_breaches_when_the_warehouse_is_slow(inspection, met, penalised):
    cases, ledger = run(scenario(exact_carrier(inspection=inspection)))
    refunds = of_type(cases, "return_refund")
    assert len(refunds) > 10
    assert (refunds["statutory_met"] == met).all()
    breaches = ledger[ledger["component"] == "refund_breach"]
    assert len(breaches) == (len(refunds) if penalised else 0)
    if penalised:
        np.testing.assert_allclose(breaches["amount"], 500.0)
    assert (refunds["terminal"] == "resolved").all()


def test_eu_refund_deadline_counts_from_the_notice():
    cases, _ = run(scenario(exact_carrier(), policy={"refund_deadline": "14d",
                                                     "refund_deadline_from": "notice"}))
    refunds = of_type(cases, "return_refund")
    np.testing.assert_allclose(refunds["refund_due_at"], refunds["created"] + 14 * DAY,
                               rtol=0, atol=1e-9)


def test_insured_freight_charges_premiums_not_parcels():
    cases, ledger = run(scenario(exact_carrier(), policy={"return_freight_payer": "insured"}))
    premiums = ledger[ledger["component"] == "freight_insurance"]
    assert len(premiums) == len(cases)
    # premium per order spread over the (uplifted) returns per order: 0.3 / (0.6 x 1.15)
    np.testing.assert_allclose(premiums["amount"], 0.3 / (0.6 * 1.15))
    parcels = ledger[ledger["component"] == "logistics"]
    assert len(parcels) == len(of_type(cases, "exchange"))  # replacements only


def test_carrier_disruption_cuts_capacity_and_adds_delay():
    disruption = {"start": "1d", "length": "2d", "capacity_multiplier": 0.0,
                  "extra_delay": "1d"}
    cases, _ = run(scenario(exact_carrier(disruption=disruption)))
    handed = cases["picked_up_at"].to_numpy()
    assert not ((handed >= DAY) & (handed < 3 * DAY)).any()  # no pickups on days 1 and 2
    transit = cases["goods_received_at"].to_numpy() - handed
    np.testing.assert_allclose(transit, 2 * DAY, rtol=0, atol=1e-9)
    calm, _ = run(scenario(exact_carrier(disruption={**disruption, "capacity_multiplier": 1.0})))
    inside = (calm["picked_up_at"] >= DAY) & (calm["picked_up_at"] < 3 * DAY)
    assert inside.any()
    slow = calm["goods_received_at"] - calm["picked_up_at"]
    np.testing.assert_allclose(slow[inside], 3 * DAY, rtol=0, atol=1e-9)
    np.testing.assert_allclose(slow[~inside], 2 * DAY, rtol=0, atol=1e-9)


def test_drop_off_replaces_the_pickup_delay():
    overlays = {"drop_off": {"share": 1.0, "delay": "3h", "fee_per_parcel": 1.0}}
    cases, ledger = run(scenario(exact_carrier(pickup_capacity_per_day=1), overlays=overlays))
    assert cases["dropped_off"].all()
    np.testing.assert_allclose(cases["picked_up_at"], cases["created"] + HANDLE + 3 * HOUR,
                               rtol=0, atol=1e-9)
    assert len(ledger[ledger["component"] == "drop_off"]) == len(cases)


def test_failed_request_contact_ends_without_a_parcel():
    contact = {"groups": {"agents": {"agents": 0, "channels": ["chat"],
                                     "case_types": ["return_refund", "exchange"]}},
               "patience": {"chat": "10min"}}
    cases, ledger = run(scenario(exact_carrier(), contact=contact))
    assert (cases["terminal"] == "abandoned").all()
    assert not cases["return_sent"].any()
    assert (ledger["component"] == "logistics").sum() == 0
