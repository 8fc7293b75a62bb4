"""Logistics information: tracking scans per parcel leg and "where is my parcel / refund".

Deterministic carriers make every scan time and every check time known; the WISMO probability
is set to 1 where the exact number of contacts is asserted.
"""

from __future__ import annotations

import numpy as np

from sim.config.units import DAY
from tests.test_returns import exact_carrier, of_type, run, scenario

ALWAYS = {"wismo_probability": 1.0, "wismo_max_contacts": 1}


def tracking(**kw) -> dict:
    return {"hub_scans": 2, "scan_lag": "30min", "promised_scan_lag": "1h",
            "missing_probability": 0.0, **kw}


def test_scans_per_leg_on_time_and_late():
    cases, _ = run(scenario(exact_carrier(tracking=tracking())))
    sent = cases[cases["return_sent"]]
    legs = np.where(sent["case_type"] == "exchange", 2, 1)
    np.testing.assert_array_equal(sent["scans_expected"], 4 * legs)
    assert (sent["scans_missing"] == 0).all() and (sent["scans_late"] == 0).all()
    late, _ = run(scenario(exact_carrier(tracking=tracking(scan_lag="3h"))))
    sent = late[late["return_sent"]]
    np.testing.assert_array_equal(sent["scans_late"], sent["scans_expected"])
    assert (sent["replacement_shipped_at"].notna() == (sent["case_type"] == "exchange")).all()
    ex = of_type(sent, "exchange")
    np.testing.assert_allclose(ex["replacement_at"] - ex["replacement_shipped_at"], 2 * DAY)


def test_no_wismo_when_the_parcel_arrives_in_time_with_scans():
    cases, _ = run(scenario(exact_carrier(tracking=tracking()), policy=ALWAYS))
    assert (cases["wismo_contacts"] == 0).all()


def test_missing_scans_make_an_arrived_parcel_look_lost():
    """Transit 2 d < the 3 d the consumer expects, but no scan ever shows: at exactly 3 d after
    the pickup the consumer asks where the parcel is (one contact, probability 1)."""
    carrier = exact_carrier(tracking=tracking(missing_probability=1.0))
    cases, _ = run(scenario(carrier, policy=ALWAYS, exchange_rate=0.0))
    sent = cases[cases["return_sent"]]
    np.testing.assert_array_equal(sent["scans_missing"], sent["scans_expected"])
    assert (sent["wismo_contacts"] == 1).all()
    assert (sent["contacts"] == 2).all()
    # the refund (2 d transit + 1 d inspection + 2 d posting = 5 d) is inside the 6 d expected
    np.testing.assert_allclose(sent["refund_at"] - sent["picked_up_at"], 5 * DAY, atol=1e-9)


def test_late_parcel_without_news_causes_wismo_and_a_late_refund_too():
    carrier = exact_carrier(transit="5d", tracking=tracking(hub_scans=0))
    policy = {"wismo_probability": 1.0, "wismo_max_contacts": 2}
    cases, _ = run(scenario(carrier, policy=policy, exchange_rate=0.0))
    sent = cases[cases["return_sent"]]
    # pickup scan at 0.5 h, then nothing until the delivery scan at 5 d: the checks at 3 d
    # and 4 d find no news -> two contacts (the cap), none later
    assert (sent["wismo_contacts"] == 2).all()
    on_time, _ = run(scenario(exact_carrier(transit="5d", tracking=tracking(hub_scans=8)),
                              policy=policy, exchange_rate=0.0))
    # eight hub scans over 5 d: one every 13.3 h, so there is always news in the last 24 h
    # and the parcel causes no contact. The refund (5 d + 1 d + 2 d = 8 d after the pickup) is
    # overdue from 6 d: at 6 d the delivery scan (5 d 0.5 h) is still news, at 7 d it is not:
    # one "where is my refund"; at 8 d the refund is there.
    sent = on_time[on_time["return_sent"]]
    assert (sent["wismo_contacts"] == 1).all()
    np.testing.assert_allclose(sent["refund_at"] - sent["picked_up_at"], 8 * DAY, atol=1e-9)


def test_replacement_overdue_is_asked_about():
    carrier = exact_carrier(tracking=tracking(), dispatch="0h")
    slow_delivery = {**carrier, "transit": "84h"}
    cases, _ = run(scenario(slow_delivery, policy=ALWAYS, exchange_rate=0.4))
    ex = of_type(cases, "exchange")
    ex = ex[ex["return_sent"]]
    assert len(ex) > 5
    # scans at 0, 28, 56, 84 h (+0.5 h): at the 72 h check the 56 h scan is news; by the next
    # check (96 h) the return's delivery scan is visible and the replacement delivered
    assert (ex["wismo_contacts"] == 0).all()
    silent = {**slow_delivery, "tracking": tracking(hub_scans=0)}
    cases, _ = run(scenario(silent, policy=ALWAYS, exchange_rate=0.4))
    ex = of_type(cases, "exchange")
    assert (ex[ex["return_sent"]]["wismo_contacts"] == 1).all()
