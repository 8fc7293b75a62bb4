"""What dependence on a carrier costs: peak surcharges, and a disruption's expedites and coupons.

An exact micro-scenario (deterministic carrier, returns and exchanges only) checks every fee,
surcharge, coupon and expedite against the hand-over times; a directional check on the bundled
carrier_disruption scenario checks that a disruption costs money and misses service targets.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import sim
from sim.config.loader import load_scenario
from sim.config.units import DAY
from sim.model import run_once
from tests.test_returns import CLEAN_INSPECTION, VALUE, exact_carrier

FEE, SURCHARGE, COUPON, EXPRESS = 8.0, 1.5, 10.0, 15.0


def micro(disruption: dict | None = None, promotions: list | None = None,
          events: list | None = None):
    carrier = exact_carrier(cost_per_parcel=FEE, peak_surcharge=SURCHARGE, peak_tail="1d",
                            disruption_compensation=COUPON, expedite_cost=EXPRESS)
    if disruption:
        carrier["disruption"] = disruption
    contact = {"provider": "in_house",
               "groups": {"agents": {"agents": 50, "channels": ["chat"],
                                     "case_types": ["return_refund", "exchange"], "fcr": 1.0}},
               "handle_time": {"chat": {"default": {"dist": "deterministic", "value": "6min"}}},
               "patience": {}, "retry_probability": 0.0, "max_attempts": 1}
    return run_once(load_scenario({
        "name": "carrier_costs",
        "run": {"horizon": "6d", "drain": "60d", "seed": 11},
        "demand": {"source": "orders", "orders_per_day": 30, "channel_mix": {"chat": 1.0},
                   "promotions": promotions or [],
                   "categories": {"goods": {"share": 1.0, "order_value": VALUE,
                                            "rates": {"return_refund": 0.5, "exchange": 0.2}}}},
        "policy": {"complaint_probability": 0.0, "approval_time": "0h",
                   "return_freight_payer": "seller", **CLEAN_INSPECTION},
        "designs": {"d": {"label": "d", "contact": contact, "logistics": carrier}},
        "events": events or [],
    }))


def _legs(result):
    """Per parcel leg: (case, hand-over time, replacement?) from the per-case table."""
    cases = result.cases
    sent = cases[cases["return_sent"]]
    legs = [(c, t, False) for c, t in zip(sent.index, sent["picked_up_at"], strict=True)]
    shipped = cases[np.isfinite(cases["replacement_shipped_at"])]
    legs += [(c, t, True) for c, t in zip(shipped.index, shipped["replacement_shipped_at"],
                                          strict=True)]
    return legs


def _charged(result, component):
    ledger = result.ledger
    return ledger[ledger["component"].astype(str) == component].groupby("case")["amount"].sum()


def test_peak_surcharge_applies_inside_the_promotion_and_its_tail_only():
    promo = [{"name": "peak", "start": "2d", "length": "1d", "multiplier": 1.0}]
    result = micro(promotions=promo)
    expected: dict[int, float] = {}
    for case, at, _ in _legs(result):
        expected[case] = expected.get(case, 0.0) + FEE * (SURCHARGE if 2 * DAY <= at < 4 * DAY
                                                          else 1.0)
    charged = _charged(result, "logistics")
    assert len(expected) > 10
    for case, amount in expected.items():
        assert charged[case] == pytest.approx(amount)
    assert any(v != FEE and v != 2 * FEE for v in expected.values())  # some legs surcharged


#: The same slow-down (1 d more on the 2 d transit, days 1-6) made two ways: the carrier's own
#: disruption table, or a scenario event scaling its transit.
SLOWDOWNS = {
    "disruption": {"disruption": {"start": "1d", "length": "5d", "capacity_multiplier": 1.0,
                                  "extra_delay": "1d"}},
    "event": {"events": [{"name": "slow", "key": "designs.d.logistics.transit", "scale": 1.5,
                          "start": "1d", "end": "6d"}]},
}


@pytest.mark.parametrize("how", sorted(SLOWDOWNS))
def test_a_disruption_books_coupons_on_returns_and_expedites_replacements(how):
    window = (1 * DAY, 6 * DAY)  # long enough for replacements (after transit and inspection)
    result = micro(**SLOWDOWNS[how])
    coupons, express = _charged(result, "logistics:disruption"), \
        _charged(result, "logistics:expedite")
    cases = result.cases
    n_coupon = n_express = 0
    for case, at, replacement in _legs(result):
        inside = window[0] <= at < window[1]
        if replacement:
            n_express += inside
            if inside:  # expedited: the plain 2 d transit, no extra day
                assert cases.loc[case, "replacement_at"] - at == pytest.approx(2 * DAY)
        else:
            n_coupon += inside
            if inside:
                assert cases.loc[case, "goods_received_at"] - at == pytest.approx(3 * DAY)
    assert n_coupon > 0 and n_express > 0
    assert coupons.sum() == COUPON * n_coupon and express.sum() == EXPRESS * n_express
    assert (result.ledger.set_index("component").loc["logistics:disruption", "kind"]
            == "penalty").all()


@pytest.mark.parametrize("how", ["disruption", "event"])
def test_a_capacity_cut_alone_counts_as_disrupted_for_returns(how):
    if how == "disruption":
        result = micro({"start": "1d", "length": "2d", "capacity_multiplier": 0.5,
                        "extra_delay": "0h"})
    else:
        result = micro(events=[{"name": "cut", "key": "designs.d.logistics."
                                "pickup_capacity_per_day", "scale": 0.5, "start": "1d",
                                "end": "3d"}])
    returns = [(c, t) for c, t, r in _legs(result) if not r and DAY <= t < 3 * DAY]
    assert len(returns) > 0
    assert _charged(result, "logistics:disruption").sum() == COUPON * len(returns)
    assert _charged(result, "logistics:expedite").empty  # no extra delay to avoid


@cache
def disrupted_run(design):
    scenario = sim.load_scenario("carrier_disruption", {"demand.orders_per_day": 300,
                                                        "run.horizon": "21d"})
    return sim.run_once(scenario, design)


def test_a_carrier_disruption_costs_money_and_misses_service_targets():
    hit, steady = disrupted_run("third_party_logistics"), \
        disrupted_run("third_party_logistics_steady")
    assert hit.kpis["cost_per_case"] > steady.kpis["cost_per_case"]
    assert hit.kpis["cost_penalty"] > steady.kpis["cost_penalty"]
    assert hit.kpis["guarantee_kept_rate"] < steady.kpis["guarantee_kept_rate"]
    assert hit.cases["wismo_contacts"].sum() > steady.cases["wismo_contacts"].sum()
