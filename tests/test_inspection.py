"""Returns at inspection (pass, partial, reject, fraud), quality faults at the seller's expense,
the freight payer as a design choice, and refund-only. (Field-service reliability is tested in
tests/test_field_service.py.)"""

from __future__ import annotations

import numpy as np

from sim.config.units import DAY
from tests.test_returns import VALUE, exact_carrier, of_type, run, scenario


def test_rejected_returns_get_no_refund_and_fail():
    cases, _ = run(scenario(exact_carrier(), policy={"inspection_reject": 1.0},
                            exchange_rate=0.0))
    sent = cases[cases["return_sent"]]
    assert len(sent) > 20 and (sent["inspection_result"] == 3).all()
    assert sent["refund_at"].isna().all() and (sent["terminal"] == "unresolved").all()


def test_partial_refunds_lower_satisfaction_through_the_case_factor():
    cases, _ = run(scenario(exact_carrier(), policy={"inspection_partial": 1.0,
                                                     "partial_refund_csat": 0.7},
                            exchange_rate=0.0))
    sent = cases[cases["return_sent"]]
    assert (sent["inspection_result"] == 2).all() and (sent["csat_factor"] == 0.7).all()
    assert sent["refund_at"].notna().all() and (sent["terminal"] == "resolved").all()


def test_fraud_is_caught_or_costs_the_order_value():
    caught, _ = run(scenario(exact_carrier(), policy={"return_fraud_share": 1.0,
                                                      "fraud_detection": 1.0}))
    assert (caught[caught["return_sent"]]["inspection_result"] == 4).all()
    missed, ledger = run(scenario(exact_carrier(), policy={"return_fraud_share": 1.0,
                                                           "fraud_detection": 0.0}))
    sent = missed[missed["return_sent"]]
    assert (sent["inspection_result"] == 5).all()
    fraud = ledger[ledger["component"] == "return_fraud"]
    assert sorted(fraud["case"]) == sorted(sent["case"])
    np.testing.assert_allclose(fraud["amount"], VALUE)


def test_quality_faults_ship_at_the_sellers_expense_and_are_never_deterred():
    policy = {"return_freight_payer": "consumer", "fee_deterrence": 1.0,
              "quality_fault_share": 1.0}
    cases, ledger = run(scenario(exact_carrier(), policy=policy))
    assert (cases["terminal"] != "withdrawn").all() and not cases["consumer_paid_fee"].any()
    parcels = ledger[(ledger["component"] == "logistics") & (ledger["kind"] == "variable")]
    assert len(parcels) == int(cases["parcels"].sum())


def test_freight_payer_is_a_design_choice_of_the_logistics_provider():
    policy = {"return_freight_payer": "seller", "fee_deterrence": 1.0}
    paid = run(scenario(exact_carrier(freight_payer="consumer"), policy=policy))[0]
    free = run(scenario(exact_carrier(), policy=policy))[0]
    assert (of_type(paid, "return_refund")["terminal"] == "withdrawn").all()
    assert not (free["terminal"] == "withdrawn").any()


def test_refund_only_refunds_without_a_parcel_and_writes_the_goods_off():
    cases, ledger = run(scenario(exact_carrier(), policy={"refund_only_below": 1000.0},
                                 exchange_rate=0.0))
    assert not cases["return_sent"].any() and cases["refund_only"].all()
    np.testing.assert_allclose(cases["refund_at"] - cases["created"], 2 * DAY + 0.1, atol=1e-9)
    written_off = ledger[ledger["component"] == "refund_only"]
    assert len(written_off) == len(cases)
